"""The visible tests: every check of the grader, run on the student's own package, in process.

`pytest assignments/` runs one test per check of grading.toml (assignments/tests/test_checks.py).
Each runs the grader's engine (grade.grade_checks) with the public seed through an
InProcessCaller: the grader's cases, comparisons, diagnoses and message catalog, so what
the visible tests accept the grader accepts, and what one refuses the other refuses in
the same words. The public seed is no secret, so every case shows its values here
(`convlab check` runs the same cases in the sandbox).
"""
from __future__ import annotations

from dataclasses import dataclass

from .config import GradingConfig, load_config
from .exercises import REGISTRY
from .paths import API
from .results import ExerciseResult

UNFINISHED_STATUSES = ("not_implemented",)
# A failing check lists at most this many failing cases (the rest are counted).
CASES_SHOWN = 3


class StudentFeedback(AssertionError):
    """A failed check; its message is written for the student (pytest prints it without a traceback)."""


class Unfinished(AssertionError):
    """A check whose functions are not written yet: `file` is where to write them."""

    def __init__(self, message: str, file: str):
        super().__init__(message)
        self.file = file


@dataclass(frozen=True)
class VisibleCheck:
    exercise_id: str
    check_id: str
    functions: tuple[str, ...]  # the API names the check calls
    modules: tuple[str, ...]  # the student files they live in

    @property
    def name(self) -> str:
        return f"{self.exercise_id}-{self.check_id}"

    @property
    def markers(self) -> tuple[str, ...]:
        """pytest markers: the exercise id and the functions' names (`-m max_pool_backward`)."""
        names = [self.exercise_id] + [f for f in self.functions if f.lower() != self.exercise_id]
        return tuple(dict.fromkeys(names))

    def files(self, package: str) -> str:
        return ", ".join(f"{package}/{module}.py" for module in self.modules)


def check_test(check: VisibleCheck, package: str, lang: str = "en") -> None:
    """Run one check on `package`; raise Unfinished or StudentFeedback unless it passes."""
    result = run_check(check, package, lang=lang)
    if passed(result):
        return
    if unfinished(result):
        from .messages import catalog

        message = catalog(lang).text("visible.unfinished", exercise=check.exercise_id, file=check.files(package))
        raise Unfinished(message, check.files(package))
    raise StudentFeedback(report(result, lang))


def visible_checks(config: GradingConfig | None = None) -> list[VisibleCheck]:
    """Every check of grading.toml's exercises, in grading.toml's (the lecture's) order."""
    config = config or load_config()
    found = []
    for policy in config.exercises:
        exercise = REGISTRY[policy.exercise_id]
        for check in exercise.checks:
            functions = _functions(exercise, check)
            modules = tuple(sorted({API[name] for name in exercise.api}))
            found.append(VisibleCheck(exercise.id, check.id, functions, modules))
    return found


def _functions(exercise, check) -> tuple[str, ...]:
    """The API names a check exercises: its target's, or the backward passes a gradient check calls."""
    if check.target:
        return (check.target.split(".")[0],)
    backwards = [name for name in exercise.api if name.endswith("_backward") or name == "softmax_cross_entropy"]
    return tuple(backwards or exercise.api)


def run_check(check: VisibleCheck, package: str, *, lang: str = "en", config: GradingConfig | None = None) -> ExerciseResult:
    """The exercise's result for this one check, graded in process on `package` with the public seed."""
    from .grade import grade_checks
    from .inprocess import InProcessCaller

    config = config or load_config()
    return grade_checks(
        check.exercise_id, [check.check_id], lambda: InProcessCaller(package, config.allowed_modules),
        seed=config.grader.public_seed, config=config, lang=lang, reveal=True,
    )


def unfinished(result: ExerciseResult) -> bool:
    """Whether the check failed only because the student has not written the function yet."""
    cases = [case for check in result.checks for case in check.cases]
    return bool(cases) and result.error is None and all(case.status in UNFINISHED_STATUSES for case in cases)


def passed(result: ExerciseResult) -> bool:
    cases = [case for check in result.checks for case in check.cases]
    return result.error is None and all(case.passed for case in cases)


def report(result: ExerciseResult, lang: str = "en") -> str:
    """What a failing check says: the exercise's error, or its failing cases (a few, then a count).

    Cases that fail with the same message share one line: "lecture example 1, 2 and 3" read
    once, not three times.
    """
    from .messages import catalog

    if result.error:
        return result.error
    failing = [case for check in result.checks for case in check.cases if not case.passed]
    shown = failing[:CASES_SHOWN]
    groups: dict[str, list[str]] = {}
    for case in shown:
        groups.setdefault(case.message, []).append(case.name)
    lines = [f"{', '.join(names)}: {message}" for message, names in groups.items()]
    if len(failing) > CASES_SHOWN:
        total = sum(len(check.cases) for check in result.checks)
        lines.append(catalog(lang).text("visible.more_cases", count=len(failing) - CASES_SHOWN, total=total))
    return "\n".join(lines)
