"""What the course notebooks call: setup() in their first code cell, grade() in each grade cell.

    from autograder import nbgrade
    nbgrade.setup()                 # students: edits to assignments/*.py are picked up;
                                    # nbgrader autograde: the student's code runs only in the sandbox
    from autograder.nbgrade import grade
    grade("conv2d_forward")         # prints the exercise's checks, returns its points (a float)

grade() grades the student's modules in assignments/ (next to the notebook) with the
same engine and the same isolation as `convlab grade`, for one exercise, and ends the
cell with a plain float: nbgrader's partial credit. Nothing reaches stderr (nbgrader
gives 0 points to a grade cell with any stderr output): warnings and whatever the grader
or its libraries print there are dropped while it runs.

The seed: while nbgrader autogrades (NBGRADER_EXECUTION=autograde), the hidden seed from
the environment variable grading.toml names ([grader] seed_env, CONVLAB_SEED); grading
refuses to run without it, or with the public seed in it. Elsewhere: that variable when
it is set (an instructor trying the notebooks), else the public seed (students).
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

NBGRADER_EXECUTION = "NBGRADER_EXECUTION"
AUTOGRADE = "autograde"
# Set to 1 to make the notebooks' training cell tiny (CI runs every notebook this way).
QUICK_ENV = "CONVLAB_NOTEBOOK_QUICK"
QUICK_TRAINING = (1, 256, 200)  # epochs, training digits, test digits
DEFAULT_FOLDER = "assignments"


class NotebookGradingError(RuntimeError):
    """The grade cell cannot grade (no hidden seed while autograding, no assignments folder...)."""


class TrainingPlan(NamedTuple):
    epochs: int
    n_train: int
    n_test: int


def autograding() -> bool:
    """Whether this kernel runs under `nbgrader autograde` (which sets NBGRADER_EXECUTION)."""
    return os.environ.get(NBGRADER_EXECUTION) == AUTOGRADE


def setup(folder: str | os.PathLike = DEFAULT_FOLDER) -> None:
    """Prepare the kernel for the notebook's cells (call it before importing from assignments).

    While autograding: the student's modules are replaced by stand-ins that call them in the
    sandbox (see notebooks/isolated.py). Otherwise: the notebook's folder is importable,
    IPython's autoreload re-imports a module whose file changed, and a cell that calls a
    function not written yet prints one line and lets the notebook go on (notebooks/unfinished.py).
    """
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    if autograding():
        from .config import load_config
        from .notebooks.isolated import install

        install(_student_folder(folder), load_config())
        return
    _autoreload()
    _keep_going_past_unfinished(folder)


def _autoreload() -> None:
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    with contextlib.redirect_stdout(io.StringIO()):
        shell.run_line_magic("load_ext", "autoreload")
        shell.run_line_magic("autoreload", "2")


def _keep_going_past_unfinished(folder: str | os.PathLike) -> None:
    # A stub's NotImplementedError prints one line and lets "Run all" go on (notebooks/unfinished.py).
    from .notebooks.unfinished import install, ipython_shell

    shell = ipython_shell()
    if shell is not None:
        install(shell, Path(folder))


def training_plan(epochs: int, n_train: int, n_test: int) -> TrainingPlan:
    """How much the notebook trains: as asked, none while autograding, a token run when QUICK_ENV=1."""
    if autograding():
        return TrainingPlan(0, 0, 0)
    if os.environ.get(QUICK_ENV) == "1":
        return TrainingPlan(*QUICK_TRAINING)
    return TrainingPlan(epochs, n_train, n_test)


def scaled(full: int, quick: int) -> int:
    """How much an experiment of a notebook runs (steps, epochs, digits): full, quick when
    CONVLAB_NOTEBOOK_QUICK=1, and 0 while autograding (nothing trains in the grading kernel)."""
    if autograding():
        return 0
    return quick if os.environ.get(QUICK_ENV) == "1" else full


def _student_folder(folder: str | os.PathLike) -> Path:
    path = Path(folder)
    if not path.is_dir():
        raise NotebookGradingError(
            f"no {path}/ folder next to this notebook: keep the notebook in the folder that holds your {DEFAULT_FOLDER}/ package"
        )
    return path


_seen_seed: dict[str, tuple[int, str]] = {}


def hidden_seed(config, environ=os.environ) -> tuple[int, str]:
    """(seed, seed_kind) for a grade cell; see the module docstring.

    The first grade cell that reads the hidden seed takes it out of the kernel's environment
    and makes the kernel non-dumpable (commands.common.protect_grader_process); the later
    cells of the notebook find it here.
    """
    from .commands.common import CommandError, protect_grader_process
    from .commands.seed import resolve_seed

    name = config.grader.seed_env
    if environ is os.environ and name in _seen_seed:
        return _seen_seed[name]
    if not autograding() and not environ.get(name, "").strip():
        return config.grader.public_seed, "public"
    try:
        found = resolve_seed(None, public_seed=config.grader.public_seed, seed_env=name, environ=environ)
    except CommandError as error:
        raise NotebookGradingError(str(error)) from None
    if environ is os.environ:  # remembered only because it is taken out of the environment here
        _seen_seed[name] = found
        protect_grader_process(name)
    return found


def nbgrader_student(folder: Path) -> str | None:
    """The student id in nbgrader's layout (.../autograded/<student>/<assignment>/), else None."""
    here = Path(folder).resolve()
    for path in (here, *here.parents):
        if path.parent.parent.name in ("autograded", "submitted"):
            return path.parent.name
    return None


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Drop everything written to stderr (Python's sys.stderr and file descriptor 2) and all warnings."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def grade_exercise(exercise_id: str, folder: str | os.PathLike = DEFAULT_FOLDER, *, lang: str = "en"):
    """(ExerciseResult, seed, seed_kind) for one exercise of the student's folder, graded in the sandbox."""
    from .commands.common import CommandError, checked_isolation, locate_modules
    from .commands.seed import case_seed
    from .config import load_config
    from .grade import grade_submission

    with quiet_stderr():
        config = load_config()
        if exercise_id not in config.exercise_ids:
            raise NotebookGradingError(f"grading.toml has no exercise {exercise_id!r}")
        seed, seed_kind = hidden_seed(config)
        try:
            config, _ = checked_isolation(config, None, seed_kind, allow_weak=False)
            cases = case_seed(config, seed, seed_kind, nbgrader_student(Path.cwd()))
        except CommandError as error:
            raise NotebookGradingError(str(error)) from None
        folder = locate_modules(_student_folder(folder))
        result = grade_submission(folder, seed=cases, seed_kind=seed_kind, config=config, only=[exercise_id], lang=lang)
    return result.exercises[0], seed, seed_kind


def grade(exercise_id: str, folder: str | os.PathLike = DEFAULT_FOLDER, *, lang: str = "en") -> float:
    """Grade one exercise, print its checks, return its points as a plain float (nbgrader's partial credit)."""
    from .notebooks.feedback import render_exercise

    exercise, seed, seed_kind = grade_exercise(exercise_id, folder, lang=lang)
    # One write and a flush: print() writes the text and the newline separately, and the
    # kernel may send them as two stream messages when its flush timer fires in between.
    sys.stdout.write(render_exercise(exercise, seed=seed, seed_kind=seed_kind, lang=lang) + "\n")
    sys.stdout.flush()
    # grading.toml's points are the cell's maximum; the model rounds sums to 4 decimals.
    return float(min(exercise.points, exercise.points_possible))
