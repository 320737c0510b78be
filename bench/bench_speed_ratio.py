"""How steady is the scoreboard's speed column? The reference timed against a copy of itself.

    python bench/bench_speed_ratio.py [--runs 10] [--load 1]

autograder.speed.measure_speed on a copy of the reference, --runs times; --load N keeps N
busy-looping processes running meanwhile (a loaded machine). The ideal ratio is 1.0; the
spread over the runs is what a student whose code equals the reference's would see. Prints,
per workload, the range of the ratios, the largest deviation from their median, the
uncertainty each run reported, the runs that reported no ratio (too noisy), and the seconds
each measurement adds to grading a submission.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from autograder import speed  # noqa: E402
from autograder.config import load_config  # noqa: E402


def _spin() -> None:
    while True:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--load", type=int, default=0, help="busy processes to run meanwhile")
    args = parser.parse_args(argv)
    from submissions import build_submission

    config = load_config()
    limits = config.limits.sandbox_limits()
    found = {key: [] for key in speed.WORKLOADS}
    seconds = []
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.load)]
    for spinner in spinners:
        spinner.start()
    try:
        with tempfile.TemporaryDirectory() as temporary:
            same = build_submission(Path(temporary) / "same")
            for _ in range(args.runs):
                start = time.perf_counter()
                measured = speed.measure_speed(same, limits, config.allowed_modules)
                seconds.append(time.perf_counter() - start)
                for key in found:
                    found[key].append(measured.get(key))
    finally:
        for spinner in spinners:
            spinner.terminate()
    print(f"load average {os.getloadavg()[0]:.1f}; {args.load} busy processes; {args.runs} runs")
    for key, values in found.items():
        shown = [v for v in values if v is not None]
        if not shown:
            print(f"{key}: no ratio shown in any run")
            continue
        ratios = [v["ratio"] for v in shown]
        middle = statistics.median(ratios)
        worst = max(abs(r / middle - 1) for r in ratios)
        print(
            f"{key}: {min(ratios):.3f} to {max(ratios):.3f} (median {middle:.3f}, largest deviation {worst:.1%}); "
            f"reported uncertainty {min(v['uncertainty'] for v in shown):.1%} to {max(v['uncertainty'] for v in shown):.1%}; "
            f"rounds {min(v['rounds'] for v in shown)} to {max(v['rounds'] for v in shown)}; "
            f"{len(values) - len(shown)} of {len(values)} runs too noisy to show"
        )
    print(f"{statistics.mean(seconds):.2f} s per measurement")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
