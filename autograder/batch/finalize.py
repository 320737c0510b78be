"""After grading: each submission's final grade (late policy, overrides) and grades.csv.

    RESULTS/submissions/<key>/grade.json    the grade: raw points, lateness, penalty, the
                                            overrides applied with their reasons, final points
    RESULTS/grades.csv                      one row per submission (export.py)

Run at the end of every batch, merge and export, from the stored records: changing the
deadline, an extension or the overrides file never needs a regrade, and a regrade never
loses an override (the file lives outside RESULTS and is applied again).
"""
from __future__ import annotations

import json
from pathlib import Path

from ..grades.final import StudentGrade, grade_of_record
from ..grades.overrides import Override
from ..grades.policy import Assignment, GradePolicy
from ..report.atomic import write_json_atomic
from .export import record_assignments, write_grades_csv
from .store import GRADE_FILE, submission_folder


def default_policy(records: list[dict]) -> GradePolicy:
    """No late policy, no overrides; the assignments the records' exercises belong to."""
    return GradePolicy(tuple(Assignment(name, tuple(ids)) for name, ids in record_assignments(records).items()))


def grades_of(records: list[dict], policy: GradePolicy | None, overrides: list[Override] = ()) -> dict[str, StudentGrade]:
    """record key -> the grade of every record that has points."""
    policy = policy or default_policy(records)
    return {r["key"]: grade_of_record(r, policy, list(overrides)) for r in records if r.get("key") and r.get("points") is not None}


def unknown_students(records: list[dict], overrides: list[Override]) -> list[str]:
    """Warnings for overrides naming a student none of the records is from."""
    students = {str(r.get("student")) for r in records}
    return [f"overrides line {o.line}: no submission from {o.student!r} in these results" for o in overrides if o.student not in students]


def finalize(results: Path, records: list[dict], policy: GradePolicy | None, overrides: list[Override] = ()) -> dict[str, StudentGrade]:
    """Write every record's grade.json (when it changed) and grades.csv; return the grades."""
    grades = grades_of(records, policy, overrides)
    for key, grade in grades.items():
        path = submission_folder(results, key) / GRADE_FILE
        data = grade.to_dict()
        try:
            if json.loads(path.read_text(encoding="utf-8")) == data:
                continue
        except (OSError, ValueError):
            pass
        write_json_atomic(path, data)
    write_grades_csv(results, records, grades)
    return grades
