"""The test command works on every machine: scripts/test runs both stages whatever happens in the
first, and the tests that compare the sandbox's results with the grader's pass where the machine
chooses numpy's BLAS kernel with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE."""
from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.paths import REPO_ROOT

# A kernel set every CPU of its architecture runs (numpy's wheels build them all in).
GENERIC_CORE = {"aarch64": "ARMV8", "arm64": "ARMV8"}.get(platform.machine().lower(), "Nehalem")
BLAS_ENVIRONMENT = {"OPENBLAS_CORETYPE": GENERIC_CORE, "OPENBLAS_L2_SIZE": "262144"}

PASSING = "def test_passes():\n    assert True\n"
FAILING = "def test_fails():\n    assert False, 'planted'\n"
VISIBLE_CONFTEST = 'def pytest_addoption(parser):\n    parser.addoption("--impl", default="assignments")\n'


def _project(tmp_path: Path, own_tests: str, visible_tests: str, unprivileged_status: int = 0) -> Path:
    """A copy of scripts/test in a project with one test file per stage (and the real .venv);
    its scripts/test-unprivileged only says it ran and exits with unprivileged_status."""
    root = tmp_path / "project"
    (root / "scripts").mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "scripts" / "test", root / "scripts" / "test")
    (root / "scripts" / "setup").write_text("#!/bin/sh\nexit 0\n")
    (root / "scripts" / "test-unprivileged").write_text(
        f"#!/bin/sh\necho 'unprivileged stage ran' \"$@\"\necho '== 3 passed in 0.01s =='\nexit {unprivileged_status}\n")
    for script in ("setup", "test-unprivileged"):
        (root / "scripts" / script).chmod(0o755)
    (root / ".venv").symlink_to(Path(sys.prefix))
    (root / "tests").mkdir()
    (root / "tests" / "test_own.py").write_text(
        "import os\n\n" + own_tests + "\n\ndef test_sees_the_blas_variables():\n"
        f"    assert os.environ['OPENBLAS_CORETYPE'] == {GENERIC_CORE!r}\n"
    )
    (root / "assignments").mkdir()
    (root / "assignments" / "conftest.py").write_text(VISIBLE_CONFTEST)
    (root / "assignments" / "test_visible.py").write_text(visible_tests)
    return root


def _run_script(root: Path, *, unprivileged: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, **BLAS_ENVIRONMENT, "CONVLAB_NO_BROWSER_INSTALL": "1",
           "CONVLAB_NO_UNPRIVILEGED": "0" if unprivileged else "1"}
    return subprocess.run(
        ["bash", str(root / "scripts" / "test"), "-p", "no:cacheprovider"],
        cwd=root.parent, capture_output=True, text=True, timeout=120, env=env,  # it moves to its project itself
    )


def _recap(output: str) -> list[str]:
    return output[output.index("scripts/test: every stage ran"):].splitlines()[1:]


def test_both_stages_run_when_the_first_fails_and_the_exit_says_so(tmp_path):
    done = _run_script(_project(tmp_path, FAILING, PASSING))
    assert done.returncode == 1, done.stdout + done.stderr
    recap = _recap(done.stdout)
    assert len(recap) == 2
    assert re.fullmatch(r"  tests/: FAILED \(exit 1\): 1 failed, 1 passed in [0-9.]+s", recap[0]), recap
    assert re.fullmatch(r"  assignments/ on the reference: passed: 1 passed in [0-9.]+s", recap[1]), recap
    assert "test_visible.py ." in done.stdout  # the visible stage really ran


def test_a_failing_second_stage_fails_the_command(tmp_path):
    done = _run_script(_project(tmp_path, PASSING, FAILING))
    assert done.returncode == 1, done.stdout + done.stderr
    recap = _recap(done.stdout)
    assert recap[0].startswith("  tests/: passed: 2 passed in ")
    assert recap[1].startswith("  assignments/ on the reference: FAILED (exit 1): 1 failed in ")


def test_both_stages_passing_exit_zero(tmp_path):
    done = _run_script(_project(tmp_path, PASSING, PASSING))
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line.split(":")[1] for line in _recap(done.stdout)] == [" passed", " passed"]
    assert "unprivileged stage ran" not in done.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="the unprivileged stage runs only as root")
@pytest.mark.parametrize("status", [0, 1])
def test_as_root_the_unprivileged_stage_runs_too_and_counts(tmp_path, status):
    done = _run_script(_project(tmp_path, PASSING, PASSING, unprivileged_status=status), unprivileged=True)
    assert done.returncode == status, done.stdout + done.stderr
    assert "unprivileged stage ran -p no:cacheprovider" in done.stdout  # the arguments reach it
    recap = _recap(done.stdout)
    verdict = "passed" if status == 0 else f"FAILED (exit {status})"
    assert recap[2] == f"  the sandbox as an unprivileged user: {verdict}: 3 passed in 0.01s"


@pytest.mark.slow
def test_sandbox_results_match_the_graders_where_the_blas_kernel_is_chosen_by_the_environment():
    # The tests that compare a child's numbers with the grader's, in a process whose numpy
    # (and, through the sandbox, whose children's numpy) uses the kernel set these variables name.
    selected = "lenet_operations or reference_functions or environment or numeric_kernels"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_sandbox.py", "-q", "-p", "no:cacheprovider", "-k", selected],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, **BLAS_ENVIRONMENT},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"\b4 passed\b", done.stdout), done.stdout[-2000:]
