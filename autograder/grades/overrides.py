"""The instructors' overrides: points set by hand, with the reason, kept apart from any grading run.

    student,exercise,points,reason
    s042,conv2d_backward,18,regrade request: the hidden case 3 tolerance was too tight
    s107,total,85,academic integrity hearing
    s311,cnn,70,agreed late submission after illness

`exercise` is an exercise id (the points replace what the grader gave that exercise, and the
late policy then applies to the new total), an assignment name or `total` (the points are the
assignment's final points: no late penalty is taken off them). `total` is allowed only while
grading.toml has a single assignment. The file lives outside every RESULTS folder, so a regrade
never loses it: `convlab batch`, `convlab export` and `convlab scoreboard` apply it each time,
and each result records what was applied. A file that names an unknown exercise, gives a
negative number, no reason, or the same student and exercise twice is refused, naming the line.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from .late import PolicyError

COLUMNS = ("student", "exercise", "points", "reason")
TOTAL = "total"
MAX_LINES = 100_000


@dataclass(frozen=True)
class Override:
    student: str
    target: str  # an exercise id, or an assignment name (TOTAL is resolved to the only assignment)
    points: float
    reason: str
    line: int  # in the overrides file, for messages

    def to_dict(self) -> dict:
        return {"exercise": self.target, "points": self.points, "reason": self.reason}


def load_overrides(path: Path | None, exercise_ids: tuple[str, ...], assignment_names: tuple[str, ...]) -> list[Override]:
    """The overrides in path (none when path is None); PolicyError names a bad line."""
    if path is None:
        return []
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PolicyError(f"no such overrides file: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(f"cannot read the overrides file {path}: {error}") from None
    return parse_overrides(text, exercise_ids, assignment_names, str(path))


def parse_overrides(text: str, exercise_ids: tuple[str, ...], assignment_names: tuple[str, ...], name: str = "overrides.csv") -> list[Override]:
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None or [cell.strip().lower() for cell in header] != list(COLUMNS):
        raise PolicyError(f"{name}: the first line must be the header {','.join(COLUMNS)}, got {','.join(header or [])!r}")
    targets = set(exercise_ids) | set(assignment_names) | ({TOTAL} if len(assignment_names) == 1 else set())
    found: list[Override] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(rows, start=2):
        if line > MAX_LINES:
            raise PolicyError(f"{name}: more than {MAX_LINES} lines")
        if not any(cell.strip() for cell in row):
            continue
        where = f"{name} line {line}"
        if len(row) != len(COLUMNS):
            raise PolicyError(f"{where}: expected {len(COLUMNS)} fields ({','.join(COLUMNS)}), got {len(row)}")
        student, target, points_text, reason = (cell.strip() for cell in row)
        if not student:
            raise PolicyError(f"{where}: the student id is empty")
        if target not in targets:
            known = ", ".join([*exercise_ids, *assignment_names, *([TOTAL] if len(assignment_names) == 1 else [])])
            raise PolicyError(f"{where}: {target!r} is neither an exercise nor an assignment (known: {known})")
        try:
            points = float(points_text)
        except ValueError:
            points = float("nan")
        if not math.isfinite(points) or points < 0:
            raise PolicyError(f"{where}: points must be a number of 0 or more, got {points_text!r}")
        if not reason:
            raise PolicyError(f"{where}: give the reason for this override")
        if target == TOTAL:
            target = assignment_names[0]
        key = (student, target)
        if key in seen:
            raise PolicyError(f"{where} overrides {student} {target} again (first on line {seen[key]}): keep one line")
        seen[key] = line
        found.append(Override(student, target, points, reason, line))
    return found


def by_student(overrides: list[Override]) -> dict[str, list[Override]]:
    grouped: dict[str, list[Override]] = {}
    for override in overrides:
        grouped.setdefault(override.student, []).append(override)
    return grouped
