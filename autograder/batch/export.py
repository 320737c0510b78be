"""grades.csv: one row per submission, one column per exercise, for the instructor's spreadsheet.

Columns: submission, student, status, submitted_at, raw_points, days_late, penalty,
final_points, points_possible, one column per exercise (in grading order, after the
instructors' exercise overrides), the two speed ratios and their relative uncertainties
(when the batch measured them: `convlab batch --speed`), the overrides applied (with their
reasons), and notes. raw_points is the sum of the exercise columns; final_points is
raw_points minus the late penalty, unless an override of the total says otherwise
(grades/final.py). A cell that a spreadsheet would read as a formula
(=, +, -, @ first) is prefixed with an apostrophe: names come from students.

When the records hold the exercises of several assignments (grading.toml's `assignment`),
each is graded out of its own points, with its own penalty (grades/final.py):
raw_points_<name>, penalty_<name>, final_points_<name> and points_possible_<name> follow
points_possible, in that order, one group per assignment; the columns above are their sums.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..grades.final import StudentGrade
from ..report.atomic import write_text_atomic
from ..grades.policy import DEFAULT_ASSIGNMENT
from .store import CSV_FILE, SKIPPED_FILE

FIXED_COLUMNS = ("submission", "student", "status", "submitted_at", "raw_points", "days_late", "penalty", "final_points", "points_possible")
ASSIGNMENT_COLUMNS = ("raw_points", "penalty", "final_points", "points_possible")  # each `<column>_<assignment>`
SPEED_KEYS = ("conv2d_forward", "lenet_step")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def exercise_columns(records: list[dict]) -> list[str]:
    """Exercise ids in the order the first record that has them lists them, then any others."""
    columns: list[str] = []
    for record in records:
        for exercise in record.get("exercises") or []:
            if exercise["id"] not in columns:
                columns.append(exercise["id"])
    return columns


def record_assignments(records: list[dict]) -> dict[str, list[str]]:
    """assignment -> its exercise ids, as the records' exercises name them, in order of appearance."""
    groups: dict[str, list[str]] = {}
    for record in records:
        for exercise in record.get("exercises") or []:
            ids = groups.setdefault(exercise.get("assignment", DEFAULT_ASSIGNMENT), [])
            if exercise["id"] not in ids:
                ids.append(exercise["id"])
    return groups


def assignment_columns(records: list[dict]) -> list[str]:
    """The assignments the records' exercises belong to, in order; [] when there is only one."""
    found = list(record_assignments(records))
    return found if len(found) > 1 else []


def assignment_points(record: dict, assignment: str) -> tuple[float, float] | None:
    """(points, points_possible) of one assignment in a record, or None when it has no such exercise."""
    exercises = [e for e in record.get("exercises") or [] if e.get("assignment", DEFAULT_ASSIGNMENT) == assignment]
    if not exercises:
        return None
    return round(sum(e["points"] for e in exercises), 4), round(sum(e["points_possible"] for e in exercises), 4)


def _assignment_cells(record: dict, grade: StudentGrade | None, assignment: str) -> list:
    """raw points, penalty, final points and points possible of one assignment (as ASSIGNMENT_COLUMNS)."""
    if grade is not None:
        for part in grade.assignments:
            if part.assignment == assignment:
                return [part.raw_points, part.penalty, part.final_points, part.points_possible]
    totals = assignment_points(record, assignment) if record.get("points") is not None else None
    return [None] * 4 if totals is None else [totals[0], None, totals[0], totals[1]]


def _safe_text(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _number(value) -> str:
    return "" if value is None else f"{value:g}"


def overrides_text(grade: StudentGrade | None) -> str:
    """The overrides applied to a grade, one per item: 'relu: 2 -> 4 (regrade request)'."""
    if grade is None:
        return ""
    return " | ".join(f"{o['exercise']}: {o['from']:g} -> {o['to']:g} ({o['reason']})" for a in grade.assignments for o in a.overrides)


def grades_csv(records: list[dict], grades: dict[str, StudentGrade] | None = None) -> str:
    """The CSV text for these records (already in the order wanted); grades: record key -> its grade."""
    grades = grades or {}
    exercises = exercise_columns(records)
    assignments = assignment_columns(records)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    speed_columns = [column for key in SPEED_KEYS for column in (f"speed_{key}", f"speed_{key}_uncertainty")]
    per_assignment = [f"{column}_{assignment}" for assignment in assignments for column in ASSIGNMENT_COLUMNS]
    writer.writerow([*FIXED_COLUMNS, *per_assignment, *exercises, *speed_columns, "overrides", "notes"])
    for record in records:
        grade = grades.get(record.get("key", ""))
        points = {e["id"]: e["points"] for e in record.get("exercises") or []}
        if grade is not None:
            points.update(grade.exercises)
        speed = record.get("speed") or {}
        notes = list(record.get("notes") or [])
        if record.get("error"):
            notes.append("grader error: " + record["error"].splitlines()[-1])
        graded = grade is not None and record.get("points") is not None
        days_late = max((a.lateness.days_late for a in grade.assignments), default=0) if graded else None
        totals = [_assignment_cells(record, grade if graded else None, assignment) for assignment in assignments]
        writer.writerow(
            [
                _safe_text(record.get("submission")),
                _safe_text(record.get("student")),
                record.get("status", ""),
                record.get("submitted_at") or "",
                _number(grade.raw_points if graded else record.get("points")),
                "" if days_late is None else days_late,
                _number(grade.penalty if graded else None),
                _number(grade.final_points if graded else record.get("points")),
                _number(record.get("points_possible")),
                *(_number(value) for cells in totals for value in cells),
                *(_number(points.get(exercise)) for exercise in exercises),
                *(_number((speed.get(key) or {}).get(part)) for key in SPEED_KEYS for part in ("ratio", "uncertainty")),
                _safe_text(overrides_text(grade) if graded else ""),
                _safe_text(" | ".join(notes)),
            ]
        )
    return buffer.getvalue()


def write_grades_csv(results: Path, records: list[dict], grades: dict[str, StudentGrade] | None = None) -> Path:
    return write_text_atomic(Path(results) / CSV_FILE, grades_csv(records, grades))


def write_skipped_csv(results: Path, skipped: list[tuple[str, str]]) -> Path:
    """skipped.csv: the entries of SUBMISSIONS that are not submissions (entry, reason); header only when none."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["entry", "reason"])
    for name, reason in skipped:
        writer.writerow([_safe_text(name), reason])
    return write_text_atomic(Path(results) / SKIPPED_FILE, buffer.getvalue())
