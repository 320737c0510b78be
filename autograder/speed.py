"""How fast a submission is, as a ratio to the reference solution timed in the same run.

Two measurements, the ones the scoreboard shows: conv2d_forward on a mid-sized layer, and
one LeNet training step (forward and backward) at batch 64. Both run in sandboxes, the
student's and the reference's side by side, calls alternating, so that a busy machine
slows both alike.

What makes the figure trustworthy:

- The grader times each call with its own clock, around the whole request (sending the
  arrays, the call, the answer): the child's own report of its time is ignored, since the
  student's code runs in that process and can rebind any clock there.
- Every round draws fresh inputs (the same for both sides), so remembering an earlier
  answer gains nothing, and the student's answer must match the reference's (the
  grader's tolerance) in every round: the speed of a wrong answer is not shown.
- The ratio is the median of the rounds' paired ratios (student time / reference time of
  the same round): a call slowed by another process spoils one pair, not the figure. Its
  uncertainty is the half-width of a 90 % distribution-free confidence interval of that
  median (order statistics of the pairs), relative to it. A ratio is reported only when
  that uncertainty is at most MAX_UNCERTAINTY.

Rounds go on until both sides have had MIN_ROUNDS calls and TIME_BUDGET_SECONDS have
passed (at most MAX_ROUNDS). bench/bench_speed_ratio.py measures the spread of the
reference timed against a copy of itself. Where the reference is not at hand (the student
release ships none), or a call fails, that ratio is simply absent: speed never affects a
score.
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .paths import REFERENCE_DIR
from .sandbox import Limits, SandboxSession

MIN_ROUNDS = 9
MAX_ROUNDS = 60
TIME_BUDGET_SECONDS = 0.5  # per workload, both sides together
# A call this slow is timed MIN_ROUNDS times only: more rounds would only add to the grading time.
SLOW_CALL_SECONDS = 0.5
MAX_UNCERTAINTY = 0.10  # a ratio less certain than +-10 % is not shown
CONFIDENCE_Z = 1.645  # 90 % two-sided, for the median's order-statistic interval
SPEED_SEED = 0
# Much arithmetic per byte sent (C_in * KH * KW = 800 products per output value), so that the
# call, not the transfer of its arrays, dominates the time the grader measures.
CONV_SHAPES = {"x": (16, 32, 16, 16), "w": (32, 32, 5, 5)}
LENET_BATCH = 64
# The grader's value tolerance: |got - expected| <= ATOL_SCALE * max|expected| + RTOL * |expected|.
ATOL_SCALE, RTOL = 2e-5, 2e-4


def _conv_inputs(rng) -> tuple:
    x = rng.standard_normal(CONV_SHAPES["x"])
    w = rng.standard_normal(CONV_SHAPES["w"])
    b = rng.standard_normal(CONV_SHAPES["w"][0])
    return (x, w, b, 1, 1)


def _lenet_inputs(rng) -> tuple:
    images = rng.random((LENET_BATCH, 1, 32, 32))
    dlogits = rng.standard_normal((LENET_BATCH, 10)) / LENET_BATCH
    return (images, dlogits)


# speed key -> (sandbox target, fresh arguments for one round); LeNet's parameters are prepended.
WORKLOADS = {"conv2d_forward": ("conv2d_forward", _conv_inputs), "lenet_step": ("LeNet.backward", _lenet_inputs)}


def agrees(got, expected) -> bool:
    """Whether got is expected within the grader's tolerance (arrays, or dicts of arrays)."""
    if isinstance(expected, dict):
        return isinstance(got, dict) and got.keys() == expected.keys() and all(agrees(got[k], expected[k]) for k in expected)
    try:
        got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return False
    if got.shape != expected.shape or not np.all(np.isfinite(got)):
        return False
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    return bool(np.all(np.abs(got - expected) <= ATOL_SCALE * scale + RTOL * np.abs(expected)))


def median_with_uncertainty(ratios: Sequence[float]) -> tuple[float, float]:
    """(median, relative half-width of its ~90 % confidence interval) of paired ratios.

    The interval runs between the order statistics at n/2 -+ z*sqrt(n)/2 (the sign test's
    distribution-free interval for a median), clipped to the sample.
    """
    values = sorted(ratios)
    n = len(values)
    median = float(np.median(values))
    reach = CONFIDENCE_Z * math.sqrt(n) / 2
    low = values[max(0, math.floor(n / 2 - reach))]
    high = values[min(n - 1, math.ceil(n / 2 + reach) - 1)]
    return median, (high - low) / 2 / median


def _timed_call(session: SandboxSession, target: str, args: tuple):
    """(outcome, seconds on the grader's clock)."""
    started = time.perf_counter()
    outcome = session.call(target, *args)
    return outcome, time.perf_counter() - started


def _measure(student: SandboxSession, reference: SandboxSession, target: str, make_args, prefix: tuple, rng) -> dict | None:
    """{"ratio", "uncertainty", "rounds"} for one workload, or None (a failed call, a wrong answer, too noisy)."""
    pairs = []
    started = time.perf_counter()
    for round_ in range(1, MAX_ROUNDS + 1):
        args = (*prefix, *make_args(rng))
        # Alternate who goes first, so neither side always meets the other's leftovers in the caches.
        order = (("student", student), ("reference", reference)) if round_ % 2 else (("reference", reference), ("student", student))
        seconds, values = {}, {}
        for who, session in order:
            outcome, seconds[who] = _timed_call(session, target, args)
            if outcome.status != "ok":
                return None
            values[who] = outcome.value
        if not agrees(values["student"], values["reference"]):
            return None
        pairs.append(seconds["student"] / seconds["reference"])
        if round_ >= MIN_ROUNDS and (seconds["student"] >= SLOW_CALL_SECONDS or time.perf_counter() - started >= TIME_BUDGET_SECONDS):
            break
    ratio, uncertainty = median_with_uncertainty(pairs)
    if uncertainty > MAX_UNCERTAINTY:
        return None
    return {"ratio": round(ratio, 3), "uncertainty": round(uncertainty, 3), "rounds": len(pairs)}


def measure_speed(
    submission_dir: Path,
    limits: Limits,
    allowed_modules: Sequence[str],
    reference_dir: Path = REFERENCE_DIR,
) -> dict[str, dict]:
    """{"conv2d_forward": {"ratio", "uncertainty", "rounds"}, "lenet_step": {...}} for what could be timed."""
    if not (reference_dir / "conv_forward.py").is_file():
        return {}
    found = {}
    rng = np.random.default_rng(SPEED_SEED)
    with SandboxSession(submission_dir, limits, allowed_modules) as student, \
            SandboxSession(reference_dir, limits, allowed_modules) as reference:
        init = reference.call("LeNet.init", seed=SPEED_SEED)
        for key, (target, make_args) in WORKLOADS.items():
            prefix = ()
            if target == "LeNet.backward":
                if init.status != "ok":
                    continue
                prefix = (init.value,)
            measured = _measure(student, reference, target, make_args, prefix, rng)
            if measured is not None:
                found[key] = measured
    return found
