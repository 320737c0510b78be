"""Benchmark: grade a course of 100 submissions, then compare one Dask worker with two.

    python bench/bench_batch.py [--count 100] [--dask-count 30] [--jobs N] [--no-pool] [--no-dask] [--no-threads] [--json FILE]

1. A course of --count submissions: reference copies and bug-zoo mistakes (samples/mistakes.py),
   graded by `convlab batch`'s machinery on the local pool (one worker per core).
   Target: all of them within BUDGET_SECONDS (10 minutes on a 2-core machine).
2. The first --dask-count of them on a LocalCluster of one worker, then of two.
   Target: two workers at least SPEEDUP_TARGET times as fast as one. Before the clock
   starts, each worker imports the grader and computes the seed's expected values (a
   cost paid once per worker, whatever the course's size); the time counted is grading.
   Batch workers grade one exercise at a time, so each uses one core.
3. The same subset on the local pool, its workers grading one exercise at a time (the
   batch's choice) and then two (`convlab grade`'s): what a second thread would buy.

Exits 1 when a target is missed. The numbers depend on the machine and on what else
runs on it: run it on an otherwise idle machine. Each phase also reports the 1-minute
load average before and after it, so a figure taken on a busy machine says so.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from autograder.batch.executors import default_jobs  # noqa: E402
from autograder.batch.fingerprint import policy_fingerprint  # noqa: E402
from autograder.batch.run import BatchOptions, run_batch  # noqa: E402
from autograder.config import load_config  # noqa: E402
from autograder.paths import GRADING_TOML  # noqa: E402

BUDGET_SECONDS = 600
SPEEDUP_TARGET = 1.8
SEED = 8675309
REFERENCE_SHARE = 0.4  # the rest are bug-zoo mistakes, each a realistic one-line error


def build_course(root: Path, count: int) -> Path:
    """count submissions: every 5th pair a reference copy, the others the zoo's mistakes in turn."""
    from submissions import build_submission
    from samples.mistakes import MISTAKES

    mistakes = iter(MISTAKES * (count // len(MISTAKES) + 1))
    references = round(count * REFERENCE_SHARE)
    for index in range(count):
        name = f"student{index:03d}"
        if index * references // count != (index + 1) * references // count:
            build_submission(root / name, extra_files={"README.md": f"{name}\n"})
        else:
            mistake = next(mistakes)
            build_submission(root / name, replacements={mistake.module: list(mistake.replacements)})
    return root


def load_average() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")


def grade(submissions: Path, results: Path, *, jobs: int = 1, dask: str | None = None, exercise_threads: int = 1) -> tuple[float, object]:
    config = load_config()
    options = BatchOptions(
        submissions=submissions,
        results=results,
        seed=SEED,
        seed_kind="hidden",
        config=config,
        config_sha=policy_fingerprint(GRADING_TOML),
        jobs=jobs,
        dask=dask,
        exercise_threads=exercise_threads,
    )
    log = io.StringIO()
    start = time.perf_counter()
    summary = run_batch(options, stream=log)
    seconds = time.perf_counter() - start
    if summary.failed:
        raise SystemExit(f"grader errors in the benchmark:\n{log.getvalue()}")
    return seconds, summary


def _warm_worker(seed: int) -> float:
    """Import the engine (and torch) and compute the seed's expected values: grade an empty folder."""
    from autograder.batch.worker import limit_threads
    from autograder.grade import grade_submission

    limit_threads()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as empty:
        grade_submission(Path(empty), seed=seed, seed_kind="hidden", config=load_config())
    return time.perf_counter() - start


def dask_seconds(submissions: Path, results: Path, workers: int) -> float:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            client.run(_warm_worker, SEED)
        seconds, _ = grade(submissions, results, dask=cluster.scheduler_address)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="submissions in the course (default 100)")
    parser.add_argument("--dask-count", type=int, default=30, help="submissions for the Dask comparison (default 30)")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="local pool size (default: one per core)")
    parser.add_argument("--no-pool", action="store_true", help="skip the local pool phase")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask comparison")
    parser.add_argument("--no-threads", action="store_true", help="skip the exercise-threads comparison")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    figures: dict = {"count": args.count, "jobs": args.jobs, "cores": default_jobs()}
    ok = True
    with tempfile.TemporaryDirectory(prefix="convlab-bench-") as temporary:
        base = Path(temporary)
        course = build_course(base / "course", args.dask_count if args.no_pool else args.count)
        if not args.no_pool:
            before = load_average()
            seconds, summary = grade(course, base / "pool", jobs=args.jobs)
            figures.update(pool_seconds=round(seconds, 1), per_submission=round(seconds / args.count, 2), graded=summary.graded, pool_load=[before, load_average()])
            print(f"local pool, {args.jobs} workers: {args.count} submissions in {seconds:.1f} s ({seconds / args.count:.2f} s each; budget {BUDGET_SECONDS} s; load {before:.1f} -> {load_average():.1f})")
            ok &= seconds <= BUDGET_SECONDS
            again, rerun = grade(course, base / "pool", jobs=args.jobs)
            figures.update(rerun_seconds=round(again, 1), rerun_skipped=rerun.skipped)
            print(f"rerun: {rerun.skipped} kept, nothing regraded, in {again:.1f} s")

        if not args.no_dask:
            subset = base / "subset"
            subset.mkdir()
            for folder in sorted(course.iterdir())[: args.dask_count]:
                folder.rename(subset / folder.name)
            before = load_average()
            one = dask_seconds(subset, base / "dask1", 1)
            middle = load_average()
            two = dask_seconds(subset, base / "dask2", 2)
            speedup = one / two
            figures.update(dask_count=args.dask_count, dask_one_worker=round(one, 1), dask_two_workers=round(two, 1), dask_speedup=round(speedup, 2), dask_load=[before, middle, load_average()])
            print(f"Dask, {args.dask_count} submissions: 1 worker {one:.1f} s, 2 workers {two:.1f} s: {speedup:.2f}x (target {SPEEDUP_TARGET}x; load {before:.1f} -> {middle:.1f} -> {load_average():.1f})")
            ok &= speedup >= SPEEDUP_TARGET

        if not args.no_threads:
            subset = base / "subset"
            if not subset.exists():
                subset.mkdir()
                for folder in sorted(course.iterdir())[: args.dask_count]:
                    folder.rename(subset / folder.name)
            before = load_average()
            one, _ = grade(subset, base / "threads1", jobs=args.jobs, exercise_threads=1)
            two, _ = grade(subset, base / "threads2", jobs=args.jobs, exercise_threads=2)
            figures.update(pool_one_exercise_at_a_time=round(one, 1), pool_two_exercises_at_a_time=round(two, 1), threads_load=[before, load_average()])
            print(f"local pool, {args.jobs} workers, {args.dask_count} submissions: one exercise at a time {one:.1f} s, two {two:.1f} s: {one / two:.2f}x (load {before:.1f} -> {load_average():.1f})")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
