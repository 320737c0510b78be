"""The scoreboard's rows: one per student, from the batch records of one or more RESULTS folders.

Each RESULTS folder's batch.json names the submissions of its run; their records
give the points. A student with several submissions (several runs, or several
uploads) is shown with the best one (most points, then the latest) or the latest
one, as [scoreboard] pick says. Whether the student is shown, and under which
chosen name, follows their latest submission. Grader errors are left out: they
have no score.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..batch.store import scored_records
from ..grades.policy import DEFAULT_ASSIGNMENT


class CollectError(Exception):
    """A RESULTS folder cannot be read (the message says which and why)."""


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    points_possible: float
    assignment: str = DEFAULT_ASSIGNMENT


@dataclass(frozen=True)
class Assignment:
    """An assignment's own total (scoreboard.csv and .json), when the board holds several assignments."""

    id: str
    points_possible: float


@dataclass
class Row:
    student: str  # private: never written to the site
    points: float
    points_possible: float
    exercises: dict[str, float]
    pseudonym: str = ""
    rank: int = 0
    assignments: dict[str, float] = field(default_factory=dict)  # assignment id -> its final points


@dataclass
class Board:
    exercises: list[Exercise]
    rows: list[Row]
    choices: dict[str, str | None] = field(default_factory=dict)  # student -> pseudonym.txt of the latest submission

    @property
    def assignments(self) -> list[Assignment]:
        """The assignments of the exercises, in order; [] when there is only one (the total says it all)."""
        found: dict[str, float] = {}
        for exercise in self.exercises:
            found[exercise.assignment] = found.get(exercise.assignment, 0.0) + exercise.points_possible
        return [Assignment(a, possible) for a, possible in found.items()] if len(found) > 1 else []


def apply_grades(records: list[dict], policy, overrides) -> list[dict]:
    """The records with points and exercise points replaced by the final grade's (late policy, overrides)."""
    from ..batch.finalize import grades_of

    grades = grades_of(records, policy, list(overrides))
    adjusted = []
    for record in records:
        grade = grades.get(record.get("key", ""))
        if grade is None:
            adjusted.append(record)
            continue
        exercises = [{**e, "points": grade.exercises.get(e["id"], e["points"])} for e in record.get("exercises") or []]
        finals = {part.assignment: part.final_points for part in grade.assignments}
        adjusted.append({**record, "points": grade.final_points, "exercises": exercises, "assignment_points": finals})
    return adjusted


def load_records(results_folders: list[Path], signer=None) -> list[dict]:
    """Every scored record of the folders; with a signer (the course's seed is known), any record
    this course's grader did not sign stops the build."""
    records, refused = [], []
    for folder in results_folders:
        found = scored_records(folder, signer, refused)
        if found is None:
            raise CollectError(f"{folder} holds no batch.json: pass a RESULTS folder written by `convlab batch` or `convlab merge`")
        records += found
    if refused:
        raise CollectError(f"{len(refused)} records were not written by this course's grader (their signature does not "
                           f"match): {', '.join(map(str, refused[:5]))}. Grade them again with `convlab batch`.")
    return records


def _moment(record: dict) -> tuple[str, str]:
    return (record.get("submitted_at") or "", record.get("graded_at") or "")


def pick_per_student(records: list[dict], pick: str) -> tuple[dict[str, dict], dict[str, dict]]:
    """(student -> the record shown, student -> their latest record)."""
    by_student: dict[str, list[dict]] = {}
    for record in records:
        by_student.setdefault(record["student"], []).append(record)
    shown, latest = {}, {}
    for student, own in by_student.items():
        latest[student] = max(own, key=_moment)
        shown[student] = latest[student] if pick == "latest" else max(own, key=lambda r: (r["points"], _moment(r)))
    return shown, latest


def exercises_of(records: list[dict]) -> list[Exercise]:
    """Every exercise in the records, in grading order, with its title and points possible."""
    found: dict[str, Exercise] = {}
    for record in records:
        for exercise in record.get("exercises") or []:
            found.setdefault(
                exercise["id"],
                Exercise(exercise["id"], exercise.get("title") or exercise["id"], exercise["points_possible"], exercise.get("assignment", DEFAULT_ASSIGNMENT)),
            )
    return list(found.values())


def _assignment_points(record: dict) -> dict[str, float]:
    """assignment -> its points in a record: the final grade's (apply_grades), else its exercises' sum."""
    if isinstance(record.get("assignment_points"), dict):
        return {name: float(points) for name, points in record["assignment_points"].items()}
    points: dict[str, float] = {}
    for exercise in record.get("exercises") or []:
        assignment = exercise.get("assignment", DEFAULT_ASSIGNMENT)
        points[assignment] = round(points.get(assignment, 0.0) + float(exercise["points"]), 4)
    return points


def build_board(results_folders: list[Path], pick: str, policy=None, overrides=(), signer=None) -> Board:
    """The rows (not yet named or ranked) of every student in the RESULTS folders, final points shown."""
    records = apply_grades(load_records(results_folders, signer), policy, overrides)
    shown, latest = pick_per_student(records, pick)
    rows = [
        Row(
            student=student,
            points=float(record["points"]),
            points_possible=float(record["points_possible"]),
            exercises={e["id"]: float(e["points"]) for e in record.get("exercises") or []},
            assignments=_assignment_points(record),
        )
        for student, record in sorted(shown.items())
    ]
    choices = {student: record.get("pseudonym_choice") for student, record in latest.items()}
    return Board(exercises_of(list(shown.values())), rows, choices)


def rank_rows(rows: list[Row]) -> list[Row]:
    """Rows sorted by points (then pseudonym), with competition ranks: 1, 2, 2, 4."""
    ordered = sorted(rows, key=lambda r: (-r.points, r.pseudonym.casefold()))
    for position, row in enumerate(ordered, start=1):
        row.rank = ordered[position - 2].rank if position > 1 and row.points == ordered[position - 2].points else position
    return ordered
