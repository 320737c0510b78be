"""Build the nbgrader source folders from reference/ and grading.toml, or check that they are current.

The folders are build outputs, made when an instructor (or a test) asks for them; the
repository keeps only their sources.

    course/source/<assignment>/<part>.ipynb            one notebook per part (parts/) of that
                                                       assignment (grading.toml's `assignment`)
    course/source/<assignment>/assignments/...         the student's package: the stubs
                                                       `convlab release` generates, the provided
                                                       modules and the visible tests (whole, in
                                                       every assignment: part 6 builds on parts 1-5)

Rendering is deterministic (same inputs, same bytes), so a committed folder that
differs from a fresh rendering is stale. Nothing rendered may hold a solution marker.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..paths import ASSIGNMENTS_DIR, REFERENCE_DIR
from ..release import (
    BEGIN_MARKER,
    END_MARKER,
    HAND_WRITTEN,
    JUNK_NAMES,
    JUNK_SUFFIXES,
    render_assignments,
)
from .cells import grade_id, to_json
from .course import ASSIGNMENT, COURSE_CONFIG, KERNEL_DISPLAY_NAME, KERNEL_NAME, PACKAGE, SOURCE_DIR
from .parts import Context, Part, header, parts

NBFORMAT = 4
NBFORMAT_MINOR = 5
# The visible tests travel with the package, so `pytest assignments/` works in the release.
TESTS_FOLDER = "tests"


class BuildError(Exception):
    """The notebooks cannot be built (a part and grading.toml disagree, a marker would leak...)."""


def notebook(part: Part, context: Context) -> dict:
    """One part's notebook as nbformat JSON."""
    cells = header(part) + part.body(context)
    answers = [cell.exercise for cell in cells if cell.answer]
    if len(set(answers)) != len(answers):
        raise BuildError(f"{part.name}: two answer cells answer the same question")
    graded = [cell.exercise for cell in cells if cell.is_grade]
    if graded != list(part.exercises):
        raise BuildError(f"{part.name}: its grade cells grade {graded}, but the part declares {list(part.exercises)}")
    rendered = []
    for index, cell in enumerate(cells):
        rendered.append(to_json(cell, grade_id(cell, part.key, index)))
    ids = [cell["id"] for cell in rendered]
    if len(set(ids)) != len(ids):
        raise BuildError(f"{part.name}: two cells share an id")
    return {
        "cells": rendered,
        "metadata": {
            "kernelspec": {"display_name": KERNEL_DISPLAY_NAME, "language": "python", "name": KERNEL_NAME},
            "language_info": {"name": "python"},
        },
        "nbformat": NBFORMAT,
        "nbformat_minor": NBFORMAT_MINOR,
    }


def notebook_text(data: dict) -> str:
    """JSON as nbformat writes it (indent 1, sorted keys, UTF-8): saving in Jupyter changes nothing."""
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def context(config, assignment: str = ASSIGNMENT) -> Context:
    """Points and API names of every exercise of the loaded grading.toml, and the points of each
    written question of the assignment's notebooks."""
    from ..exercises import REGISTRY

    written = config.assignment(assignment).written_points if assignment in config.assignment_ids else 0.0
    return Context(
        points={policy.exercise_id: policy.points for policy in config.exercises},
        api={exercise_id: REGISTRY[exercise_id].api for exercise_id in config.exercise_ids},
        written_points=written,
    )


def part_assignment(part: Part, config) -> str:
    """The assignment a part's exercises belong to (all of them to the same one)."""
    found = set()
    for exercise_id in part.exercises:
        if exercise_id not in config.exercise_ids:
            raise BuildError(f"{part.name} grades {exercise_id!r}, which grading.toml does not list")
        found.add(config.exercise(exercise_id).assignment)
    if len(found) != 1:
        raise BuildError(f"{part.name} grades exercises of several assignments ({', '.join(sorted(found))}): one notebook, one assignment")
    return found.pop()


