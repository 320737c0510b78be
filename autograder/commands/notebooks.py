"""`convlab notebooks [COURSE] [--check]`: build the nbgrader course folder, or check it is current.

    convlab notebooks            build course/source/<assignment>/ (notebooks + the students' package)
                                 for every assignment of grading.toml: cnn (parts 1 to 5) and
                                 classic_networks (part 6)
    convlab notebooks COURSE     build a whole nbgrader course folder elsewhere: COURSE/nbgrader_config.py
                                 and COURSE/source/<assignment>/
    convlab notebooks --check    list what is stale and exit 1, writing nothing

The source folder is a build output (the repository does not keep it): build it before
`nbgrader generate_assignment`, as the tests and docs/instructor-guide.md do.
Exit codes: 0 up to date (or rewritten), 1 stale (--check), 2 the build failed (the
message says why: grading.toml and the parts disagree, reference/ cannot be released...).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..paths import REPO_ROOT

EXIT_OK = 0
EXIT_STALE = 1
EXIT_FAILED = 2


def notebooks_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "course",
        metavar="COURSE",
        nargs="?",
        type=Path,
        help="the nbgrader course folder to build (default: the repository's course/)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="list the stale files of COURSE/source/ and exit 1, without writing anything",
    )


def notebooks(args: argparse.Namespace) -> int:
    """Build (or check) COURSE/source/<assignment>/ for every assignment of grading.toml."""
    from ..config import load_config
    from ..notebooks.build import BuildError, assignment_dir, sync, write_course_config
    from ..notebooks.course import COURSE_DIR
    from ..release import ReleaseError

    course = getattr(args, "course", None) or COURSE_DIR
    try:
        config = load_config()
        if not args.check:
            write_course_config(course)
    except (OSError, ValueError) as error:
        print(f"convlab notebooks: {error}", file=sys.stderr)
        return EXIT_FAILED
    codes = []
    for assignment in config.assignment_ids:
        folder = assignment_dir(course / "source", assignment)
        shown = _display(folder)
        try:
            stale, wrote = sync(folder, check=args.check, config=config, assignment=assignment)
        except (BuildError, ReleaseError, ValueError) as error:
            print(f"convlab notebooks: {error}", file=sys.stderr)
            return EXIT_FAILED
        if not stale:
            print(f"{shown}/ is up to date with reference/ and grading.toml")
            codes.append(EXIT_OK)
        elif args.check:
            for name, reason in stale.items():
                print(f"stale: {shown}/{name}: {reason}")
            print("run `convlab notebooks` to rebuild them")
            codes.append(EXIT_STALE)
        else:
            for name, reason in stale.items():
                print(f"{'removed' if reason.startswith('left over') else 'wrote'} {shown}/{name}")
            codes.append(EXIT_OK if wrote else EXIT_FAILED)
    return max(codes, default=EXIT_OK)


def _display(path) -> str:
    """path relative to the repository when it lies inside it, else as given."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)
