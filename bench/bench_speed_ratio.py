"""How steady is the scoreboard's speed column? The reference timed against itself.

    python bench/bench_speed_ratio.py [--runs 8]

autograder.speed.measure_speed on a copy of the reference, --runs times, with three fixed
repeats per workload and with the engine's rule (at least MIN_REPEATS calls each and
TIME_BUDGET_SECONDS per workload), alternating run by run so both see the same machine.
The ideal ratio is 1.0; the spread is what a student whose code equals the reference's
would see. Also prints the seconds each measurement adds to grading a submission.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from autograder import speed  # noqa: E402
from autograder.config import load_config  # noqa: E402

RULES = {
    "3 repeats": {"MIN_REPEATS": 3, "MAX_REPEATS": 3, "TIME_BUDGET_SECONDS": 0.0},
    "engine rule": {name: getattr(speed, name) for name in ("MIN_REPEATS", "MAX_REPEATS", "TIME_BUDGET_SECONDS")},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args(argv)
    from submissions import build_submission

    config = load_config()
    limits = config.limits.sandbox_limits()
    ratios = {rule: {"conv2d_forward": [], "lenet_step": []} for rule in RULES}
    seconds = {rule: [] for rule in RULES}
    with tempfile.TemporaryDirectory() as temporary:
        same = build_submission(Path(temporary) / "same")
        for _ in range(args.runs):
            for rule, settings in RULES.items():
                for name, value in settings.items():
                    setattr(speed, name, value)
                start = time.perf_counter()
                measured = speed.measure_speed(same, limits, config.allowed_modules)
                seconds[rule].append(time.perf_counter() - start)
                for key, ratio in measured.items():
                    ratios[rule][key].append(ratio)
    for rule in RULES:
        parts = [f"{key} {min(values):.2f} to {max(values):.2f}" for key, values in ratios[rule].items()]
        print(f"{rule:13s} reference/reference over {args.runs} runs: {'; '.join(parts)}; "
              f"{sum(seconds[rule]) / len(seconds[rule]):.2f} s per measurement")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
