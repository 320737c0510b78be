"""Serial `nbgrader autograde` against `convlab autograde --jobs N`, on the same course, in one run.

    python bench/bench_autograde.py [--students 30] [--jobs 2]

Builds one nbgrader course of S students (a third the reference, a third the stubs, a third
a flipped kernel), copies it before anything is graded, autogrades one copy with nbgrader
itself (one student after the other) and the other with `convlab autograde --jobs N`, and
prints seconds per student for both, their ratio, the load average around each phase, and
whether the two gradebooks agree. Both phases pay the same fixed costs (kernel starts,
imports) per student; the parallel command also starts its N workers once.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from autograder.notebooks.course import ASSIGNMENT  # noqa: E402
from autograder.paths import REFERENCE_DIR  # noqa: E402

SEED = 987654321
FLIPPED_KERNEL = (
    "z = np.tensordot(w.astype(dtype, copy=False), windows,",
    "z = np.tensordot(w.astype(dtype, copy=False)[:, :, ::-1, ::-1], windows,",
)


def scores(course: Path) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {
            s.student_id: sorted((g.name, g.auto_score) for nb in s.notebooks for g in nb.grades)
            for s in gradebook.assignment_submissions(ASSIGNMENT)
        }


def main() -> int:
    from nbcourse import environment, hand_in, make_course
    from submissions import build_submission
    from test_notebooks import ensure_kernel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    ensure_kernel()
    with tempfile.TemporaryDirectory(prefix="convlab-bench-autograde-") as temporary:
        base = Path(temporary)
        serial = make_course(base / "serial")
        buggy = build_submission(base / "buggy", {"conv_forward": [FLIPPED_KERNEL]})
        kinds = (REFERENCE_DIR, None, buggy)
        for i in range(args.students):
            hand_in(serial, f"s{i:03d}", kinds[i % 3])
        parallel = base / "parallel"
        shutil.copytree(serial, parallel)
        env = environment(SEED)
        phases = {}
        for name, course, command in (
            ("serial nbgrader autograde", serial, [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT]),
            (f"convlab autograde --jobs {args.jobs}", parallel, [sys.executable, "-m", "autograder", "autograde", str(parallel), "--jobs", str(args.jobs)]),
        ):
            load = os.getloadavg()[0]
            started = time.perf_counter()
            done = subprocess.run(command, cwd=course, env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - started
            if done.returncode != 0:
                print(done.stderr[-4000:], file=sys.stderr)
                return 1
            phases[name] = seconds
            print(f"{name}: {seconds:.0f} s for {args.students} students, {seconds / args.students:.1f} s per student "
                  f"(load average {load:.2f} before, {os.getloadavg()[0]:.2f} after)", flush=True)
        (serial_s, parallel_s) = phases.values()
        print(f"ratio: {serial_s / parallel_s:.2f}x; 300 students at this rate: {300 * parallel_s / args.students / 60:.0f} min "
              f"(serial: {300 * serial_s / args.students / 60:.0f} min)")
        print("gradebooks agree:", scores(serial) == scores(parallel))
    return 0


if __name__ == "__main__":
    sys.exit(main())
