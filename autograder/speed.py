"""How fast a submission is, as a ratio to the reference solution timed in the same run.

Two measurements, the ones the scoreboard shows: conv2d_forward on a mid-sized layer, and
one LeNet training step (forward and backward) at batch 64. Both run in sandboxes, the
student's and the reference's side by side, calls alternating, so that a busy machine
slows both alike; the best of each side's repeats is kept. A ratio of 2.0 means twice as
slow as the reference. Single calls of the same code vary by up to 1.5x on a shared machine,
so a workload repeats until both sides have had MIN_REPEATS calls and TIME_BUDGET_SECONDS
have passed (at most MAX_REPEATS). The reference against itself, 10 runs in one
(bench/bench_speed_ratio.py): conv2d_forward 0.61 to 0.84 with three repeats, 0.93 to 1.03
with this rule, which adds about 0.1 s per submission. Where the reference is not at hand
(the student release ships none) or a call fails, that ratio is simply absent: speed never
affects a score.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .paths import REFERENCE_DIR
from .sandbox import Limits, SandboxSession

MIN_REPEATS = 3
MAX_REPEATS = 40
TIME_BUDGET_SECONDS = 0.2  # per workload, both sides together
# A call this slow is timed once: repeats would only add to the grading time.
ONE_TIMING_SECONDS = 1.0
SPEED_SEED = 0
CONV_SHAPES = {"x": (8, 8, 32, 32), "w": (16, 8, 3, 3)}
LENET_BATCH = 64


def _workloads() -> dict[str, tuple[str, tuple]]:
    """speed key -> (sandbox target, arguments): fixed inputs, the same for every submission."""
    rng = np.random.default_rng(SPEED_SEED)
    x = rng.standard_normal(CONV_SHAPES["x"])
    w = rng.standard_normal(CONV_SHAPES["w"])
    b = rng.standard_normal(CONV_SHAPES["w"][0])
    images = rng.random((LENET_BATCH, 1, 32, 32))
    dlogits = rng.standard_normal((LENET_BATCH, 10)) / LENET_BATCH
    return {
        "conv2d_forward": ("conv2d_forward", (x, w, b, 1, 1)),
        "lenet_step": ("LeNet.backward", (images, dlogits)),  # params are prepended below
    }


def measure_speed(
    submission_dir: Path,
    limits: Limits,
    allowed_modules: Sequence[str],
    reference_dir: Path = REFERENCE_DIR,
) -> dict[str, float]:
    """{"conv2d_forward": ratio, "lenet_step": ratio} for the keys that could be timed."""
    if not (reference_dir / "conv_forward.py").is_file():
        return {}
    ratios = {}
    with SandboxSession(submission_dir, limits, allowed_modules) as student, \
            SandboxSession(reference_dir, limits, allowed_modules) as reference:
        init = reference.call("LeNet.init", seed=SPEED_SEED)
        for key, (target, args) in _workloads().items():
            if target == "LeNet.backward":
                if init.status != "ok":
                    continue
                args = (init.value, *args)
            best = {"student": float("inf"), "reference": float("inf")}
            started = time.perf_counter()
            for round_ in range(1, MAX_REPEATS + 1):
                for who, session in (("student", student), ("reference", reference)):
                    outcome = session.call(target, *args)
                    best[who] = min(best[who], outcome.seconds) if outcome.status == "ok" else float("nan")
                if not best["student"] < ONE_TIMING_SECONDS:
                    break
                if round_ >= MIN_REPEATS and time.perf_counter() - started >= TIME_BUDGET_SECONDS:
                    break
            if np.isfinite(best["student"]) and np.isfinite(best["reference"]) and best["reference"] > 0:
                ratios[key] = round(best["student"] / best["reference"], 3)
    return ratios
