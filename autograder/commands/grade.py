"""`convlab grade` (instructors, CI, Gradescope) and `convlab check` (students).

    convlab grade SUBMISSION [--seed S] [--json FILE] [--gradescope FILE] [--lang en|zh] [--config FILE]
                  [--assignment NAME]
    convlab check [FOLDER] [--lang en|zh] [--assignment NAME]

Both grade a folder holding the student modules (a copy of the assignments package,
or just its files) and print the table. `grade` uses the hidden seed (see
commands/seed.py); `check` uses the public seed and ends with a one-line verdict.
Exit codes: see commands/common.py (0 whenever grading ran, whatever the score).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..report.labels import LANGUAGES, label
from ..report.text import format_points
from .common import (
    EXIT_GRADER_FAILED,
    EXIT_OK,
    PACKAGE_FOLDER,
    CommandError,
    checked_isolation,
    existing_folder,
    grade_folder,
    holds_student_modules,
    isolation_arguments,
    load_grading_config,
    locate_modules,
    protect_grader_process,
    run_command,
    table_width,
    use_color,
)
from .seed import case_seed, parse_seed, resolve_seed

# Points closer than this to the maximum count as full marks (the model rounds to 4 decimals).
FULL_MARKS_TOLERANCE = 1e-6


def _add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the messages (default: en)")


def _add_assignment(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--assignment",
        metavar="NAME",
        help="grade only the exercises of this assignment (grading.toml's `assignment`, e.g. cnn or classic_networks; default: all)",
    )


def selected_config(config, assignment: str | None):
    """The policy, or its exercises of one assignment only; a CommandError names an unknown one."""
    if assignment is None:
        return config
    try:
        return config.for_assignment(assignment)
    except ValueError as error:
        raise CommandError(str(error)) from None


def grade_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab grade`."""
    parser.add_argument("submission", metavar="SUBMISSION", help="folder holding the student's modules (their assignments package, or just its files)")
    parser.add_argument("--seed", metavar="S", help="seed of the hidden cases (default: the environment variable named by grading.toml's seed_env)")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the scoreboard summary (JSON) to FILE")
    parser.add_argument("--gradescope", metavar="FILE", type=Path, help="also write Gradescope's results.json to FILE")
    parser.add_argument("--config", metavar="FILE", type=Path, help="grading policy to use (default: the repository's grading.toml)")
    parser.add_argument("--student", metavar="ID", help="the student's id: with grading.toml hidden_cases = \"per_student\", their own hidden cases")
    isolation_arguments(parser)
    _add_assignment(parser)
    _add_lang(parser)


def check_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab check`."""
    parser.add_argument(
        "folder",
        metavar="FOLDER",
        nargs="?",
        help="folder holding your modules (default: ./assignments, or the current folder if it holds them)",
    )
    _add_assignment(parser)
    _add_lang(parser)


def _print_table(result, lang: str) -> None:
    from ..report.table import render_table

    print(render_table(result, width=table_width(), color=use_color(sys.stdout), lang=lang))


def _write_outputs(result, args: argparse.Namespace) -> None:
    from ..report.atomic import write_json_atomic
    from ..report.gradescope import gradescope_results
    from ..report.summary import summary

    outputs = [(args.json, lambda: summary(result)), (args.gradescope, lambda: gradescope_results(result, args.lang))]
    for path, build in outputs:
        if path is None:
            continue
        try:
            write_json_atomic(path, build())
        except OSError as error:
            raise CommandError(f"cannot write {path}: {error.strerror or error}", EXIT_GRADER_FAILED) from None
        print(f"convlab grade: wrote {path}", file=sys.stderr)


def _grade(args: argparse.Namespace) -> int:
    folder = existing_folder(args.submission)
    if args.seed is not None:
        parse_seed(args.seed, "--seed")  # a typo is reported before the config is even read
    config = selected_config(load_grading_config(args.config), args.assignment)
    seed, seed_kind = resolve_seed(
        args.seed,
        public_seed=config.grader.public_seed,
        seed_env=config.grader.seed_env,
        environ=os.environ,
    )
    protect_grader_process(config.grader.seed_env)
    config, _ = checked_isolation(config, args.isolation, seed_kind, args.allow_weak_isolation)
    name = folder.resolve().name
    seed = case_seed(config, seed, seed_kind, args.student)
    result = grade_folder(locate_modules(folder), seed=seed, seed_kind=seed_kind, config=config, lang=args.lang, name=name)
    _print_table(result, args.lang)
    _write_outputs(result, args)
    return EXIT_OK


def grade(args: argparse.Namespace) -> int:
    """Grade one submission with the hidden seed; print its table, write the files asked for."""
    return run_command("grade", lambda: _grade(args))


def default_check_folder(cwd: Path) -> Path:
    """./assignments when it holds the student modules, else the current folder when it does."""
    for candidate in (cwd / "assignments", cwd):
        if candidate.is_dir() and holds_student_modules(candidate):
            return candidate
    raise CommandError(
        "no student modules in ./assignments or in the current folder: "
        "run this in your course folder, or name the folder: convlab check FOLDER"
    )


def _verdict(points: float, possible: float, lang: str) -> str:
    missing = possible - points
    if missing <= FULL_MARKS_TOLERANCE and possible > 0:
        return label(lang, "ready")
    if abs(missing - 1) <= FULL_MARKS_TOLERANCE:
        return label(lang, "missing_one")
    return label(lang, "missing", points=format_points(missing))


def next_step(result, lang: str = "en") -> str:
    """When exercises are not started: how many are complete, how many not started, and which
    function to write next (the first not started, in the course's order, that does not only
    wait for others). Else ""."""
    from ..report.unfinished import complete, functions_to_write, not_started, waits_for_others

    todo = not_started(result)
    if not todo:
        return ""
    first = next((exercise for exercise in todo if not waits_for_others(exercise)), todo[0])
    functions, file = functions_to_write(first.exercise_id)
    return label(lang, "todo_summary", complete=len(complete(result)), total=len(result.exercises),
                 todo=len(todo), function=functions[0], file=f"{PACKAGE_FOLDER}/{file}")


def verdict(result, lang: str = "en") -> str:
    """ "Ready to submit ..." at full marks, else how many points are missing; one line per
    assignment ("cnn: ...") when the result holds several."""
    totals = result.assignment_totals
    if len(totals) <= 1:
        return _verdict(result.points, result.points_possible, lang)
    return "\n".join(f"{t.assignment}: {_verdict(t.points, t.points_possible, lang)}" for t in totals)


def _check(args: argparse.Namespace) -> int:
    folder = existing_folder(args.folder) if args.folder else default_check_folder(Path.cwd())
    config = selected_config(load_grading_config(), getattr(args, "assignment", None))
    seed = config.grader.public_seed
    name = folder.resolve().name
    result = grade_folder(locate_modules(folder), seed=seed, seed_kind="public", config=config, lang=args.lang, name=name)
    _print_table(result, args.lang)
    print()
    print(verdict(result, args.lang))
    step = next_step(result, args.lang)
    if step:
        print(step)
    return EXIT_OK


def check(args: argparse.Namespace) -> int:
    """Grade the student's working copy with the public seed; end with a one-line verdict."""
    return run_command("check", lambda: _check(args))
