"""`convlab demo`: the main job on the bundled submissions, from grading to the scoreboard.

Copies reference/ (the instructors' solution: full marks), assignments/ (the stubs: nothing
implemented) and every folder under samples/ (one planted mistake each) into OUT/submissions
as one course, each with its scoreboard name in pseudonym.txt, and grades it as
`convlab batch` does (isolated, in parallel, with the public seed) into OUT/results. Then it
prints each submission's table in compact form, a summary row per submission, and the
scoreboard, whose site (index.html, scoreboard.csv, scoreboard.json) it writes to
OUT/scoreboard as `convlab scoreboard` does. OUT is out/demo unless --out says otherwise;
each run starts it afresh.
"""
from __future__ import annotations

import argparse
import csv
import shutil
import sys
from pathlib import Path

from ..paths import ASSIGNMENTS_DIR, GRADING_TOML, REFERENCE_DIR, REPO_ROOT, SAMPLES_DIR
from ..report.labels import LANGUAGES
from .common import EXIT_GRADER_FAILED, EXIT_OK, CommandError, load_grading_config, run_command, table_width, use_color

DEFAULT_OUT = REPO_ROOT / "out" / "demo"
# The names the bundled submissions choose for the scoreboard (a chosen name may not be a
# student id, so not the folder's name).
CHOSEN_NAMES = {"reference": "Reference solution", "assignments": "Untouched stubs"}
# The scoreboard's columns the terminal shows (scoreboard.csv has one per exercise too).
TERMINAL_COLUMNS = {"rank": "rank", "pseudonym": "name", "points": "total", "speed_conv2d_forward": "conv speed", "speed_lenet_step": "LeNet step speed"}
JUNK = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".hypothesis", "*.pyc")
# Written into OUT by the demo: only a folder holding it is ever emptied by a later run.
MARKER = ".convlab-demo"


def demo_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab demo`."""
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the messages (default: en)")
    parser.add_argument("--out", metavar="OUT", type=Path, default=DEFAULT_OUT, help="folder for the course, its results and the scoreboard (default: out/demo)")


def demo_submissions() -> list[tuple[str, Path]]:
    """(name, folder) of every bundled submission, in the order the demo shows them."""
    found = [("reference", REFERENCE_DIR), ("assignments", ASSIGNMENTS_DIR)]
    if SAMPLES_DIR.is_dir():
        found += [(f"samples/{p.name}", p) for p in sorted(SAMPLES_DIR.iterdir()) if p.is_dir() and not p.name.startswith((".", "_"))]
    return [(name, folder) for name, folder in found if folder.is_dir()]


def course_folder_name(name: str) -> str:
    """The course folder of a bundled submission: samples/no_rot180 -> no_rot180."""
    return name.rsplit("/", 1)[-1]


def chosen_name(name: str) -> str:
    """The scoreboard name a bundled submission chooses: samples/no_rot180 -> No rot180."""
    folder = course_folder_name(name)
    return CHOSEN_NAMES.get(folder, folder.replace("_", " ").capitalize())


def build_course(out: Path) -> Path:
    """OUT/submissions: one folder per bundled submission, its chosen scoreboard name in pseudonym.txt."""
    course = out / "submissions"
    for name, folder in demo_submissions():
        target = course / course_folder_name(name)
        shutil.copytree(folder, target, ignore=JUNK)
        (target / "pseudonym.txt").write_text(chosen_name(name) + "\n", encoding="utf-8")
    return course


def _fresh(out: Path) -> Path:
    """OUT emptied, refusing a folder that is not one of ours (the demo deletes what it holds)."""
    out = out.resolve()
    if out.exists():
        if not out.is_dir():
            raise CommandError(f"not a folder: {out}")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise CommandError(f"{out} holds files the demo did not write; pass an empty or new folder with --out")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("written by `convlab demo`, which empties this folder on its next run\n", encoding="utf-8")
    return out


def _grade_course(course: Path, results: Path, config, lang: str) -> dict:
    from ..batch.executors import default_jobs
    from ..batch.fingerprint import policy_fingerprint
    from ..batch.run import BatchOptions, run_batch

    options = BatchOptions(
        submissions=course,
        results=results,
        seed=config.grader.public_seed,
        seed_kind="public",
        config=config,
        config_sha=policy_fingerprint(GRADING_TOML),
        lang=lang,
        jobs=min(default_jobs(), sum(1 for _ in course.iterdir())),
        keep_results=True,
    )
    summary = run_batch(options, stream=sys.stderr)
    if summary.failed:
        raise CommandError("the grader failed on: " + "; ".join(summary.failures), EXIT_GRADER_FAILED)
    return summary.results


def _publish(results: Path, out: Path) -> Path:
    from ..scoreboard.build import build_scoreboard
    from ..scoreboard.settings import load_settings

    site = out / "scoreboard"
    build_scoreboard([results], site, load_settings(GRADING_TOML), out / "pseudonyms.json")
    return site


def render_scoreboard(site: Path) -> str:
    """The site's scoreboard.csv as an aligned text table: rank, name, total and the speed ratios."""
    with open(site / "scoreboard.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    rows = [list(TERMINAL_COLUMNS.values())] + [[row.get(column) or "" for column in TERMINAL_COLUMNS] for row in table]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join([lines[0], "  ".join("-" * width for width in widths), *lines[1:]])


def _demo(args: argparse.Namespace) -> int:
    from ..report.overview import render_overview
    from ..report.table import render_table

    config = load_grading_config()
    out = _fresh(args.out)
    course = build_course(out)
    graded = _grade_course(course, out / "results", config, args.lang)
    width, color = table_width(), use_color(sys.stdout)
    results = []
    for name, _ in demo_submissions():
        result = graded[course_folder_name(name)]
        result.submission = name
        results.append(result)
        print(render_table(result, width=width, color=color, lang=args.lang, compact=True))
        print()
    print(render_overview(results, width=width, lang=args.lang))
    site = _publish(out / "results", out)
    print()
    print(f"Scoreboard ({site / 'index.html'}):")
    print(render_scoreboard(site))
    print()
    print("speed: the submission's time over the reference's, measured in the same run (below 1: faster)")
    return EXIT_OK


def demo(args: argparse.Namespace) -> int:
    """Grade the bundled submissions as a course, print their tables and a summary, publish the scoreboard."""
    return run_command("demo", lambda: _demo(args))
