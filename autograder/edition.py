"""Which commands this copy of convlab offers: all of them in the course's repository, only the
students' in a student release.

`convlab student-release` ships the grader whole (students run `convlab check` with it) and
writes EDITION_FILE into its autograder/ folder. Where that file says "student", the command
line lists and runs only STUDENT_COMMANDS; an instructor command (release, notebooks, batch...)
refuses with one line instead of running. Those commands need reference/, which a student
release never holds, and `convlab release` there would otherwise rewrite the student's work.
"""
from __future__ import annotations

import json
from pathlib import Path

EDITION_FILE = "edition.json"
STUDENT = "student"
COURSE = "course"
# What a student runs: the checker with the public seed, and LeNet's training.
STUDENT_COMMANDS = ("check", "train")
PACKAGE_DIR = Path(__file__).resolve().parent


def student_edition_text() -> str:
    """The EDITION_FILE a student release holds."""
    return json.dumps({"edition": STUDENT, "commands": list(STUDENT_COMMANDS)}, indent=2) + "\n"


def edition(package_dir: Path = PACKAGE_DIR) -> str:
    """STUDENT when package_dir holds EDITION_FILE (whatever it says), else COURSE.

    Only the course's repository, which never holds the file, gets the instructors' commands.
    """
    return STUDENT if (package_dir / EDITION_FILE).exists() else COURSE


def is_student_release(package_dir: Path = PACKAGE_DIR) -> bool:
    return edition(package_dir) == STUDENT
