"""Gradescope's results.json, built from the result model.

One test per check, carrying the check's score. What students see at once: the
score, the visible cases' messages, and how many hidden cases failed. What a
hidden case said (its message and the mistake it matched) goes into a separate
test of 0 points with visibility "after_published", so it appears only when the
instructor publishes grades. The seed appears only when it is the public one;
hidden inputs and expected values never reach the reporters at all.

A Gradescope assignment is one course assignment: grade it with `convlab grade
--assignment NAME`, and the score is that assignment's. A result holding several
assignments scores their sum and lists each assignment's total in the output.

Schema: https://gradescope-autograders.readthedocs.io/en/latest/specs/
"""
from __future__ import annotations

from ..results import CheckResult, ExerciseResult, SubmissionResult
from .footer import SEPARATOR, environment_items, seed_text, timing_text
from .labels import assignment_title, assignment_total_label, label
from .text import format_points

VISIBLE = "visible"
AFTER_PUBLISHED = "after_published"
HIDDEN = "hidden"


def _case_text(name: str, message: str, diagnosis: str | None, lang: str) -> str:
    heading = name + (SEPARATOR + label(lang, "diagnosis", mistake=diagnosis) if diagnosis else "")
    return f"{heading}\n{message}".rstrip()


def _visible_output(exercise: ExerciseResult, check: CheckResult, lang: str) -> str:
    parts = []
    if exercise.error:
        parts.append(label(lang, "could_not_run", error=exercise.error))
    visible = [c for c in check.cases if not c.hidden]
    hidden = [c for c in check.cases if c.hidden]
    failed_visible = [c for c in visible if not c.passed]
    if visible and not failed_visible:
        parts.append(label(lang, "all_passed", total=len(visible)))
    parts += [_case_text(c.name, c.message, c.diagnosis, lang) for c in failed_visible]
    failed_hidden = sum(not c.passed for c in hidden)
    if failed_hidden:
        parts.append(label(lang, "hidden_failed", failed=failed_hidden, total=len(hidden)))
    elif hidden:
        parts.append(label(lang, "hidden_passed", total=len(hidden)))
    return "\n\n".join(parts)


def _check_tests(number: str, exercise: ExerciseResult, check: CheckResult, lang: str) -> list[dict]:
    name = f"{exercise.exercise_id}: {check.title or check.check_id}"
    all_passed = bool(check.cases) and all(c.passed for c in check.cases)
    tests = [
        {
            "name": name,
            "number": number,
            "score": check.points,
            "max_score": check.points_possible,
            "status": "passed" if all_passed else "failed",
            "output": _visible_output(exercise, check, lang),
            "visibility": VISIBLE,
        }
    ]
    failed_hidden = [c for c in check.cases if c.hidden and not c.passed]
    if failed_hidden:
        tests.append(
            {
                "name": label(lang, "hidden_details", check=name),
                "number": f"{number}.h",
                "score": 0.0,
                "max_score": 0.0,
                "status": "failed",
                "output": "\n\n".join(_case_text(c.name, c.message, c.diagnosis, lang) for c in failed_hidden),
                "visibility": AFTER_PUBLISHED,
            }
        )
    return tests


def _error_test(number: str, exercise: ExerciseResult, lang: str) -> dict:
    # An exercise that could not run and reports no checks still needs a line saying why.
    return {
        "name": f"{exercise.exercise_id}: {exercise.title or exercise.exercise_id}",
        "number": number,
        "score": 0.0,
        "max_score": 0.0,
        "status": "failed",
        "output": label(lang, "could_not_run", error=exercise.error),
        "visibility": VISIBLE,
    }


def _total_lines(result: SubmissionResult, lang: str) -> list[str]:
    """ "Total: 93 / 100", or one such line per assignment when the result holds several."""
    totals = result.assignment_totals
    if len(totals) <= 1:
        return [f"{label(lang, 'total')}: {format_points(result.points)} / {format_points(result.points_possible)}"]
    return [
        f"{assignment_total_label(t.assignment, lang)} ({assignment_title(t.assignment, lang)}): "
        f"{format_points(t.points)} / {format_points(t.points_possible)}"
        for t in totals
    ]


def _summary_output(result: SubmissionResult, lang: str) -> str:
    lines = [
        *_total_lines(result, lang),
        SEPARATOR.join([seed_text(result, lang), *environment_items(result.environment, lang)]),
    ]
    lines += [timing_text(result.timings, lang)] if result.timings else []
    lines += [f"{label(lang, 'grader')} {result.grader_version}"] if result.grader_version else []
    return "\n".join(lines)


def gradescope_results(result: SubmissionResult, lang: str = "en") -> dict:
    """The results.json document for one submission (a dict ready for json.dumps)."""
    tests: list[dict] = []
    for i, exercise in enumerate(result.exercises, start=1):
        if exercise.error and not exercise.checks:
            tests.append(_error_test(str(i), exercise, lang))
        for j, check in enumerate(exercise.checks, start=1):
            tests += _check_tests(f"{i}.{j}", exercise, check, lang)
    return {
        "score": result.points,
        "execution_time": round(float(result.timings.get("total", 0.0)), 3),
        "output": _summary_output(result, lang),
        "output_format": "text",
        "test_output_format": "text",
        "visibility": VISIBLE,
        "stdout_visibility": HIDDEN,
        "tests": tests,
        # Gradescope's format has no top-level maximum (the assignment's points are set on
        # Gradescope); extra_data keeps it for whoever reads the file.
        "extra_data": {"max_score": result.points_possible},
    }
