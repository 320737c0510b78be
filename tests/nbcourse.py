"""An nbgrader course in a temporary folder, with students handing in: for tests and bench/.

    make_course(root, {"alice": REFERENCE_DIR, "bob": None})   generate_assignment, then hand in
    nbgrader(course, "autograde", "cnn", seed=...)              the real nbgrader command

A student's modules replace the stubs in assignments/; None hands in the stubs. A student may
leave notebooks out (as one who hands in only some parts) and carry nbgrader's timestamp.txt.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.notebooks.build import assignment_dir, sync
from autograder.notebooks.course import ASSIGNMENT, COURSE_DIR, PACKAGE
from autograder.paths import STUDENT_MODULES

NBGRADER_SECONDS = 1800


def environment(seed: int | None = None) -> dict:
    """os.environ without convlab's variables, the venv's bin first on PATH (nbgrader runs alembic)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CONVLAB_SEED", "NBGRADER_EXECUTION", "CONVLAB_NOTEBOOK_QUICK")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    if seed is not None:
        env["CONVLAB_SEED"] = str(seed)
    return env


def nbgrader(course: Path, *args: str, seed: int | None = None) -> subprocess.CompletedProcess:
    """One real nbgrader command in the course folder; fails the caller when it fails."""
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], check=False, cwd=course, env=environment(seed),
                          capture_output=True, text=True, timeout=NBGRADER_SECONDS)
    if done.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}")
    return done


def hand_in(course: Path, student: str, modules: Path | None, *, leave_out: tuple[str, ...] = (), timestamp: str | None = None) -> Path:
    """submitted/<student>/<assignment>/: the release as handed out, with the student's modules in assignments/."""
    folder = course / "submitted" / student / ASSIGNMENT
    shutil.copytree(course / "release" / ASSIGNMENT, folder)
    for module in STUDENT_MODULES if modules is not None else ():
        shutil.copyfile(modules / f"{module}.py", folder / PACKAGE / f"{module}.py")
    for notebook in leave_out:
        (folder / f"{notebook}.ipynb").unlink()
    if timestamp is not None:
        (folder / "timestamp.txt").write_text(timestamp + "\n")
    return folder


def make_course(root: Path, extra_config: str = "") -> Path:
    """A course folder with the course's nbgrader_config.py (plus extra_config) and the assignment generated."""
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text((COURSE_DIR / "nbgrader_config.py").read_text() + extra_config)
    # Built here as `convlab notebooks` builds it: course/source/ is not kept in the repository.
    sync(assignment_dir(root / "source"), check=False)
    nbgrader(root, "generate_assignment", ASSIGNMENT)
    return root
