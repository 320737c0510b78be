"""The scoreboard's summary of one submission: points per exercise and the facts behind them.

No messages and no case details: a scoreboard may be public. The seed is included
only when it is the public one.
"""
from __future__ import annotations

from ..results import SubmissionResult

SUMMARY_FORMAT = "convlab-summary/1"


def summary(result: SubmissionResult) -> dict:
    """A JSON-ready dict: submission, points (all assignments together), per-exercise and
    per-assignment points, seed kind, environment, timings."""
    data = {
        "format": SUMMARY_FORMAT,
        "submission": result.submission,
        "points": result.points,
        "points_possible": result.points_possible,
        "exercises": {
            exercise.exercise_id: {
                "points": exercise.points,
                "points_possible": exercise.points_possible,
                "ran": exercise.error is None,
                "assignment": exercise.assignment,
            }
            for exercise in result.exercises
        },
        "assignments": {
            total.assignment: {"points": total.points, "points_possible": total.points_possible}
            for total in result.assignment_totals
        },
        "seed_kind": result.seed_kind,
        "environment": result.environment,
        "timings": result.timings,
        "grader_version": result.grader_version,
    }
    if result.seed_kind == "public":
        data["seed"] = result.seed
    return data
