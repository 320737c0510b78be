"""`convlab demo`: grade the bundled submissions and show what the grader says about each.

Grades reference/ (the instructors' solution: full marks), assignments/ (the stubs:
nothing implemented) and every folder under samples/ (one planted mistake each),
with the public seed and one loaded config, prints each table in compact form and
ends with one summary row per submission.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..paths import ASSIGNMENTS_DIR, REFERENCE_DIR, SAMPLES_DIR
from ..report.labels import LANGUAGES
from .common import EXIT_OK, grade_folder, load_grading_config, run_command, table_width, use_color


def demo_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab demo`."""
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the messages (default: en)")


def demo_submissions() -> list[tuple[str, Path]]:
    """(name, folder) of every bundled submission, in the order the demo grades them."""
    found = [("reference", REFERENCE_DIR), ("assignments", ASSIGNMENTS_DIR)]
    if SAMPLES_DIR.is_dir():
        found += [(f"samples/{p.name}", p) for p in sorted(SAMPLES_DIR.iterdir()) if p.is_dir() and not p.name.startswith((".", "_"))]
    return [(name, folder) for name, folder in found if folder.is_dir()]


def _demo(args: argparse.Namespace) -> int:
    from ..report.overview import render_overview
    from ..report.table import render_table

    config = load_grading_config()
    seed = config.grader.public_seed
    width, color = table_width(), use_color(sys.stdout)
    results = []
    for name, folder in demo_submissions():
        result = grade_folder(folder, seed=seed, seed_kind="public", config=config, lang=args.lang, name=name)
        results.append(result)
        print(render_table(result, width=width, color=color, lang=args.lang, compact=True))
        print()
    print(render_overview(results, width=width, lang=args.lang))
    return EXIT_OK


def demo(args: argparse.Namespace) -> int:
    """Grade reference/, assignments/ and samples/*; print their tables and a summary."""
    return run_command("demo", lambda: _demo(args))
