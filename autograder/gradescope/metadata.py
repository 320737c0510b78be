"""Gradescope's submission_metadata.json, read defensively (every field may be missing or null).

    created_at                       the submission time (ISO 8601 with offset): what the late policy uses
    assignment.due_date              Gradescope's due date: used when grading.toml's [late] sets none
    users[].email, users[].id        who submitted: matched against grading.toml's extensions
    previous_submissions[]           submission_time and score of earlier submissions (autograder_error ones skipped)

Format: https://gradescope-autograders.readthedocs.io/en/latest/submission_metadata/
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 8 << 20


@dataclass
class Metadata:
    created_at: str | None = None
    due_date: str | None = None
    students: tuple[str, ...] = ()  # identifiers of each submitter: email, then Gradescope id
    previous: list[tuple[str, float]] = field(default_factory=list)  # (submission_time, score)
    problem: str | None = None  # why the file could not be read, for the instructor's log


def read_metadata(path: Path) -> Metadata:
    """The metadata at path; an empty Metadata (with `problem` set) when it is missing or unreadable."""
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read(MAX_BYTES))
    except (OSError, ValueError) as error:
        return Metadata(problem=f"{path}: {error}")
    if not isinstance(data, dict):
        return Metadata(problem=f"{path}: not a JSON object")
    assignment = data.get("assignment") if isinstance(data.get("assignment"), dict) else {}
    students = []
    for user in data.get("users") or []:
        if isinstance(user, dict):
            students += [str(user[key]) for key in ("email", "id") if user.get(key) not in (None, "")]
    previous = []
    for item in data.get("previous_submissions") or []:
        if not isinstance(item, dict) or item.get("autograder_error"):
            continue
        time, score = item.get("submission_time"), item.get("score")
        if isinstance(time, str) and isinstance(score, (int, float)) and not isinstance(score, bool):
            previous.append((time, float(score)))
    return Metadata(
        created_at=data.get("created_at") if isinstance(data.get("created_at"), str) else None,
        due_date=assignment.get("due_date") if isinstance(assignment.get("due_date"), str) else None,
        students=tuple(students),
        previous=previous,
    )
