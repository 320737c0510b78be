"""Configuration of the visible tests: the package under test, the language, markers, short reports.

    pytest assignments/                      test your code (the package `assignments`)
    pytest assignments/ -m conv2d_forward    only the checks of one exercise or function
    pytest assignments/ -v                   one line per check, unfinished ones included
    pytest assignments/ --lang zh            messages in Chinese (or set CONVLAB_LANG=zh)
    pytest assignments/ --impl=reference     the same tests against the instructors' solutions

Each test is one check of the grader, run on your code in this process with the public
seed (autograder/visible.py). A check whose functions all still raise NotImplementedError
is "unfinished": it counts as a failure, but shows as one line per exercise at the end
instead of a page of output.
"""
import importlib
import os
import sys
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
# The packages live side by side in ROOT; make them importable whatever pytest's import mode.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder.messages import LANGUAGES, catalog  # noqa: E402
from autograder.visible import StudentFeedback, Unfinished, visible_checks  # noqa: E402

IMPLEMENTATIONS = ("assignments", "reference")
UNFINISHED = "unfinished"


def pytest_addoption(parser):
    parser.addoption(
        "--impl",
        default="assignments",
        choices=IMPLEMENTATIONS,
        help="package under test: 'assignments' (your code, the default) or 'reference' (instructors only)",
    )
    parser.addoption(
        "--lang",
        default=os.environ.get("CONVLAB_LANG", "en"),
        choices=LANGUAGES,
        help="language of the messages (default: $CONVLAB_LANG, else en)",
    )


def pytest_configure(config):
    for name in sorted({marker for check in visible_checks() for marker in check.markers}):
        config.addinivalue_line("markers", f"{name}: the checks of {name}")
    wants_reference = config.getoption("impl", default="assignments") == "reference"
    if wants_reference and not (ROOT / "reference" / "__init__.py").is_file():
        raise pytest.UsageError(
            f"--impl=reference needs the instructors' package {ROOT / 'reference'}, which is not there "
            "(the student release ships assignments/ only). Run `pytest assignments/` to test your own code."
        )


def pytest_report_header(config):
    return f"convlab: testing the package '{config.getoption('impl', default='assignments')}'"


@pytest.fixture(scope="session")
def impl(pytestconfig):
    """The name of the package under test: `assignments` (default) or `reference` (with --impl=reference)."""
    name = pytestconfig.getoption("impl", default="assignments")
    module = importlib.import_module(name)
    if Path(module.__file__).resolve().parent != ROOT / name:
        pytest.exit(f"'import {name}' found {module.__file__}, not the package in {ROOT / name}", returncode=4)
    return name


@pytest.fixture(scope="session")
def lang(pytestconfig):
    return pytestconfig.getoption("lang", default="en")


class OneParagraphRepr:
    """A failure report that prints a message as it is, without a traceback.

    Duck-types pytest's exception representation: `toterminal` prints the body,
    `reprcrash.message` feeds the one-line short test summary.
    """

    def __init__(self, text, path, lineno):
        self.text = text
        self.reprcrash = _CrashLine(str(path), lineno, text.splitlines()[0] if text else "")

    def toterminal(self, tw):
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self):
        return self.text


class _CrashLine:
    def __init__(self, path, lineno, message):
        self.path = path
        self.lineno = lineno
        self.message = message

    def __str__(self):
        return f"{self.path}:{self.lineno}: {self.message}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    check = getattr(getattr(item, "callspec", None), "params", {}).get("check")
    if check is not None:
        report.convlab_exercise = check.exercise_id
    if report.failed and call.excinfo is not None:
        path, lineno, _ = item.location
        if call.excinfo.errisinstance(Unfinished):
            report.convlab_unfinished = call.excinfo.value.file
            report.longrepr = OneParagraphRepr(str(call.excinfo.value), path, (lineno or 0) + 1)
        elif call.excinfo.errisinstance(StudentFeedback):
            report.longrepr = OneParagraphRepr(str(call.excinfo.value), path, (lineno or 0) + 1)
    return report


def pytest_report_teststatus(report, config):
    if report.when == "call" and getattr(report, "convlab_unfinished", None):
        return UNFINISHED, "u", ("UNFINISHED", {"yellow": True})
    return None


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line per exercise not started yet, how far the work is, and what to do next."""
    text = catalog(config.getoption("lang", default="en"))
    states: dict[str, list[str]] = {}
    files: dict[str, str] = {}
    for category in ("passed", "failed", UNFINISHED):
        for report in terminalreporter.stats.get(category, []):
            exercise = getattr(report, "convlab_exercise", None)
            if exercise is None or report.when != "call":
                continue
            states.setdefault(exercise, []).append(category)
            if category == UNFINISHED:
                files[exercise] = report.convlab_unfinished
    if not states:
        return
    order = [check.exercise_id for check in visible_checks()]
    exercises = [e for e in dict.fromkeys(order) if e in states]
    not_started = [e for e in exercises if all(state == UNFINISHED for state in states[e])]
    done = [e for e in exercises if all(state == "passed" for state in states[e])]
    terminalreporter.section("convlab", sep="-")
    for exercise in not_started:
        terminalreporter.line(text.text("visible.unfinished", exercise=exercise, file=files[exercise]))
    terminalreporter.line(text.text("visible.summary", started=len(exercises) - len(not_started),
                                    total=len(exercises), done=len(done)))
    todo = [e for e in exercises if e not in done]
    if todo:
        file = files.get(todo[0]) or _file_of(todo[0], config)
        terminalreporter.line(text.text("visible.start_with", exercise=todo[0], file=file, marker=todo[0]))
    else:
        terminalreporter.line(text.text("visible.all_done"))


def _file_of(exercise_id, config):
    package = config.getoption("impl", default="assignments")
    check = next(c for c in visible_checks() if c.exercise_id == exercise_id)
    return ", ".join(f"{package}/{module}.py" for module in check.modules)
