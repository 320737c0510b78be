"""Gradebook files for learning-management systems, from the final grades.

    canvas   Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then one
             column per assignment holding its final points (a new column name creates an
             assignment; an existing one is named as Canvas's own export names it, "Title (id)")
    moodle   Moodle's grade import (CSV): First name, Last name, ID number, Email address, then per
             assignment "<item> (Real)" with the final points and "<item> (Feedback)" with the late
             and override notes; at import, map "ID number" (or "Email address") to the user
             field of the same name and each column to its grade item
    csv      one row per student and assignment: submitted_at, deadline, days_late, raw_points,
             penalty, final_points, points_possible and the overrides with their reasons

Students are matched to the LMS through a roster: the LMS's own gradebook export, whose
identifier columns (Canvas: SIS Login ID, SIS User ID, ID, Integration ID; Moodle: ID number,
Username, Email address) are compared with convlab's student ids. Without a roster, the student
id goes into SIS Login ID (Canvas) or ID number (Moodle). Cells are protected against
spreadsheet formulas as in grades.csv.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .final import StudentGrade

FORMATS = ("canvas", "moodle", "csv")
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_IDENTIFIERS = ("SIS Login ID", "SIS User ID", "ID", "Integration ID")
CANVAS_POINTS_ROW = "Points Possible"  # the second row of Canvas's own export: not a student
MOODLE_COLUMNS = ("First name", "Last name", "ID number", "Email address")
MOODLE_IDENTIFIERS = ("ID number", "Username", "Email address")
CSV_COLUMNS = ("student", "assignment", "status", "submitted_at", "deadline", "days_late", "raw_points", "penalty", "final_points", "points_possible", "overrides", "notes")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class RosterError(Exception):
    """The roster cannot be used (the message says why)."""


@dataclass
class Graded:
    """One student's final grade with what the export shows next to it."""

    grade: StudentGrade
    status: str = "graded"
    notes: tuple[str, ...] = ()


def safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def read_roster(path: Path) -> list[dict[str, str]]:
    """The rows of an LMS gradebook export (a CSV with a header row)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RosterError(f"cannot read the roster {path}: {error}") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise RosterError(f"the roster {path} holds no students")
    return rows


def _match(rows: list[dict[str, str]], identifiers: tuple[str, ...], students: set[str]) -> dict[int, str]:
    """roster row index -> convlab student id, for rows whose identifier is a student id."""
    if rows and not any(column in rows[0] for column in identifiers):
        raise RosterError(f"the roster has none of the identifier columns {', '.join(identifiers)}")
    found = {}
    for index, row in enumerate(rows):
        for column in identifiers:
            value = (row.get(column) or "").strip()
            if value and value in students:
                found[index] = value
                break
    return found


def _feedback(grade: StudentGrade, assignment: str) -> str:
    part = next(a for a in grade.assignments if a.assignment == assignment)
    notes = [] if part.lateness.days_late == 0 else [f"late: {part.lateness.note}, -{part.penalty:g} points"]
    notes += [f"{o['exercise']} set to {o['to']:g} by the instructor: {o['reason']}" for o in part.overrides]
    return "; ".join(notes)


def canvas_csv(graded: dict[str, Graded], columns: dict[str, str], roster: list[dict[str, str]] | None = None) -> tuple[str, list[str]]:
    """(CSV text, warnings) for Canvas; columns: assignment name -> the Canvas column's title."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CANVAS_COLUMNS, *columns.values()])
    warnings = []
    if roster is None:
        for student, item in sorted(graded.items()):
            finals = {a.assignment: a.final_points for a in item.grade.assignments}
            writer.writerow([safe(student), "", "", safe(student), "", *(number(finals.get(name)) for name in columns)])
        return buffer.getvalue(), warnings
    rows = [row for row in roster if (row.get("Student") or "").strip() != CANVAS_POINTS_ROW]
    matched = _match(rows, CANVAS_IDENTIFIERS, set(graded))
    for index, row in enumerate(rows):
        student = matched.get(index)
        finals = {a.assignment: a.final_points for a in graded[student].grade.assignments} if student else {}
        writer.writerow([*(safe(row.get(c, "")) for c in CANVAS_COLUMNS), *(number(finals.get(name)) for name in columns)])
    warnings += [f"{student}: not in the roster, left out" for student in sorted(set(graded) - set(matched.values()))]
    return buffer.getvalue(), warnings


def moodle_csv(graded: dict[str, Graded], columns: dict[str, str], roster: list[dict[str, str]] | None = None) -> tuple[str, list[str]]:
    """(CSV text, warnings) for Moodle; columns: assignment name -> the grade item's name."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*MOODLE_COLUMNS, *(f"{title} ({kind})" for title in columns.values() for kind in ("Real", "Feedback"))])
    warnings: list[str] = []

    def cells(student: str | None) -> list[str]:
        if student is None:
            return ["", ""] * len(columns)
        grade = graded[student].grade
        finals = {a.assignment: a.final_points for a in grade.assignments}
        return [value for name in columns for value in (number(finals.get(name)), safe(_feedback(grade, name) if name in finals else ""))]

    if roster is None:
        for student in sorted(graded):
            writer.writerow(["", "", safe(student), "", *cells(student)])
        return buffer.getvalue(), warnings
    matched = _match(roster, MOODLE_IDENTIFIERS, set(graded))
    for index, row in enumerate(roster):
        writer.writerow([*(safe(row.get(c, "")) for c in MOODLE_COLUMNS), *cells(matched.get(index))])
    warnings += [f"{student}: not in the roster, left out" for student in sorted(set(graded) - set(matched.values()))]
    return buffer.getvalue(), warnings


def generic_csv(graded: dict[str, Graded]) -> str:
    """One row per student and assignment (see the module docstring)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for student, item in sorted(graded.items()):
        for part in item.grade.assignments:
            overrides = " | ".join(f"{o['exercise']}: {o['from']:g} -> {o['to']:g} ({o['reason']})" for o in part.overrides)
            writer.writerow(
                [
                    safe(student),
                    part.assignment,
                    item.status,
                    part.lateness.submitted_at or "",
                    part.lateness.deadline or "",
                    part.lateness.days_late,
                    number(part.raw_points),
                    number(part.penalty),
                    number(part.final_points),
                    number(part.points_possible),
                    safe(overrides),
                    safe(" | ".join(item.notes)),
                ]
            )
    return buffer.getvalue()
