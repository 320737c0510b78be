"""`convlab export`: the course's final grades as a gradebook file for Canvas, Moodle or a spreadsheet.

    convlab export RESULTS --format canvas|moodle|csv --out FILE [--roster LMS_EXPORT.csv]
                   [--column TITLE] [--overrides FILE] [--config FILE] [--assignment NAME]

RESULTS is a `convlab batch` (or `convlab merge`) RESULTS folder, or an nbgrader course folder
(its gradebook.db). The late policy of grading.toml and the overrides file are applied to the
points stored there (grades/final.py); for a batch, each submission's grade.json is brought up
to date too. See grades/lms.py for the columns of each format and docs/instructor-guide.md.
Exit codes as in commands/common.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import EXIT_OK, EXIT_USAGE, CommandError, existing_folder, load_grade_policy, run_command


def export_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab export`."""
    from ..grades.lms import FORMATS

    parser.add_argument("results", metavar="RESULTS", type=Path, help="a RESULTS folder of `convlab batch`/`convlab merge`, or an nbgrader course folder (gradebook.db)")
    parser.add_argument("--format", choices=FORMATS, required=True, help="canvas, moodle (their gradebook imports) or csv (one row per student and assignment)")
    parser.add_argument("--out", metavar="FILE", type=Path, required=True, help="the file to write")
    parser.add_argument("--roster", metavar="FILE", type=Path, help="the LMS's own gradebook export, to match students to LMS accounts")
    parser.add_argument("--column", metavar="TITLE", action="append", help="the LMS column's title (Canvas: 'Title (id)' of an existing assignment); NAME=TITLE per assignment when there are several")
    parser.add_argument("--overrides", metavar="FILE", type=Path, help="the instructors' overrides (default: grading.toml [overrides] file)")
    parser.add_argument("--config", metavar="FILE", type=Path, help="grading policy with the late policy (default: the repository's grading.toml)")
    parser.add_argument("--assignment", metavar="NAME", help="with an nbgrader course holding several assignments: the one to export")


def _columns(titles: list[str] | None, names: tuple[str, ...]) -> dict[str, str]:
    """assignment name -> LMS column title, from the --column options."""
    columns = {name: name for name in names}
    for text in titles or []:
        name, sep, title = text.partition("=")
        if not sep:
            if len(names) != 1:
                raise CommandError(f"--column {text!r}: with several assignments ({', '.join(names)}) write NAME=TITLE")
            name, title = names[0], text
        if name not in columns:
            raise CommandError(f"--column {text!r}: no assignment {name!r} (known: {', '.join(names)})")
        if not title.strip():
            raise CommandError(f"--column {text!r}: the title is empty")
        columns[name] = title.strip()
    return columns


def _export(args: argparse.Namespace) -> int:
    from ..batch.finalize import finalize
    from ..batch.store import read_record
    from ..grades.final import grade_of
    from ..grades.lms import Graded, RosterError, canvas_csv, generic_csv, moodle_csv, read_roster
    from ..grades.sources import SourceError, read_entries
    from ..report.atomic import write_text_atomic

    existing_folder(args.results)
    policy, overrides = load_grade_policy(args.config, args.overrides)
    try:
        entries = read_entries(args.results, args.assignment)
    except SourceError as error:
        raise CommandError(str(error)) from None
    warnings: list[str] = []
    latest: dict[str, object] = {}
    for entry in entries:
        if not entry.possible:
            warnings.append(f"{entry.student}: no grade ({entry.status}{': ' + entry.notes[-1] if entry.notes else ''}); left out")
            continue
        previous = latest.get(entry.student)
        if previous is not None:
            warnings.append(f"{entry.student}: several submissions ({previous.submission}, {entry.submission}); the latest counts")
            if (entry.submitted_at or "") < (previous.submitted_at or ""):
                continue
        latest[entry.student] = entry
    graded = {
        student: Graded(grade_of(student, e.submitted_at, e.points, e.possible, policy, overrides), e.status, tuple(e.notes))
        for student, e in latest.items()
    }
    warnings += [f"overrides line {o.line}: no grade for {o.student!r} in {args.results}" for o in overrides if o.student not in graded]
    # One column per assignment these results grade: a batch of one assignment (or an nbgrader
    # gradebook's one assignment) adds no empty column that would overwrite or create another.
    present = {part.assignment for item in graded.values() for part in item.grade.assignments}
    columns = _columns(args.column, tuple(name for name in policy.assignment_names if name in present) or policy.assignment_names)
    if (Path(args.results) / "batch.json").is_file():  # keep each submission's grade.json current
        records = [r for e in entries if e.key and (r := read_record(args.results, e.key))]
        finalize(args.results, records, policy, overrides)
    roster = None
    try:
        if args.roster is not None:
            roster = read_roster(args.roster)
        if args.format == "canvas":
            text, more = canvas_csv(graded, columns, roster)
        elif args.format == "moodle":
            text, more = moodle_csv(graded, columns, roster)
        else:
            if roster is not None:
                raise CommandError("--roster applies to --format canvas and moodle")
            text, more = generic_csv(graded), []
    except RosterError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    warnings += more
    write_text_atomic(args.out, text)
    for warning in warnings:
        print(f"convlab export: note: {warning}", file=sys.stderr)
    late = sum(1 for g in graded.values() if any(a.lateness.days_late for a in g.grade.assignments))
    changed = sum(1 for g in graded.values() if any(a.overrides for a in g.grade.assignments))
    print(f"convlab export: {len(graded)} students ({late} late, {changed} with overrides); wrote {args.out} ({args.format})", file=sys.stderr)
    return EXIT_OK


def export(args: argparse.Namespace) -> int:
    """Write the final grades in an LMS's import format."""
    return run_command("export", lambda: _export(args))
