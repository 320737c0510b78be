"""`convlab similarity` and `convlab misconceptions`: instructor reports from a batch's RESULTS.

    convlab similarity RESULTS [RESULTS ...] --out DIR [--lang en|zh]
    convlab misconceptions RESULTS [RESULTS ...] --out DIR [--pseudonyms FILE] [--lang en|zh] [--config FILE]

Both write instructor-only pages (autograder/instructor/): never into or around a
scoreboard site. Exit codes as in commands/common.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..paths import GRADING_TOML
from ..report.labels import LANGUAGES
from .common import EXIT_GRADER_FAILED, EXIT_OK, EXIT_USAGE, CommandError, existing_folder, run_command


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", metavar="RESULTS", nargs="+", type=Path, help="RESULTS folders of `convlab batch` or `convlab merge`")
    parser.add_argument("--out", metavar="DIR", type=Path, required=True, help="folder for the report (private: never inside the scoreboard site)")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the report (default: en)")


def similarity_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab similarity`."""
    _common(parser)


def misconceptions_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab misconceptions`."""
    _common(parser)
    parser.add_argument("--pseudonyms", metavar="FILE", type=Path, help="the private pseudonym map (default: grading.toml [scoreboard] pseudonym_map)")
    parser.add_argument("--config", metavar="FILE", type=Path, help="grading policy holding the [scoreboard] table (default: the repository's grading.toml)")


def _similarity(args: argparse.Namespace) -> int:
    from ..instructor.records import ReportError

    for folder in args.results:
        existing_folder(folder)
    try:
        from ..instructor.similarity import write_similarity_report

        pairs = write_similarity_report(args.results, args.out, args.lang)
    except ReportError as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    except ImportError as error:
        raise CommandError(f"the similarity report needs copydetect: pip install 'convlab[course]' ({error})", EXIT_GRADER_FAILED) from None
    top = f"; most similar: {pairs[0].first.name} and {pairs[0].second.name}, {100 * pairs[0].share:.0f} %" if pairs else ""
    print(f"convlab similarity: {len(pairs)} pairs{top}; wrote {args.out / 'index.html'} (instructors only)", file=sys.stderr)
    return EXIT_OK


def _misconceptions(args: argparse.Namespace) -> int:
    from ..instructor.misconceptions import write_misconceptions_report
    from ..instructor.records import ReportError
    from ..scoreboard.pseudonyms import PseudonymError
    from ..scoreboard.settings import SettingsError, load_settings

    for folder in args.results:
        existing_folder(folder)
    config_path = args.config or GRADING_TOML
    try:
        map_path = args.pseudonyms or Path(config_path).resolve().parent / load_settings(config_path).pseudonym_map
        views = write_misconceptions_report(args.results, args.out, map_path, args.lang)
    except (ReportError, PseudonymError) as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    except SettingsError as error:
        raise CommandError(str(error), EXIT_GRADER_FAILED) from None
    named = sum(len(view.students) for view in views)
    print(f"convlab misconceptions: {named} named mistakes across {len(views)} exercises; wrote {args.out / 'index.html'} (instructors only)", file=sys.stderr)
    return EXIT_OK


def similarity(args: argparse.Namespace) -> int:
    """The most similar pairs of submissions, side by side."""
    return run_command("similarity", lambda: _similarity(args))


def misconceptions(args: argparse.Namespace) -> int:
    """The named mistakes of the class, exercise by exercise."""
    return run_command("misconceptions", lambda: _misconceptions(args))
