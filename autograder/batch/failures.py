"""What went wrong in one graded submission, per exercise: the record's input to the class reports.

For each exercise, record.json keeps how many cases ran and failed, how many failed only
because a function is not written yet (it, or one it calls, raises NotImplementedError), how many failed
cases each known mistake explains (the grader's diagnosis), and one message per named
mistake as an example. `convlab misconceptions` turns these into a picture of the class.
"""
from __future__ import annotations

from ..messages import catalog
from ..report.unfinished import UNFINISHED_STATUSES
from ..results import ExerciseResult

NO_DIAGNOSIS = ""  # the key of the example message of a failed case no known mistake explains


def failure_summary(exercise: ExerciseResult, lang: str) -> dict:
    """{"cases", "failed", "not_implemented", "diagnoses": {mistake: cases}, "examples": {mistake: message}}."""
    not_implemented = catalog(lang).text("call.not_implemented")
    cases = failed = unwritten = 0
    diagnoses: dict[str, int] = {}
    examples: dict[str, str] = {}
    for check in exercise.checks:
        for case in check.cases:
            cases += 1
            if case.passed:
                continue
            failed += 1
            if case.status in UNFINISHED_STATUSES or case.message.startswith(not_implemented):
                unwritten += 1
                continue
            key = case.diagnosis or NO_DIAGNOSIS
            if case.diagnosis:
                diagnoses[key] = diagnoses.get(key, 0) + 1
            examples.setdefault(key, f"{check.title} · {case.name}: {case.message}")
    return {"cases": cases, "failed": failed, "not_implemented": unwritten, "diagnoses": diagnoses, "examples": examples}
