"""bench/gpu_parity.py, where no GPU is: its missing-device exit, and its comparison on two CPU passes."""
from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
import torch
from submissions import build_submission

from autograder.paths import REPO_ROOT
from samples.mistakes import BY_NAME

SCRIPT = REPO_ROOT / "bench" / "gpu_parity.py"
SEED = 2021
EXERCISES = ("max_pool", "softmax_cross_entropy")
# max_pool_backward assigns instead of adding: overlapping windows lose gradients.
OVERWRITE = BY_NAME["max_pool_overwrite"]


def _script():
    spec = importlib.util.spec_from_file_location("gpu_parity", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message of a machine without a CUDA device")
def test_without_a_cuda_device_it_says_so_and_exits_2():
    done = subprocess.run([sys.executable, str(SCRIPT)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "gpu_parity: torch" in done.stderr and "sees no CUDA device" in done.stderr
    assert "--devices cpu cpu" in done.stderr


@pytest.mark.slow
def test_two_cpu_passes_agree_and_a_changed_grading_is_reported(tmp_path):
    parity = _script()
    reference = parity.Submission("reference", build_submission(tmp_path / "reference"), EXERCISES)
    planted = parity.Submission("reference", build_submission(tmp_path / "planted", {OVERWRITE.module: list(OVERWRITE.replacements)}), EXERCISES)
    first = parity.grade_pass([reference], "cpu", SEED)
    second = parity.grade_pass([reference], "cpu", SEED)
    assert not first.errors and first.oracle_seconds > 0 and first.environment == {"device": "cpu"}
    assert set(first.outlines["reference"]) == set(EXERCISES)
    assert parity.differences(first, second) == []

    # The same name graded from a wrong submission: every change must be reported.
    changed = parity.grade_pass([planted], "cpu", SEED)
    found = parity.differences(first, changed)
    assert any(line.startswith("reference: max_pool: ") and "points on cpu (first pass)" in line for line in found), found
    assert any("passed on cpu (first pass), failed on cpu (second pass)" in line for line in found), found
    assert any("diagnosis none on cpu (first pass), max_pool_overwrite on cpu (second pass)" in line for line in found), found
    assert not any("softmax_cross_entropy" in line for line in found), found

    # A grading that raised, and an exercise graded in one pass only.
    changed.errors["zoo/broken"] = "Traceback ...\nRuntimeError: max_pool2d_backward_cuda does not have a deterministic implementation"
    del changed.outlines["reference"]["softmax_cross_entropy"]
    found = parity.differences(first, changed)
    assert "zoo/broken: grading raised on cpu (second pass): RuntimeError: max_pool2d_backward_cuda does not have a deterministic implementation" in found
    assert "reference: softmax_cross_entropy graded on cpu (first pass) only" in found
    assert "No differences" not in parity.report([first, changed], found, 1)
    assert "No differences" in parity.report([first, second], [], 1)
