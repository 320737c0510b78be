"""Where the nbgrader course lives and what nbgrader must leave alone.

    course/nbgrader_config.py             nbgrader's settings (imports the names below)
    course/source/<ASSIGNMENT>/*.ipynb    one notebook per part (built by `convlab notebooks`, never edited)
    course/source/<ASSIGNMENT>/assignments/   the package students edit: stubs, provided
                                          modules, visible tests (built from reference/)

A student's submission is the assignment folder: the notebooks and assignments/. Only the
notebooks are read by nbgrader; the grade cells grade assignments/*.py in the sandbox.

Each assignment of grading.toml (its `assignment` keys) is an nbgrader assignment of its
own: "cnn" (parts 1 to 5) and "classic_networks" (part 6), each with its own total.
"""
from __future__ import annotations

from ..grades.policy import DEFAULT_ASSIGNMENT
from ..paths import REPO_ROOT, STUDENT_MODULES

COURSE_DIR = REPO_ROOT / "course"
COURSE_CONFIG = COURSE_DIR / "nbgrader_config.py"
SOURCE_DIR = COURSE_DIR / "source"  # built by `convlab notebooks`, not kept in the repository
COURSE_ID = "convlab"
ASSIGNMENT = DEFAULT_ASSIGNMENT  # the first assignment: parts 1 to 5 ("cnn")
PACKAGE = "assignments"

# The Jupyter kernel every notebook names; scripts/setup installs it into the project's venv.
KERNEL_NAME = "convlab"
KERNEL_DISPLAY_NAME = "Python 3 (convlab)"
KERNEL_INSTALL = ("-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL_NAME, "--display-name", KERNEL_DISPLAY_NAME)

# Seconds nbgrader lets one cell run while autograding: a grade cell grades one exercise
# (bounded by grading.toml's submission_seconds) plus starting its sandbox.
CELL_TIMEOUT_SECONDS = 600


def student_files() -> list[str]:
    """The files of the assignment folder that hold the student's work, relative to it.

    nbgrader autograde overwrites every other non-notebook file with the instructors' copy
    (Autograde.exclude_overwriting keeps these): the stubs must never replace a student's code.
    """
    return [f"{PACKAGE}/{module}.py" for module in STUDENT_MODULES]


def assignments() -> tuple[str, ...]:
    """The nbgrader assignments: grading.toml's, in its order."""
    from ..config import load_config

    return load_config().assignment_ids
