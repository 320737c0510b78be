"""The grading policy's grade-keeping part, read from grading.toml with the standard library alone.

    [late]          the late policy (late.py)
    [overrides]     file = "private/overrides.csv"   the instructors' overrides (overrides.py),
                    relative to grading.toml; keep it out of the repository students see

and the assignments: groups of exercises, each with its own total, late penalty and column in
an LMS export (and its own nbgrader assignment and Gradescope assignment). An exercise belongs
to the assignment its [exercises.<id>] table names with `assignment = "..."`, else to
DEFAULT_ASSIGNMENT, so a grading.toml without any `assignment` key is one assignment, `cnn`.
This is the one place that reads the key: the grader's policy (config.py), the results'
totals, grades.csv, the scoreboard and the LMS export all take an exercise's assignment from
`assignment_of` / `assignments_from`.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from .late import LatePolicy, PolicyError, parse_late_table

DEFAULT_ASSIGNMENT = "cnn"  # the assignment of every exercise whose table names none (parts 1 to 5)
# An assignment's name names a folder (nbgrader's source/<name>/) and columns: lower case.
ASSIGNMENT_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
OVERRIDES_KEYS = ("file",)


@dataclass(frozen=True)
class Assignment:
    name: str
    exercise_ids: tuple[str, ...]  # in grading order


@dataclass(frozen=True)
class GradePolicy:
    assignments: tuple[Assignment, ...]
    late: LatePolicy = field(default_factory=LatePolicy)
    overrides_file: Path | None = None  # from [overrides] file, resolved against grading.toml's folder

    @property
    def exercise_ids(self) -> tuple[str, ...]:
        return tuple(e for a in self.assignments for e in a.exercise_ids)

    @property
    def assignment_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.assignments)


def assignment_of(exercise_id: str, table: object, filename: str = "grading.toml") -> str:
    """The assignment an [exercises.<id>] table names with its `assignment` key, else DEFAULT_ASSIGNMENT."""
    name = table.get("assignment", DEFAULT_ASSIGNMENT) if isinstance(table, Mapping) else DEFAULT_ASSIGNMENT
    if not isinstance(name, str) or not ASSIGNMENT_NAME.match(name):
        raise PolicyError(
            f"{filename}: [exercises.{exercise_id}] assignment must be a lower-case name (letters, digits, _), got {name!r}"
        )
    return name


def assignments_from(data: Mapping, filename: str = "grading.toml") -> tuple[Assignment, ...]:
    """The assignments of a parsed grading.toml, in the order their first exercise appears, each
    with its exercises in grading.toml's order."""
    exercises = data.get("exercises", {})
    if not isinstance(exercises, Mapping) or not exercises:
        raise PolicyError(f"{filename}: [exercises] must name at least one exercise")
    groups: dict[str, list[str]] = {}
    for exercise_id, table in exercises.items():
        groups.setdefault(assignment_of(exercise_id, table, filename), []).append(exercise_id)
    return tuple(Assignment(name, tuple(ids)) for name, ids in groups.items())


def parse_policy(data: Mapping, folder: Path | None = None, filename: str = "grading.toml") -> GradePolicy:
    """The GradePolicy of a parsed grading.toml; PolicyError names a bad key."""
    late = parse_late_table(data["late"], f"{filename}: [late]") if "late" in data else LatePolicy()
    overrides_file = None
    if "overrides" in data:
        table = data["overrides"]
        if not isinstance(table, Mapping):
            raise PolicyError(f"{filename}: [overrides] must be a table")
        for key in table:
            if key not in OVERRIDES_KEYS:
                raise PolicyError(f"{filename}: [overrides] unknown key {key!r} (known: {', '.join(OVERRIDES_KEYS)})")
        if "file" in table:
            if not isinstance(table["file"], str) or not table["file"]:
                raise PolicyError(f"{filename}: [overrides] file must be a file path, got {table['file']!r}")
            overrides_file = (Path(folder) if folder else Path()) / table["file"]
    return GradePolicy(assignments_from(data, filename), late, overrides_file)


def load_policy(grading_toml: Path) -> GradePolicy:
    """The GradePolicy of a grading.toml file."""
    path = Path(grading_toml)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise PolicyError(f"cannot read {path}: {error}") from None
    return parse_policy(data, path.resolve().parent, path.name)
