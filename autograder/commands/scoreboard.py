"""`convlab scoreboard`: the static scoreboard site from batch results.

    convlab scoreboard RESULTS [RESULTS ...] --out SITE [--pseudonyms FILE] [--pick best|latest]
                       [--title TEXT] [--config FILE]

Settings come from grading.toml's [scoreboard] table (scoreboard/settings.py); the
options override them. The pseudonym map is private: it is read and extended here
and must lie outside SITE. See docs/batch.md.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..paths import GRADING_TOML
from .common import EXIT_GRADER_FAILED, EXIT_OK, EXIT_USAGE, CommandError, existing_folder, load_grade_policy, run_command


def scoreboard_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab scoreboard`."""
    parser.add_argument("results", metavar="RESULTS", nargs="+", type=Path, help="RESULTS folders of `convlab batch` or `convlab merge` (several: e.g. one per deadline)")
    parser.add_argument("--out", metavar="SITE", type=Path, required=True, help="folder for the site (index.html, scoreboard.csv, scoreboard.json)")
    parser.add_argument("--pseudonyms", metavar="FILE", type=Path, help="the private pseudonym map (default: grading.toml [scoreboard] pseudonym_map); never inside SITE")
    parser.add_argument("--pick", choices=("best", "latest"), help="which submission of a student counts (default: grading.toml [scoreboard] pick, else best)")
    parser.add_argument("--title", metavar="TEXT", help="the page title")
    parser.add_argument("--config", metavar="FILE", type=Path, help="grading policy holding the [scoreboard] table (default: the repository's grading.toml)")
    parser.add_argument("--published", metavar="FILE", type=Path, help="the last publication's scoreboard.json, if any (default: SITE's own); the map must be the one it used")
    parser.add_argument("--new-pseudonyms", action="store_true", help="publish even though the last publication used another (or a lost) pseudonym map: every student gets a new name")
    parser.add_argument("--overrides", metavar="FILE", type=Path, help="the instructors' overrides, applied to the points shown (default: grading.toml [overrides] file)")


def _scoreboard(args: argparse.Namespace) -> int:
    from ..scoreboard.build import build_scoreboard
    from ..scoreboard.collect import CollectError
    from ..scoreboard.pseudonyms import PseudonymError
    from ..scoreboard.settings import SettingsError, load_settings, validate

    for folder in args.results:
        existing_folder(folder)
    config_path = args.config or GRADING_TOML
    if args.config is not None and not args.config.is_file():
        raise CommandError(f"no such grading policy file: {args.config}")
    try:
        settings = load_settings(config_path)
        overrides = {k: v for k, v in (("pick", args.pick), ("title", args.title)) if v is not None}
        settings = validate({**settings.__dict__, **overrides}, "the command line") if overrides else settings
    except SettingsError as error:
        raise CommandError(str(error), EXIT_GRADER_FAILED) from None
    map_path = args.pseudonyms or Path(config_path).resolve().parent / settings.pseudonym_map
    signer = _signer(config_path)
    if signer is None:
        print("convlab scoreboard: note: the course's seed is not set here, so the records' signatures are not checked",
              file=sys.stderr)
    policy, grade_overrides = load_grade_policy(args.config, args.overrides)
    try:
        summary = build_scoreboard(args.results, args.out, settings, map_path, policy, tuple(grade_overrides),
                                   published=args.published, new_pseudonyms=args.new_pseudonyms, signer=signer)
    except (CollectError, PseudonymError) as error:
        raise CommandError(str(error), EXIT_USAGE) from None
    except OSError as error:
        raise CommandError(f"cannot write the site: {error.strerror or error} ({getattr(error, 'filename', '')})", EXIT_GRADER_FAILED) from None
    print(
        f"convlab scoreboard: {summary.students} students shown, {summary.opted_out} opted out, "
        f"{summary.refused_choices} chosen names not accepted, {summary.new_pseudonyms} new pseudonyms in {map_path}; "
        f"wrote {args.out / 'index.html'}",
        file=sys.stderr,
    )
    return EXIT_OK


def _signer(config_path: Path):
    """A RecordSigner for the course's hidden seed, when its variable (grading.toml seed_env) is set."""
    import os

    from ..batch.store import RecordSigner
    from .common import load_grading_config
    from .seed import parse_seed

    seed_env = load_grading_config(Path(config_path)).grader.seed_env
    value = os.environ.get(seed_env, "").strip()
    return RecordSigner(parse_seed(value, seed_env)) if value else None


def scoreboard(args: argparse.Namespace) -> int:
    """Build the static scoreboard site from batch results."""
    return run_command("scoreboard", lambda: _scoreboard(args))
