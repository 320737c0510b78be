"""`convlab demo`: the main job on the bundled submissions, from grading to the scoreboard.

Writes one course into OUT/submissions: reference/ (the instructors' solution: full marks),
assignments/ (the stubs: nothing implemented) and one sample per mistake named in
samples/mistakes.py's SAMPLES (the reference with that one mistake planted, built now from
today's reference), each with its scoreboard name in pseudonym.txt. It grades the course as
`convlab batch` does (isolated, in parallel, with the public seed) into OUT/results, then
prints each submission's table in compact form, a summary row per submission, and the
scoreboard, whose site (index.html, scoreboard.csv, scoreboard.json) it writes to
OUT/scoreboard as `convlab scoreboard` does. OUT is out/demo unless --out says otherwise;
each run starts it afresh.
"""
from __future__ import annotations

import argparse
import csv
import importlib
import shutil
import sys
from pathlib import Path

from ..paths import ASSIGNMENTS_DIR, GRADING_TOML, REFERENCE_DIR, REPO_ROOT
from ..report.labels import LANGUAGES
from ..safe_text import clean
from .common import EXIT_GRADER_FAILED, EXIT_OK, CommandError, load_grading_config, run_command, table_width, use_color

DEFAULT_OUT = REPO_ROOT / "out" / "demo"
# The names the bundled submissions choose for the scoreboard (a chosen name may not be a
# student id, so not the folder's name).
CHOSEN_NAMES = {"reference": "Reference solution", "assignments": "Untouched stubs"}
# The scoreboard's columns the terminal shows (scoreboard.csv has one per exercise too), with
# their headings' keys in the catalog (report.scoreboard.*).
TERMINAL_COLUMNS = {"rank": "rank", "pseudonym": "name", "points": "total"}
NUMERIC_COLUMNS = ("rank", "points")
JUNK = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".hypothesis", "*.pyc")
# Written into OUT by the demo: only a folder holding it is ever emptied by a later run.
MARKER = ".convlab-demo"


def demo_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab demo`."""
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the messages (default: en)")
    parser.add_argument("--out", metavar="OUT", type=Path, default=DEFAULT_OUT, help="folder for the course, its results and the scoreboard (default: out/demo)")


def mistakes_module():
    """samples/mistakes.py: the mistakes as data (kept in the course repository, never released)."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    return importlib.import_module("samples.mistakes")


def demo_submissions() -> list[str]:
    """The bundled submissions, in the order the demo shows them: reference, assignments, the samples."""
    return ["reference", "assignments", *mistakes_module().SAMPLES]


def course_folder_name(name: str) -> str:
    """The course folder of a bundled submission: its name."""
    return name


def chosen_name(name: str) -> str:
    """The scoreboard name a bundled submission chooses: delta_out_no_rot180 -> Delta out no rot180."""
    return CHOSEN_NAMES.get(name, name.replace("_", " ").capitalize())


def submission_files(name: str) -> dict[str, str] | Path:
    """A sample's files (name -> source, the mistake planted now), or the folder of reference/ or assignments/."""
    if name == "reference":
        return REFERENCE_DIR
    if name == "assignments":
        return ASSIGNMENTS_DIR
    mistakes = mistakes_module()
    return mistakes.planted_sources(mistakes.BY_NAME[name])


def build_course(out: Path) -> Path:
    """OUT/submissions: one folder per bundled submission, its chosen scoreboard name in pseudonym.txt."""
    course = out / "submissions"
    for name in demo_submissions():
        target = course / course_folder_name(name)
        files = submission_files(name)
        if isinstance(files, Path):
            shutil.copytree(files, target, ignore=JUNK)
        else:
            target.mkdir(parents=True)
            for file_name, text in files.items():
                (target / file_name).write_text(text, encoding="utf-8")
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


def scoreboard_table(site: Path, lang: str = "en"):
    """The site's scoreboard.csv as a rich table: rank, name, total."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..report.labels import label

    with open(site / "scoreboard.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 0, 0, 1))
    for column, key in TERMINAL_COLUMNS.items():
        table.add_column(Text(label(lang, f"scoreboard.{key}")), justify="right" if column in NUMERIC_COLUMNS else "left", no_wrap=True)
    for row in rows:
        table.add_row(*(Text(row.get(column) or "") for column in TERMINAL_COLUMNS))
    return table


def render_scoreboard(site: Path, lang: str = "en", width: int = 88) -> str:
    """scoreboard_table as text."""
    from ..report.console import render

    return render([scoreboard_table(site, lang)], width=width)


def _demo(args: argparse.Namespace) -> int:
    from ..report.labels import label
    from ..report.overview import render_overview
    from ..report.table import render_table

    config = load_grading_config()
    out = _fresh(args.out)
    course = build_course(out)
    graded = _grade_course(course, out / "results", config, args.lang)
    width, color = table_width(), use_color(sys.stdout)
    results = []
    for name in demo_submissions():
        result = graded[course_folder_name(name)]
        result.submission = clean(name)
        results.append(result)
        print(render_table(result, width=width, color=color, lang=args.lang, compact=True))
        print()
    print(render_overview(results, width=width, lang=args.lang, color=color))
    site = _publish(out / "results", out)
    print()
    print(label(args.lang, "scoreboard.title", path=site / "index.html"))
    print(render_scoreboard(site, args.lang, width))
    return EXIT_OK


def demo(args: argparse.Namespace) -> int:
    """Grade the bundled submissions as a course, print their tables and a summary, publish the scoreboard."""
    return run_command("demo", lambda: _demo(args))
