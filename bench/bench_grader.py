"""Time one grading and report where the time goes, and what the LeNet gradient check costs.

    python bench/bench_grader.py [SUBMISSION] [--seed S] [--runs N] [--assignment NAME]

Grades SUBMISSION (default: reference/) N times in one process (default 2: the first
run computes the expected values, later runs find them cached, as batch grading does)
and prints the timing split of each run, and the wall-clock time over the time spent in
the student's own calls and gradient checks. The split sums over exercises, which run two
at a time, so its parts add up to more than the wall-clock total. --assignment grades one
assignment of grading.toml (cnn: parts 1 to 5, as graded before part 6 existed).
CONVLAB_FORK_SERVER=0 starts a new interpreter per exercise instead of forking one.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from autograder.cases import case_rng
from autograder.config import load_config
from autograder.exercises import REGISTRY
from autograder.grade import grade_submission
from autograder.oracle import LENET_PARAM_SHAPES
from autograder.paths import REFERENCE_DIR

PARTS = ("process_start", "oracle", "student_calls", "gradient_checks", "total")


def lenet_gradcheck_cost(seed: int) -> tuple[int, int, int]:
    """(forward passes of the LeNet check, backward passes, forward passes of a per-coordinate check).

    Two forward passes per direction or coordinate, and one per point (shared by its cases)
    that checks the student's forward there; one backward pass per point.
    """
    check = next(c for c in REGISTRY["lenet"].checks if c.gradcheck)
    cases = check.cases(case_rng(seed, "lenet", check.id))
    points = len({c.problem.key for c in cases})
    forward = points + sum(2 * (len(c.directions) + len(c.coordinates) + int(c.largest)) for c in cases)
    backward = points
    parameters = sum(int(np.prod(shape)) for shape in LENET_PARAM_SHAPES.values())
    return forward, backward, 2 * parameters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submission", nargs="?", type=Path, default=REFERENCE_DIR)
    parser.add_argument("--seed", type=int, default=None, help="default: grading.toml's public seed")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--assignment", default=None, help="grade only this assignment's exercises")
    args = parser.parse_args()
    config = load_config()
    if args.assignment is not None:
        config = config.for_assignment(args.assignment)
    seed = config.grader.public_seed if args.seed is None else args.seed

    print(f"grading {args.submission} with seed {seed}")
    print(f"{'run':>4} {'points':>8} " + " ".join(f"{p:>16}" for p in PARTS))
    for run in range(1, args.runs + 1):
        start = time.perf_counter()
        result = grade_submission(args.submission, seed=seed, seed_kind="public", config=config)
        wall = time.perf_counter() - start
        row = " ".join(f"{result.timings[p]:>15.2f}s" for p in PARTS)
        own = result.timings["student_calls"] + result.timings["gradient_checks"]
        print(f"{run:>4} {result.points:>8.2f} {row}   (wall {wall:.2f} s, {wall / own:.1f}x the student's own calls and checks)")

    lenet = next(e for e in result.exercises if e.exercise_id == "lenet")
    gradcheck = next(c for c in lenet.checks if c.check_id == "gradcheck")
    forward, backward, per_coordinate = lenet_gradcheck_cost(seed)
    print()
    print(f"LeNet gradient check: {forward} forward + {backward} backward passes "
          f"({len(gradcheck.cases)} cases, {gradcheck.seconds:.2f} s in the last run)")
    print(f"a per-coordinate check would need {per_coordinate:,} forward passes: "
          f"{per_coordinate / forward:,.0f} times as many")


if __name__ == "__main__":
    main()
