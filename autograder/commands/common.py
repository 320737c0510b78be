"""What the grading commands share: exit codes, friendly errors, config, engine, folders, terminal.

Exit codes (the same for every command):
    0  grading ran, whatever the score
    1  the grader could not run: bad grading.toml, the engine failed, a result file could not be written
    2  the command line asked for something impossible: a missing folder, a bad or missing seed

Nothing here imports torch or the grading engine at import time: `convlab --help` stays fast.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Callable

from ..paths import STUDENT_MODULES
from ..safe_text import clean

EXIT_OK = 0
EXIT_GRADER_FAILED = 1
EXIT_USAGE = 2

TABLE_MIN_WIDTH = 60
TABLE_MAX_WIDTH = 100
TABLE_FALLBACK_WIDTH = 88
# A submission folder may hold the modules itself, or hold the assignments package that does.
PACKAGE_FOLDER = "assignments"


class CommandError(Exception):
    """A failure the user can fix: printed as one line, no traceback, with its exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE):
        super().__init__(message)
        self.exit_code = exit_code


def run_command(name: str, body: Callable[[], int]) -> int:
    """Run body; turn a CommandError into `convlab NAME: message` on stderr and its exit code."""
    _tolerant_stdout()
    try:
        return body()
    except CommandError as error:
        print(f"convlab {name}: {error}", file=sys.stderr)
        return error.exit_code


def _tolerant_stdout() -> None:
    # A terminal that cannot show "═" or Chinese gets "?" instead of a UnicodeEncodeError.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def existing_folder(text: str | os.PathLike) -> Path:
    """The folder named on the command line, or a CommandError saying what is wrong with it."""
    path = Path(text)
    if not path.exists():
        raise CommandError(f"no such folder: {path}")
    if not path.is_dir():
        raise CommandError(f"not a folder: {path} (pass the folder that holds {STUDENT_MODULES[0]}.py and the other modules)")
    return path


def holds_student_modules(folder: Path) -> bool:
    """Whether folder holds at least one of the student modules (warmup.py, sizes.py, ...)."""
    return any((folder / f"{module}.py").is_file() for module in STUDENT_MODULES)


def locate_modules(folder: Path) -> Path:
    """The folder itself when it holds student modules, else its assignments/ subfolder if that does.

    A student who uploads the whole package folder and one who uploads its files
    are graded the same way. When neither holds a module the folder is graded as
    it is (it scores 0) and a note goes to stderr.
    """
    if holds_student_modules(folder):
        return folder
    nested = folder / PACKAGE_FOLDER
    if nested.is_dir() and holds_student_modules(nested):
        return nested
    names = ", ".join(f"{m}.py" for m in STUDENT_MODULES)
    print(f"convlab: note: {folder} holds none of the student modules ({names})", file=sys.stderr)
    return folder


def load_grading_config(path: Path | None = None):
    """grading.toml (or `path`) loaded and validated; any problem becomes a one-line CommandError."""
    if path is not None and not Path(path).is_file():
        raise CommandError(f"no such grading policy file: {path}", EXIT_GRADER_FAILED)
    try:
        from ..config import load_config
    except ImportError as error:
        raise CommandError(f"the grader's configuration module is missing: {error}", EXIT_GRADER_FAILED) from None
    try:
        return load_config(path)
    except Exception as error:  # a broken policy file, whatever the parser raises: say why and stop
        where = path or "grading.toml"
        raise CommandError(f"cannot use {where}: {error}", EXIT_GRADER_FAILED) from None


def grader_setting(config, name: str):
    """A [grader] key of the loaded config (public_seed, seed_env, oracle_device)."""
    return getattr(config.grader, name)


def grade_folder(folder: Path, *, seed: int, seed_kind: str, config, lang: str, name: str | None = None):
    """Grade one folder with the engine; the result is named after `name` (default: the folder)."""
    try:
        from ..grade import grade_submission
    except ImportError as error:
        raise CommandError(f"the grading engine is missing: {error}", EXIT_GRADER_FAILED) from None
    try:
        result = grade_submission(folder, seed=seed, seed_kind=seed_kind, config=config, lang=lang)
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot grade {folder}: {error}", EXIT_GRADER_FAILED) from None
    if name:
        result.submission = clean(name)
    return result


