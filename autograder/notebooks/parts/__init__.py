"""The six parts of the course, one notebook each, in the lecture's order.

A part declares its notebook name, its title, the exercises it grades (grading.toml
ids) and its body: the lecture's idea in a few lines, code that calls the student's
functions and draws what they compute, an exercise box and a grade cell per exercise.
The builder adds the same two cells on top of every part: the title with how the
notebook works, and the setup cell.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from textwrap import dedent

from ..cards import exercise_card, format_points
from ..cells import Cell, answer, code, grade, markdown
from ..course import PACKAGE

MODULES = ("sizes_forward", "kernels", "backward", "pooling", "lenet", "classic_networks")


@dataclass(frozen=True)
class Context:
    """What a part's body needs from the build: points (grading.toml) and API names per exercise."""

    points: dict[str, float]
    api: dict[str, tuple[str, ...]]
    written_points: float = 0.0  # each written question of the notebook's assignment (grading.toml)

    def card(self, exercise_id: str) -> Cell:
        """The exercise's box (signature, summary, file, points)."""
        return markdown(exercise_card(exercise_id, self.api[exercise_id], self.points[exercise_id]))

    def grade(self, exercise_id: str) -> Cell:
        """The exercise's grade cell: grades the student's module in the sandbox, ends with the points."""
        points = self.points[exercise_id]
        return grade(
            exercise_id,
            points,
            f"""
            # Grades your {PACKAGE}/ files for {exercise_id} in a separate, isolated process ({format_points(points)}).
            from autograder.nbgrade import grade
            grade("{exercise_id}")
            """,
        )

    def question(self, question_id: str, text: str) -> list[Cell]:
        """A written question (locked markdown) and the cell its answer goes in, graded by hand."""
        points = self.written_points
        heading = f"> **Written question** · {format_points(points)}, graded by hand · answer in the cell below.\n>\n"
        body = "\n".join(f"> {line}" if line else ">" for line in dedent(text).strip().splitlines())
        return [markdown(heading + body), answer(question_id, points)]


@dataclass(frozen=True)
class Part:
    name: str  # the notebook's file name without .ipynb (nbgrader's notebook id)
    key: str  # short prefix of the notebook's cell ids
    title: str
    intro: str  # markdown under the title: what this part is about
    exercises: tuple[str, ...]  # grading.toml ids, in the notebook's order
    body: Callable[[Context], list[Cell]]
    imports: str  # the code cell that imports the student's functions


def parts() -> list[Part]:
    """Every part, in the course's order."""
    return [importlib.import_module(f"{__name__}.{module}").PART for module in MODULES]


HOW_IT_WORKS = f"""
**How this notebook works.** You write your code in the `{PACKAGE}/` folder next to this
notebook, not here: every cell is read-only and imports your functions from their files.
Run the notebook from the top; after you change a file, rerun the cells below it (your
changes are picked up without restarting). Each exercise ends with a grade cell that grades
your file in a separate process on the lecture's examples and on cases drawn from the public
seed, and prints what failed and why. The final grade runs the same checks on hidden cases
drawn from a secret seed. `pytest {PACKAGE}/` runs the visible tests from a terminal.
"""

SETUP = """
import numpy as np
import matplotlib.pyplot as plt

from autograder import nbgrade
from autograder.notebooks.plots import plot_training, show_images, show_matrices

nbgrade.setup()  # your edits to assignments/*.py take effect the next time a cell runs
"""


def header(part: Part) -> list[Cell]:
    """The cells on top of every notebook: title and how it works, setup, the student's imports."""
    return [
        markdown(f"# {part.title}\n\n{dedent(part.intro).strip()}\n\n{HOW_IT_WORKS.strip()}"),
        code(SETUP),
        code(part.imports),
    ]
