"""Notebook cells (nbformat 4.5) carrying nbgrader's schema-3 metadata.

Every cell of a course notebook is locked ("read-only" in nbgrader's words): students
work in assignments/*.py, never in the notebooks, so nbgrader restores every cell from
the source when it autogrades. Grade cells are locked code cells with points. The one
exception is a written question's answer cell: a markdown cell the student writes in
(nbgrader's "manually graded answer"), with points, graded by hand in nbgrader's formgrader.

Cell ids double as nbgrader grade_ids: unique within a notebook, [A-Za-z0-9_-], at most
64 characters (nbformat's limit for ids).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from textwrap import dedent

SCHEMA_VERSION = 3
CELL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")


@dataclass(frozen=True)
class Cell:
    """One cell before it has an id: its kind, its text, and its points for a grade cell."""

    kind: str  # "markdown" or "code"
    source: str
    points: float | None = None  # a grade cell's points; None for every other cell
    exercise: str | None = None  # the exercise a grade cell grades, or the question an answer cell answers
    alt: str | None = None  # what the picture a code cell draws shows, for readers who cannot see it
    answer: bool = False  # a written answer: markdown the student edits, graded by hand

    @property
    def is_grade(self) -> bool:
        return self.points is not None and not self.answer


def markdown(text: str) -> Cell:
    """A locked markdown cell; the text is dedented and stripped."""
    return Cell("markdown", _clean(text))


def code(text: str, alt: str | None = None) -> Cell:
    """A locked code cell that teaches (no points); the text is dedented and stripped.

    alt: the picture's text alternative (the cell's "alt" metadata; nbconvert writes it as the
    alt attribute of the cell's images in the feedback pages).
    """
    return Cell("code", _clean(text), alt=alt)


def grade(exercise_id: str, points: float, text: str) -> Cell:
    """A locked grade cell worth `points`, grading one exercise."""
    return Cell("code", _clean(text), points=points, exercise=exercise_id)


ANSWER_STUB = "YOUR ANSWER HERE"


def answer(question_id: str, points: float) -> Cell:
    """The cell a student writes a written question's answer in (markdown), worth `points`, graded by hand."""
    return Cell("markdown", ANSWER_STUB, points=points, exercise=question_id, answer=True)


def _clean(text: str) -> str:
    return dedent(text).strip("\n").rstrip()


def grade_id(cell: Cell, notebook: str, index: int) -> str:
    """The grade_id (and cell id) of the cell at `index` of `notebook`.

    Grade cells are named after their exercise ("grade_conv2d_forward"), answer cells after
    their question ("answer_receptive_fields"): stable when the text around them changes, and
    what the gradebook shows. Other cells are numbered.
    """
    if cell.answer:
        name = f"answer_{cell.exercise}"
    else:
        name = f"grade_{cell.exercise}" if cell.is_grade else f"{notebook}_{index:02d}"
    if not CELL_ID.match(name):
        raise ValueError(f"{name!r} is not a valid cell id (letters, digits, '_' and '-', at most 64)")
    return name


def to_json(cell: Cell, cell_id: str) -> dict:
    """The cell as nbformat 4.5 JSON, with nbgrader's metadata."""
    nbgrader = {
        "grade": cell.is_grade or cell.answer,
        "grade_id": cell_id,
        "locked": not cell.answer,
        "schema_version": SCHEMA_VERSION,
        "solution": cell.answer,
        "task": False,
    }
    if cell.points is not None:
        nbgrader["points"] = _number(cell.points)
    data = {
        "cell_type": cell.kind,
        "id": cell_id,
        "metadata": {"deletable": False, "editable": cell.answer, "nbgrader": nbgrader},
        "source": cell.source.splitlines(keepends=True),
    }
    if cell.alt:
        data["metadata"]["alt"] = cell.alt
    if cell.kind == "code":
        data["execution_count"] = None
        data["outputs"] = []
    return data


def _number(value: float) -> int | float:
    # 14.0 is written 14, as an instructor would type it in nbgrader's toolbar.
    return int(value) if float(value).is_integer() else float(value)
