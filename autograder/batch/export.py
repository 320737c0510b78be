"""grades.csv: one row per submission, one column per exercise, for the instructor's spreadsheet.

Columns: submission, student, status, points, points_possible, one column per exercise
(in grading order), the two speed ratios when the engine measured them, and notes.
When the records hold the exercises of several assignments (grading.toml's `assignment`),
points_<assignment> and points_possible_<assignment> follow points_possible, one pair per
assignment: each is graded out of its own points.
A cell that a spreadsheet would read as a formula (=, +, -, @ first) is prefixed with
an apostrophe: names come from students.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..report.atomic import write_text_atomic
from ..results import DEFAULT_ASSIGNMENT
from .store import CSV_FILE

FIXED_COLUMNS = ("submission", "student", "status", "points", "points_possible")
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


def assignment_columns(records: list[dict]) -> list[str]:
    """The assignments the records' exercises belong to, in order; [] when there is only one."""
    found: list[str] = []
    for record in records:
        for exercise in record.get("exercises") or []:
            assignment = exercise.get("assignment", DEFAULT_ASSIGNMENT)
            if assignment not in found:
                found.append(assignment)
    return found if len(found) > 1 else []


def assignment_points(record: dict, assignment: str) -> tuple[float, float] | None:
    """(points, points_possible) of one assignment in a record, or None when it has no such exercise."""
    exercises = [e for e in record.get("exercises") or [] if e.get("assignment", DEFAULT_ASSIGNMENT) == assignment]
    if not exercises:
        return None
    return round(sum(e["points"] for e in exercises), 4), round(sum(e["points_possible"] for e in exercises), 4)


def _safe_text(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _number(value) -> str:
    return "" if value is None else f"{value:g}"


def grades_csv(records: list[dict]) -> str:
    """The CSV text for these records (already in the order wanted)."""
    exercises = exercise_columns(records)
    assignments = assignment_columns(records)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    per_assignment = [f"{column}_{assignment}" for assignment in assignments for column in ("points", "points_possible")]
    writer.writerow([*FIXED_COLUMNS, *per_assignment, *exercises, *(f"speed_{key}" for key in SPEED_KEYS), "notes"])
    for record in records:
        totals = [assignment_points(record, assignment) or (None, None) for assignment in assignments]
        points = {e["id"]: e["points"] for e in record.get("exercises") or []}
        speed = record.get("speed") or {}
        notes = list(record.get("notes") or [])
        if record.get("error"):
            notes.append("grader error: " + record["error"].splitlines()[-1])
        writer.writerow(
            [
                _safe_text(record.get("submission")),
                _safe_text(record.get("student")),
                record.get("status", ""),
                _number(record.get("points")),
                _number(record.get("points_possible")),
                *(_number(value) for total in totals for value in total),
                *(_number(points.get(exercise)) for exercise in exercises),
                *(_number(speed.get(key)) for key in SPEED_KEYS),
                _safe_text(" | ".join(notes)),
            ]
        )
    return buffer.getvalue()


def write_grades_csv(results: Path, records: list[dict]) -> Path:
    return write_text_atomic(Path(results) / CSV_FILE, grades_csv(records))
