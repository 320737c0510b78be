"""`convlab gradescope OUT.zip`: build the autograder zip to upload on Gradescope's "Configure Autograder".

    convlab gradescope OUT.zip [--seed S] [--config FILE] [--lang en|zh] [--assignment NAME]
                          [--allow-weak-isolation]

One zip grades one course assignment (grading.toml's `assignment`, e.g. cnn or
classic_networks): a Gradescope assignment of its own, with its own points. --assignment
names it; it may be left out only when grading.toml has a single assignment.

The hidden seed is chosen as for `convlab grade` (--seed, else $CONVLAB_SEED) and must not be
the public one: students would have rehearsed its cases. See autograder/gradescope/ and the
Gradescope section of docs/instructor-guide.md. Exit codes as in commands/common.py.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..paths import GRADING_TOML
from ..report.labels import LANGUAGES
from .common import EXIT_OK, CommandError, grader_setting, load_grade_policy, load_grading_config, run_command
from .seed import resolve_seed


def gradescope_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab gradescope`."""
    parser.add_argument("out", metavar="OUT.zip", type=Path, help="the zip to write")
    parser.add_argument("--seed", metavar="S", help="the hidden seed (default: the environment variable named by grading.toml's seed_env)")
    parser.add_argument("--config", metavar="FILE", type=Path, help="grading policy to ship (default: the repository's grading.toml)")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the students' messages (default: en)")
    parser.add_argument("--assignment", metavar="NAME",
                        help="the course assignment this Gradescope assignment grades (grading.toml's `assignment`; "
                        "needed when there are several)")
    parser.add_argument("--allow-weak-isolation", action="store_true",
                        help="grade even where Gradescope's container gives less isolation than grading.toml's [isolation] "
                             "floor (every result records the level it got)")


def _gradescope(args: argparse.Namespace) -> int:
    from ..gradescope.package import build_zip

    config = load_grading_config(args.config)
    load_grade_policy(args.config, None)  # a bad [late] table stops the build, not the first submission
    seed, kind = resolve_seed(args.seed, public_seed=grader_setting(config, "public_seed"), seed_env=grader_setting(config, "seed_env"), environ=os.environ)
    if kind != "hidden":
        raise CommandError(f"--seed {seed} is the public seed: students have rehearsed its cases; give the course's hidden seed")
    if args.out.suffix.lower() != ".zip":
        raise CommandError(f"{args.out}: the autograder must be a .zip file")
    assignment = _assignment(config, args.assignment)
    summary = build_zip(args.out, seed, args.config or GRADING_TOML, args.lang, assignment,
                        allow_weak_isolation=args.allow_weak_isolation)
    print(f"convlab gradescope: wrote {summary.path} ({summary.files} files, {summary.bytes / 1e6:.2f} MB); "
          f"upload it under Configure Autograder (base image Ubuntu 22.04 or newer)", file=sys.stderr)
    return EXIT_OK


def _assignment(config, name: str | None) -> str | None:
    """The assignment the zip grades: the one named, or None when grading.toml has only one."""
    if name is None:
        if len(config.assignment_ids) > 1:
            raise CommandError(f"{config.source or 'grading.toml'} has several assignments ({', '.join(config.assignment_ids)}) "
                               "and a Gradescope assignment grades one: pass --assignment NAME")
        return None
    try:
        config.for_assignment(name)
    except ValueError as error:
        raise CommandError(str(error)) from None
    return name


def gradescope(args: argparse.Namespace) -> int:
    """Build the Gradescope autograder zip."""
    return run_command("gradescope", lambda: _gradescope(args))
