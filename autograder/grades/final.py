"""One student's grade: per assignment, the graded points, the overrides, the late penalty, the final points.

For each assignment, in this order:

1. graded points: what the grader gave each of its exercises;
2. exercise overrides replace an exercise's points; raw points are their sum;
3. the late penalty (late.py) is taken off the raw points: final = raw - penalty;
4. an override of the assignment (or `total`) replaces the final points, penalty or not.

Every platform calls grade_of with its own submission time: convlab batch the record's
submitted_at, nbgrader its timestamp.txt, Gradescope the metadata's created_at.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .late import POINTS_DIGITS, Lateness
from .overrides import Override
from .policy import GradePolicy


@dataclass
class AssignmentGrade:
    assignment: str
    graded_points: float  # as the grader gave them
    raw_points: float  # after exercise overrides
    points_possible: float
    lateness: Lateness
    penalty: float
    final_points: float
    exercises: dict[str, float] = field(default_factory=dict)  # after exercise overrides
    overrides: list[dict] = field(default_factory=list)  # applied: exercise, from, to, reason

    def to_dict(self) -> dict:
        return {
            "assignment": self.assignment,
            "graded_points": self.graded_points,
            "raw_points": self.raw_points,
            "points_possible": self.points_possible,
            "late": self.lateness.to_dict(),
            "penalty": self.penalty,
            "final_points": self.final_points,
            "exercises": dict(self.exercises),
            "overrides": list(self.overrides),
        }


@dataclass
class StudentGrade:
    student: str
    assignments: list[AssignmentGrade]

    @property
    def raw_points(self) -> float:
        return _round(sum(a.raw_points for a in self.assignments))

    @property
    def penalty(self) -> float:
        return _round(sum(a.penalty for a in self.assignments))

    @property
    def final_points(self) -> float:
        return _round(sum(a.final_points for a in self.assignments))

    @property
    def points_possible(self) -> float:
        return _round(sum(a.points_possible for a in self.assignments))

    @property
    def exercises(self) -> dict[str, float]:
        return {k: v for a in self.assignments for k, v in a.exercises.items()}

    def to_dict(self) -> dict:
        return {
            "format": "convlab-grade/1",
            "student": self.student,
            "raw_points": self.raw_points,
            "penalty": self.penalty,
            "final_points": self.final_points,
            "points_possible": self.points_possible,
            "assignments": [a.to_dict() for a in self.assignments],
        }


def _round(value: float) -> float:
    return round(value, POINTS_DIGITS)


def grade_of(
    student: str,
    submitted_at: str | None,
    points: Mapping[str, float],
    possible: Mapping[str, float],
    policy: GradePolicy,
    overrides: list[Override] = (),
) -> StudentGrade:
    """The grade of one student from the graded points per exercise (see the module docstring).

    points and possible: exercise id -> points earned / points possible. Exercises the policy's
    assignments do not list are ignored; an exercise missing from points earned nothing. An
    assignment none of whose exercises was graded (a batch of the other assignment only, an
    nbgrader gradebook's other assignment) has no grade here: nothing to write into its column.
    """
    own = [o for o in overrides if o.student == student]
    lateness = policy.late.assess(student, submitted_at)
    grades = []
    for assignment in policy.assignments:
        ids = [e for e in assignment.exercise_ids if e in possible or e in points]
        if not ids and len(policy.assignments) > 1:
            continue
        graded = {e: float(points.get(e, 0.0)) for e in ids}
        exercises = dict(graded)
        applied = []
        for override in own:
            if override.target in exercises:
                applied.append({"exercise": override.target, "from": exercises[override.target], "to": override.points, "reason": override.reason})
                exercises[override.target] = override.points
        raw = _round(sum(exercises.values()))
        penalty = lateness.penalty(raw)
        final = _round(raw - penalty)
        for override in own:
            if override.target == assignment.name:
                applied.append({"exercise": "total", "from": final, "to": override.points, "reason": override.reason})
                final = _round(override.points)
        grades.append(
            AssignmentGrade(
                assignment=assignment.name,
                graded_points=_round(sum(graded.values())),
                raw_points=raw,
                points_possible=_round(sum(float(possible.get(e, 0.0)) for e in ids)),
                lateness=lateness,
                penalty=penalty,
                final_points=final,
                exercises=exercises,
                overrides=applied,
            )
        )
    return StudentGrade(student, grades)


def grade_of_record(record: Mapping, policy: GradePolicy, overrides: list[Override] = ()) -> StudentGrade:
    """The grade of a `convlab batch` record (its student, submitted_at and exercises)."""
    exercises = record.get("exercises") or []
    return grade_of(
        str(record.get("student", "")),
        record.get("submitted_at"),
        {e["id"]: float(e.get("points") or 0.0) for e in exercises},
        {e["id"]: float(e.get("points_possible") or 0.0) for e in exercises},
        policy,
        overrides,
    )
