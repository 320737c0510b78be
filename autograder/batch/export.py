"""grades.csv: one row per submission, one column per exercise, for the instructor's spreadsheet.

Columns: submission, student, status, points, points_possible, one column per exercise
(in grading order), the two speed ratios and their relative uncertainties (when the batch
measured them: `convlab batch --speed`), and notes.
A cell that a spreadsheet would read as a formula (=, +, -, @ first) is prefixed with
an apostrophe: names come from students.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..report.atomic import write_text_atomic
from .store import CSV_FILE, SKIPPED_FILE

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


def _safe_text(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _number(value) -> str:
    return "" if value is None else f"{value:g}"


def grades_csv(records: list[dict]) -> str:
    """The CSV text for these records (already in the order wanted)."""
    exercises = exercise_columns(records)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    speed_columns = [column for key in SPEED_KEYS for column in (f"speed_{key}", f"speed_{key}_uncertainty")]
    writer.writerow([*FIXED_COLUMNS, *exercises, *speed_columns, "notes"])
    for record in records:
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
                *(_number(points.get(exercise)) for exercise in exercises),
                *(_number((speed.get(key) or {}).get(part)) for key in SPEED_KEYS for part in ("ratio", "uncertainty")),
                _safe_text(" | ".join(notes)),
            ]
        )
    return buffer.getvalue()


def write_grades_csv(results: Path, records: list[dict]) -> Path:
    return write_text_atomic(Path(results) / CSV_FILE, grades_csv(records))


def write_skipped_csv(results: Path, skipped: list[tuple[str, str]]) -> Path:
    """skipped.csv: the entries of SUBMISSIONS that are not submissions (entry, reason); header only when none."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["entry", "reason"])
    for name, reason in skipped:
        writer.writerow([_safe_text(name), reason])
    return write_text_atomic(Path(results) / SKIPPED_FILE, buffer.getvalue())