def table_width() -> int:
    """The terminal's width, kept between 60 and 100 columns (88 when not a terminal)."""
    columns = shutil.get_terminal_size((TABLE_FALLBACK_WIDTH, 24)).columns
    return max(TABLE_MIN_WIDTH, min(TABLE_MAX_WIDTH, columns))


def use_color(stream=None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org) or TERM=dumb."""
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


# --- isolation: the level asked for, and the instructor's floor ------------------------------------------------

HOW_TO_GET = {
    "full": "run the grader as root (on a CI runner: `sudo`; in Docker: `--privileged`, or "
            "`--cap-add SYS_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined`)",
    "userns": "allow unprivileged user namespaces (`sysctl user.max_user_namespaces=15000`, and on Debian or "
              "Ubuntu `kernel.unprivileged_userns_clone=1` / `kernel.apparmor_restrict_unprivileged_userns=0`; in "
              "Docker: `--security-opt seccomp=unconfined`), or run the grader as root",
    "minimal": "use a Linux kernel with Landlock (5.13 or newer, with `landlock` in its lsm= boot parameter)",
}


def positive_int(text: str) -> int:
    """argparse type for a count such as --jobs: a whole number of at least 1."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def isolation_arguments(parser) -> None:
    """--isolation and --allow-weak-isolation, for the commands that run student code with the hidden seed."""
    parser.add_argument("--isolation", choices=("auto", "full", "userns", "minimal"),
                        help="isolation level of the sandbox (default: grading.toml [isolation] level, else auto: "
                             "the strongest this machine gives)")
    parser.add_argument("--allow-weak-isolation", action="store_true",
                        help="grade with the hidden seed even below grading.toml's [isolation] floor (the results "
                             "record the weaker level)")


def checked_isolation(config, level: str | None, seed_kind: str, allow_weak: bool):
    """The config with the isolation level asked for; refuses a level the machine cannot give,
    and, for the hidden seed, one below the floor unless allow_weak. Returns (config, level given)."""
    import dataclasses

    from ..sandbox.isolation import IsolationUnavailable, achieved, rank, settings

    if level:
        config = dataclasses.replace(config, isolation=dataclasses.replace(config.isolation, level=level))
    try:
        given = settings(config.isolation.level)
    except IsolationUnavailable as error:
        wanted = config.isolation.level
        raise CommandError(f"{error}. To get it: {HOW_TO_GET[wanted]}; or leave --isolation out (auto).") from None
    floor = config.isolation.floor
    if seed_kind == "hidden" and rank(given.level) < rank(floor) and not allow_weak:
        missing = achieved(floor, given.report) or "it is below the floor"
        raise CommandError(
            f"grading with the hidden seed needs isolation level {floor} (grading.toml [isolation] floor), but this "
            f"machine gives {given.level}: {missing}. To get {floor}: {HOW_TO_GET[floor]}. "
            "Or pass --allow-weak-isolation to grade anyway (every result records the weaker level).")
    return config, given.level


def protect_grader_process(seed_env: str | None = None) -> None:
    """Make this process non-dumpable (no process of the same user may read its memory or its
    /proc/<pid>/environ) and drop the hidden seed's variable, so no process it starts inherits it."""
    from ..sandbox.child.lockdown import make_undumpable

    make_undumpable()
    if seed_env:
        os.environ.pop(seed_env, None)


# --- the grade-keeping policy: late work and overrides (grades/) ----------------------------------


def load_grade_policy(config_path: Path | None, overrides_path: Path | None):
    """(GradePolicy, overrides) from grading.toml (or config_path) and the overrides file.

    The overrides file is overrides_path, else grading.toml's [overrides] file, else none.
    Any problem becomes a one-line CommandError naming the file and line.
    """
    from ..grades.late import PolicyError
    from ..grades.overrides import load_overrides
    from ..grades.policy import load_policy
    from ..paths import GRADING_TOML

    path = Path(config_path) if config_path is not None else GRADING_TOML
    try:
        policy = load_policy(path)
        overrides = load_overrides(overrides_path or policy.overrides_file, policy.exercise_ids, policy.assignment_names)
    except PolicyError as error:
        raise CommandError(str(error), EXIT_GRADER_FAILED) from None
    return policy, overrides
