"""The `convlab` command line (also `python -m autograder`).

Each subcommand lives in its own module; this file only parses arguments and dispatches.
Only the chosen subcommand's module is imported, so `convlab check` never loads the
instructors' tools and `convlab --help` stays fast.
"""
from __future__ import annotations

import argparse
import importlib
import signal
import sys

# subcommand -> (module, function, one-line help). The function takes the parsed
# arguments and returns an exit code; <function>_arguments(parser) in the same
# module declares its options.
SUBCOMMANDS = {
    "grade": ("autograder.commands.grade", "grade", "grade one submission folder and print its table"),
    "check": ("autograder.commands.grade", "check", "grade your working copy with the public seed (students)"),
    "demo": ("autograder.commands.demo", "demo", "grade the bundled submissions as a course: their tables, a summary and the scoreboard"),
    "batch": ("autograder.commands.batch", "batch", "grade a whole course in parallel (resumable, sharded, or on Dask)"),
    "merge": ("autograder.commands.batch", "merge", "join the RESULTS folders of a batch's shards"),
    "scoreboard": ("autograder.commands.scoreboard", "scoreboard", "build the static scoreboard site from batch results"),
    "train": ("autograder.commands.train", "train", "train a LeNet (reference or yours) on the bundled MNIST digits"),
    "notebooks": ("autograder.commands.notebooks", "notebooks", "build the nbgrader course notebooks in course/source/ (--check: list stale files, exit 1)"),
    "release": ("autograder.release", "release", "regenerate assignments/ stubs from reference/"),
    "student-release": ("autograder.release", "student_release", "write the student release into a folder"),
    # Instructors only, after a batch: reports never part of the public site.
    "similarity": ("autograder.commands.reports", "similarity", "instructors: the most similar pairs of submissions, side by side"),
    "misconceptions": ("autograder.commands.reports", "misconceptions", "instructors: the named mistakes of the class, exercise by exercise"),
    # Every platform a course runs on: Gradescope, nbgrader at class scale, the LMS.
    "export": ("autograder.commands.export", "export", "write the final grades (late policy, overrides) for Canvas, Moodle or a spreadsheet"),
    "gradescope": ("autograder.commands.gradescope", "gradescope", "build the autograder zip to upload to Gradescope"),
    "autograde": ("autograder.commands.autograde", "autograde", "nbgrader autograde of a whole course in parallel (resumable)"),
}


def available_commands() -> dict[str, tuple[str, str, str]]:
    """SUBCOMMANDS, or in a student release only the students' (see autograder/edition.py)."""
    from .edition import STUDENT_COMMANDS, is_student_release

    if is_student_release():
        return {name: SUBCOMMANDS[name] for name in STUDENT_COMMANDS}
    return SUBCOMMANDS


def _refuse_instructor_command(command: str, argv: list[str]) -> int:
    """One line on stderr: this command is not part of a student release. Exit code 2."""
    from .messages import LANGUAGES, catalog

    lang = next((argv[i + 1] for i, word in enumerate(argv[:-1]) if word == "--lang" and argv[i + 1] in LANGUAGES), "en")
    text = catalog(lang).text("cli.instructor_command", command=command, commands=", ".join(available_commands()))
    print(f"convlab {command}: {text}", file=sys.stderr)
    return 2


def build_parser(command: str | None) -> argparse.ArgumentParser:
    """The full parser, with options declared only for `command` (None: just the list)."""
    parser = argparse.ArgumentParser(prog="convlab", description="convlab: CNN exercises and their autograder")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, function_name, help_text) in available_commands().items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            module = importlib.import_module(module_name)
            getattr(module, f"{function_name}_arguments")(command_parser)
            command_parser.set_defaults(_run=getattr(module, function_name))
    return parser


def _exit_on_sigterm(signum, frame):
    # Unwind normally so open sandbox sessions close and kill their processes.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    command = next((word for word in argv if word in SUBCOMMANDS), None)
    if command is not None and command not in available_commands():
        return _refuse_instructor_command(command, argv)
    args = build_parser(command).parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("convlab: interrupted", file=sys.stderr)
        return 130
