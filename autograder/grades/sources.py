"""Where graded points come from: a `convlab batch` RESULTS folder, or an nbgrader course's gradebook.

Both give, per student, what the grade needs: the submission time the platform recorded, and the
points earned and possible per exercise. The late policy and the overrides are applied afterwards
(final.py), the same way for both.

    RESULTS/batch.json + submissions/*/record.json      submitted_at: the record's (nbgrader's
                                                        timestamp.txt, a git checkout's commit
                                                        time, else the files' modification time)
    COURSE/gradebook.db                                 submitted_at: nbgrader's timestamp.txt;
                                                        grade cell grade_<exercise id> -> points
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

GRADEBOOK = "gradebook.db"
GRADE_CELL_PREFIX = "grade_"


class SourceError(Exception):
    """The folder holds neither batch results nor an nbgrader gradebook (the message says which)."""


@dataclass
class Entry:
    student: str
    submission: str
    status: str  # graded, refused, grader-error, ...
    submitted_at: str | None
    points: dict[str, float] = field(default_factory=dict)  # exercise id -> points earned
    possible: dict[str, float] = field(default_factory=dict)  # exercise id -> points possible
    notes: list[str] = field(default_factory=list)
    key: str | None = None  # batch: the submission's result folder
    nbgrader_penalty: float | None = None  # nbgrader: the late penalty its gradebook holds


def read_entries(folder: Path, assignment: str | None = None) -> list[Entry]:
    """Every student's entry in a batch RESULTS folder or an nbgrader course folder."""
    folder = Path(folder)
    if (folder / "batch.json").is_file():
        return batch_entries(folder)
    if (folder / GRADEBOOK).is_file():
        return gradebook_entries(folder, assignment)
    raise SourceError(f"{folder} holds neither batch.json (a RESULTS folder of `convlab batch`) nor {GRADEBOOK} (an nbgrader course)")


def batch_entries(results: Path) -> list[Entry]:
    from ..batch.store import read_manifest, read_record

    manifest = read_manifest(results)
    if manifest is None:
        raise SourceError(f"{results}/batch.json is not a batch manifest")
    entries = []
    for item in manifest.get("submissions", []):
        record = read_record(results, item["key"]) or {"submission": item["name"], "student": item["name"], "status": "missing"}
        entries.append(entry_of_record(record))
    return entries


def entry_of_record(record: dict) -> Entry:
    exercises = record.get("exercises") or []
    notes = list(record.get("notes") or [])
    if record.get("error"):
        notes.append("grader error: " + str(record["error"]).splitlines()[-1])
    return Entry(
        student=str(record.get("student", "")),
        submission=str(record.get("submission", "")),
        status=str(record.get("status", "")),
        submitted_at=record.get("submitted_at"),
        points={e["id"]: float(e.get("points") or 0.0) for e in exercises},
        possible={e["id"]: float(e.get("points_possible") or 0.0) for e in exercises},
        notes=notes,
        key=record.get("key"),
    )


def gradebook_entries(course: Path, assignment: str | None = None) -> list[Entry]:
    """One entry per student who submitted `assignment` (the only one when None), from gradebook.db."""
    from nbgrader.api import Gradebook

    entries = []
    with Gradebook(f"sqlite:///{Path(course).resolve() / GRADEBOOK}") as gradebook:
        names = [a.name for a in gradebook.assignments]
        if assignment is None:
            if len(names) != 1:
                raise SourceError(f"{course}/{GRADEBOOK} holds {len(names)} assignments ({', '.join(names)}): choose one with --assignment")
            assignment = names[0]
        elif assignment not in names:
            raise SourceError(f"{course}/{GRADEBOOK} has no assignment {assignment!r} (it has: {', '.join(names)})")
        for submission in gradebook.assignment_submissions(assignment):
            points, possible = {}, {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    exercise = grade.name.removeprefix(GRADE_CELL_PREFIX)
                    points[exercise] = float(grade.score or 0.0)
                    possible[exercise] = float(grade.max_score or 0.0)
            timestamp = submission.timestamp.isoformat() if submission.timestamp is not None else None
            entries.append(
                Entry(
                    student=submission.student_id,
                    submission=submission.student_id,
                    status="graded",
                    submitted_at=timestamp,
                    points=points,
                    possible=possible,
                    nbgrader_penalty=float(submission.late_submission_penalty or 0.0),
                )
            )
    return sorted(entries, key=lambda e: e.student)