def render_notebooks(config, assignment: str = ASSIGNMENT) -> dict[str, str]:
    """File name -> notebook text, for every part of the assignment; each of its exercises graded
    in exactly one part."""
    ctx = context(config, assignment)
    seen: dict[str, str] = {}
    texts = {}
    for part in parts():
        if part_assignment(part, config) != assignment:
            continue
        for exercise_id in part.exercises:
            if exercise_id in seen:
                raise BuildError(f"{exercise_id} is graded in both {seen[exercise_id]} and {part.name}")
            seen[exercise_id] = part.name
        texts[f"{part.name}.ipynb"] = notebook_text(notebook(part, ctx))
    listed = [policy.exercise_id for policy in config.exercises if policy.assignment == assignment]
    missing = [exercise_id for exercise_id in listed if exercise_id not in seen]
    if missing:
        raise BuildError(f"no notebook grades {', '.join(missing)} (grading.toml lists them)")
    return texts


def render_package(reference_dir: Path = REFERENCE_DIR, assignments_dir: Path = ASSIGNMENTS_DIR) -> dict[str, bytes]:
    """Path inside the assignment folder -> content, for the student's package."""
    files = {f"{PACKAGE}/{name}": text.encode() for name, text in render_assignments(reference_dir).items()}
    for name in sorted(HAND_WRITTEN):
        files[f"{PACKAGE}/{name}"] = (assignments_dir / name).read_bytes()
    tests = assignments_dir / TESTS_FOLDER
    for path in sorted(tests.rglob("*")):
        parts = path.relative_to(assignments_dir).parts
        if any(part in JUNK_NAMES or part.startswith(".") or part.endswith(JUNK_SUFFIXES) for part in parts):
            continue
        if path.is_file() and not path.is_symlink():
            files[f"{PACKAGE}/{'/'.join(parts)}"] = path.read_bytes()
    return files


def render_course(config=None, assignment: str = ASSIGNMENT) -> dict[str, bytes]:
    """Path inside course/source/<assignment>/ -> content, for every file `convlab notebooks` writes there."""
    if config is None:
        from ..config import load_config

        config = load_config()
    files = {name: text.encode() for name, text in render_notebooks(config, assignment).items()}
    files.update(render_package())
    markers = (BEGIN_MARKER.encode(), END_MARKER.encode())
    leaks = sorted(name for name, data in files.items() if any(marker in data for marker in markers))
    if leaks:
        raise BuildError(f"refusing to build files that hold a solution marker: {', '.join(leaks)}")
    return files


def stale_files(expected: dict[str, bytes], folder: Path) -> dict[str, str]:
    """Path -> why, for every file of folder that is missing, out of date, or left over."""
    stale = {}
    for name, data in expected.items():
        target = folder / name
        if not target.is_file():
            stale[name] = "missing"
        elif target.read_bytes() != data:
            stale[name] = "out of date"
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            junk = any(part in JUNK_NAMES or part == ".ipynb_checkpoints" for part in path.relative_to(folder).parts)
            if path.is_file() and name not in expected and not junk:
                stale[name] = "left over: the build does not make it"
    return stale


def assignment_dir(source_dir: Path = SOURCE_DIR, assignment: str = ASSIGNMENT) -> Path:
    """course/source/<assignment>/"""
    return source_dir / assignment


def write_course_config(course: Path) -> Path:
    """course/nbgrader_config.py: the course's own file, or a copy of it when course is another folder."""
    target = Path(course) / COURSE_CONFIG.name
    if not target.exists() or target.resolve() != COURSE_CONFIG.resolve():
        data = COURSE_CONFIG.read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    return target


def sync(folder: Path, *, check: bool, config=None, assignment: str = ASSIGNMENT) -> tuple[dict[str, str], bool]:
    """Bring folder (the assignment's) up to date (check=False) or only find what is stale (check=True).

    Returns (stale files with reasons, whether anything was written).
    """
    expected = render_course(config, assignment)
    stale = stale_files(expected, folder)
    if check or not stale:
        return stale, False
    for name in stale:
        target = folder / name
        if name in expected:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(expected[name])
        else:
            target.unlink()
    for directory in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
    return stale, True
