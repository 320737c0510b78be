"""Correct solutions written differently from the reference must get every check right.

tests/correct/ holds complete submissions, each honouring the docstring contract
(no input is modified, sizes validate with ValueError, max pooling routes a tie to
the first maximum and adds overlapping windows) in a style of its own:
- loops:   a student's straightforward version, one output value per loop iteration;
- float32: computes and returns float32 everywhere (shift-and-add over kernel offsets);
- im2col:  explicit index arrays, einsum, and np.add.at for every scatter.
A case any of them fails is a false fail of the grader.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.paths import REFERENCE_DIR, STUDENT_MODULES

CORRECT_DIR = Path(__file__).parent / "correct"
SOLUTIONS = ("loops", "float32", "im2col")
SEEDS = (2021, 31337)  # the public seed of grading.toml, and a hidden one


@pytest.mark.parametrize("solution", SOLUTIONS)
def test_solution_is_complete_and_its_own(solution):
    folder = CORRECT_DIR / solution
    assert sorted(path.stem for path in folder.glob("*.py")) == sorted(STUDENT_MODULES)
    for module in STUDENT_MODULES:
        source = (folder / f"{module}.py").read_text()
        assert source != (REFERENCE_DIR / f"{module}.py").read_text()
        assert "### BEGIN SOLUTION" not in source


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("solution", SOLUTIONS)
def test_correct_solution_gets_every_check_right(solution, seed):
    from autograder.grade import grade_submission

    result = grade_submission(CORRECT_DIR / solution, seed=seed)
    failures = []
    for exercise in result.exercises:
        if exercise.error:
            failures.append(f"{exercise.exercise_id}: error {exercise.error}")
        for check in exercise.checks:
            for case in check.cases:
                if not case.passed:
                    failures.append(f"{exercise.exercise_id}/{check.check_id}/{case.name}: {case.message}")
    assert not failures, f"{solution}, seed {seed}: {len(failures)} false fails\n" + "\n".join(failures)
    assert result.points == result.points_possible > 0
    assert all(check.cases for exercise in result.exercises for check in exercise.checks)


# --- styles: the reference with some functions written another way (tests/correct/styles.py) ---------------

from correct.styles import STYLES  # noqa: E402
from submissions import build_submission  # noqa: E402


def _false_fails(result) -> list[str]:
    failures = [f"{e.exercise_id}: error {e.error}" for e in result.exercises if e.error]
    failures += [
        f"{e.exercise_id}/{c.check_id}/{case.name}: {case.message}"
        for e in result.exercises for c in e.checks for case in c.cases if not case.passed
    ]
    return failures


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.name)
def test_a_correct_style_gets_every_check_right(style, tmp_path):
    from autograder.grade import grade_submission

    base = CORRECT_DIR / style.base if style.base != "reference" else REFERENCE_DIR
    folder = build_submission(tmp_path / style.name, appends=style.appends, base=base)
    result = grade_submission(folder, seed=SEEDS[1], only=list(style.exercises))
    failures = _false_fails(result)
    assert not failures, f"{style.name}: {len(failures)} false fails\n" + "\n".join(failures)
    assert result.points == result.points_possible > 0
