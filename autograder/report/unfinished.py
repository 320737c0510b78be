"""Which exercises and checks are not started yet: every case failed because the function raises
NotImplementedError (the stub's own `raise`), or calls a function of the student's that does
(a block built on an unwritten conv2d_backward: status needs_unfinished). A table shows such an
exercise in one line, with the functions to write and their file (or, for the second kind,
that it waits for functions not written yet), instead of one failed case after another.
"""
from __future__ import annotations

from ..messages import LANGUAGES, catalog
from ..paths import API
from ..results import CheckResult, ExerciseResult, SubmissionResult


UNFINISHED_STATUSES = ("not_implemented", "needs_unfinished")


def _not_implemented_messages() -> frozenset[str]:
    # What the grader writes for a call that raised NotImplementedError, in each language.
    return frozenset(catalog(lang).text("call.not_implemented") + catalog(lang).text("diagnosis.end") for lang in LANGUAGES)


def check_not_started(check: CheckResult) -> bool:
    """Every case of the check failed because the function is not implemented yet (the case's
    status says so; a result written before cases had one says so in its message)."""
    messages = _not_implemented_messages()
    return bool(check.cases) and all(
        not case.passed and (case.status in UNFINISHED_STATUSES or case.message in messages) for case in check.cases
    )


def exercise_not_started(exercise: ExerciseResult) -> bool:
    """The exercise ran, and every one of its checks is not started."""
    return exercise.error is None and bool(exercise.checks) and all(check_not_started(c) for c in exercise.checks)


# A class the API names, by the methods a student writes in it.
CLASS_METHODS = {"LeNet": ("LeNet.forward", "LeNet.backward")}


def functions_to_write(exercise_id: str) -> tuple[tuple[str, ...], str]:
    """(the functions an exercise grades, the file that holds them): (("max_pool_forward", ...), "pooling.py")."""
    from ..exercises import REGISTRY

    exercise = REGISTRY.get(exercise_id)
    api = tuple(exercise.api) if exercise else (exercise_id,)
    module = API.get(api[0])
    names = tuple(method for name in api for method in CLASS_METHODS.get(name, (name,)))
    return names, f"{module}.py" if module else "?"


def waits_for_others(exercise: ExerciseResult) -> bool:
    """Not started only because the functions it calls are not written: its own are."""
    return exercise_not_started(exercise) and all(
        case.status == "needs_unfinished" for check in exercise.checks for case in check.cases)


def not_started_text(exercise_id: str, lang: str, folder: str = "", waiting: bool = False) -> str:
    """ "write it in kernels.py", or naming the functions when they are not the exercise's id;
    waiting (see waits_for_others): the words its cases say, that it calls unwritten functions."""
    from .labels import label

    if waiting:
        return catalog(lang).text("call.needs_unfinished")
    functions, file = functions_to_write(exercise_id)
    file = f"{folder}/{file}" if folder else file
    if functions == (exercise_id,):
        return label(lang, "not_started", file=file)
    return label(lang, "not_started_functions", functions=label(lang, "list_separator").join(functions), file=file)


def not_started(result: SubmissionResult) -> list[ExerciseResult]:
    """The exercises of a result that are not started, in the course's order."""
    return [exercise for exercise in result.exercises if exercise_not_started(exercise)]


def complete(result: SubmissionResult) -> list[ExerciseResult]:
    """The exercises with every case passed."""
    return [e for e in result.exercises if e.error is None and e.checks and all(c.cases and all(x.passed for x in c.cases) for c in e.checks)]
