"""`convlab autograde`: `nbgrader autograde` of a whole course in parallel, resumable, with a progress bar.

    convlab autograde COURSE_DIR [--assignment NAME] [--jobs N] [--student ID ...] [--force]

COURSE_DIR is the nbgrader course folder (nbgrader_config.py, gradebook.db, submitted/). The
hidden seed reaches the grade cells as for `nbgrader autograde`: through CONVLAB_SEED (grading
.toml's seed_env), which must be set. With a deadline in grading.toml's [late] table, the
gradebook's due date is set to it first, so nbgrader's late check and convlab's late policy
(course/nbgrader_config.py's plugin) see the same deadline. See notebooks/autograde.py.
Exit codes: 0 every student autograded, 1 some failed (named, with nbgrader's log), 2 usage.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .common import EXIT_GRADER_FAILED, EXIT_OK, CommandError, existing_folder, load_grade_policy, load_grading_config, positive_int, run_command


def autograde_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab autograde`."""
    parser.add_argument("course", metavar="COURSE_DIR", type=Path, help="the nbgrader course folder (nbgrader_config.py, gradebook.db, submitted/)")
    parser.add_argument("--assignment", metavar="NAME", help="the assignment to autograde (default: the only one in gradebook.db)")
    parser.add_argument("--jobs", metavar="N", type=positive_int, help="students autograded at once (default: one per core)")
    parser.add_argument("--student", metavar="ID", action="append", help="autograde only this student (repeatable)")
    parser.add_argument("--force", action="store_true", help="autograde again students already done")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the notes printed (default: en)")


class _Bar:
    """rich's progress bar on a terminal; one line per student elsewhere (CI logs)."""

    def __init__(self, total: int):
        from rich.console import Console

        from ..batch.progress import Progress as Lines

        self.console = Console(stderr=True)
        self.lines = None if self.console.is_terminal else Lines(total, sys.stderr)
        self.bar = None
        if self.lines is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("autograding"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[last]}"),
                                TimeElapsedColumn(), TimeRemainingColumn(), console=self.console)
            self.task = self.bar.add_task("autograde", total=total, last="")
            self.bar.start()

    def advance(self, student: str, verdict: str, failed: bool = False) -> None:
        if self.lines is not None:
            self.lines.advance(student, verdict, failed)
        else:
            self.bar.update(self.task, advance=1, last=f"{student}: {verdict}")

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.stop()
        else:
            self.lines.finish()


def _only_assignment(course: Path) -> str:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        names = [a.name for a in gradebook.assignments]
    if len(names) != 1:
        raise CommandError(f"{course}/gradebook.db holds {len(names)} assignments ({', '.join(names) or 'none'}): choose one with --assignment")
    return names[0]


def _autograde(args: argparse.Namespace) -> int:
    from ..batch.executors import default_jobs
    from ..notebooks.autograde import autograde_course, sync_duedate

    course = existing_folder(args.course).resolve()
    for needed in ("nbgrader_config.py", "gradebook.db"):
        if not (course / needed).is_file():
            raise CommandError(f"{course} holds no {needed}: pass the nbgrader course folder (run `nbgrader generate_assignment` first)")
    config = load_grading_config()
    if not os.environ.get(config.grader.seed_env, "").strip():
        raise CommandError(f"no hidden seed: set {config.grader.seed_env} as for `nbgrader autograde` (every grade cell would refuse to grade)")
    policy, _ = load_grade_policy(None, None)
    assignment = args.assignment or _only_assignment(course)
    note = sync_duedate(course, assignment, policy.late.deadline)
    if note:
        print(f"convlab autograde: {note}", file=sys.stderr)
    jobs = args.jobs or default_jobs()
    summary = autograde_course(course, assignment, jobs=jobs, students=args.student, force=args.force, lang=args.lang, progress=_Bar)
    for student, notes in sorted(summary.missing_notebooks.items()):
        for line in notes:
            print(f"convlab autograde: {student}: {line}", file=sys.stderr)
    rate = f"; {summary.seconds / summary.graded:.1f} s per student" if summary.graded else ""
    print(
        f"convlab autograde: {summary.students} students of {assignment}; {summary.skipped} already autograded; "
        f"{summary.graded} autograded, {len(summary.failed)} failed on {jobs} worker{'s' if jobs != 1 else ''} "
        f"in {summary.seconds:.0f} s{rate}",
        file=sys.stderr,
    )
    return EXIT_GRADER_FAILED if summary.failed else EXIT_OK


def autograde(args: argparse.Namespace) -> int:
    """Autograde every student of an nbgrader course in parallel."""
    return run_command("autograde", lambda: _autograde(args))
