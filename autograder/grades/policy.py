"""The grading policy's grade-keeping part, read from grading.toml with the standard library alone.

    [late]          the late policy (late.py)
    [overrides]     file = "private/overrides.csv"   the instructors' overrides (overrides.py),
                    relative to grading.toml; keep it out of the repository students see

and the assignments: groups of exercises, each with its own total, late penalty and column in
an LMS export. grading.toml lists its exercises in [exercises]; they form one assignment named
DEFAULT_ASSIGNMENT (the nbgrader course's assignment). Every total is computed per assignment
from this list, so a second assignment only has to be returned by `assignments_from`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from .late import LatePolicy, PolicyError, parse_late_table

DEFAULT_ASSIGNMENT = "cnn"
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


def assignments_from(data: Mapping) -> tuple[Assignment, ...]:
    """The assignments of a parsed grading.toml: today one, holding every exercise of [exercises]."""
    exercises = data.get("exercises", {})
    if not isinstance(exercises, Mapping) or not exercises:
        raise PolicyError("grading.toml: [exercises] must name at least one exercise")
    return (Assignment(DEFAULT_ASSIGNMENT, tuple(exercises)),)


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
    return GradePolicy(assignments_from(data), late, overrides_file)


def load_policy(grading_toml: Path) -> GradePolicy:
    """The GradePolicy of a grading.toml file."""
    path = Path(grading_toml)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise PolicyError(f"cannot read {path}: {error}") from None
    return parse_policy(data, path.resolve().parent, path.name)
