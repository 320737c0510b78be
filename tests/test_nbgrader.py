"""The course graded end to end by real nbgrader, from the command line, in a temporary course.

    nbgrader generate_assignment -> four students hand in -> CONVLAB_SEED=... nbgrader autograde
    -> nbgrader export -> nbgrader generate_feedback

Both assignments: "cnn" (parts 1 to 5) and "classic_networks" (part 6, with written
questions graded by hand). Part 6's students: the reference (who also answers the written
questions), the stubs, and one whose dense block assigns instead of adding its gradients.

The students: the reference's modules, the untouched stubs (plus a notebook cell that
would make every grade cell report a point), a buggy one (flipped kernel, and a tampered
provided module), and a hostile one (os._exit at import in pooling.py).
What must hold: the gradebook's score of every grade cell equals convlab's own score for
that exercise (grade_submission, same seed, same files), the CSV export carries the same
totals, no grade cell wrote to stderr, nbgrader left the students' .py files alone, and
the feedback shows no hidden case's inputs, shapes, messages or the seed.
"""
from __future__ import annotations

import csv
import html
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from submissions import build_submission
from test_notebooks import ensure_kernel

from autograder.config import load_config
from autograder.exercises import REGISTRY
from autograder.grade import grade_submission, prepare
from autograder.notebooks.build import assignment_dir, sync, write_course_config
from autograder.notebooks.course import ASSIGNMENT, PACKAGE, student_files
from autograder.notebooks.sanitize import is_answer_cell
from autograder.paths import REFERENCE_DIR, STUDENT_MODULES
from samples.mistakes import BY_NAME

pytestmark = pytest.mark.slow

SEED = 987654321
STUDENTS = ("reference", "stubs", "buggy", "hostile")
# The bug zoo's flipped kernel: the reference with its kernel turned by 180 degrees.
FLIPPED_KERNEL = BY_NAME["conv_kernel_flipped"]
TAMPERED_PROVIDED = "training.py"
FIRST_NOTEBOOK = "part1_sizes_and_forward"
CHEAT = "import autograder.nbgrade\nautograder.nbgrade.grade = lambda *args, **kwargs: 1.0"
NBGRADER_SECONDS = 900
# Hidden input values are looked for in the feedback written these ways (a leak would use one).
VALUE_FORMATS = (repr, "{:.6f}".format, lambda v: np.format_float_positional(v, precision=8, unique=False))

SIGNIFICANT_DIGITS = 8

CONFIG = load_config()
PART6 = "classic_networks"
PART6_CONFIG = CONFIG.for_assignment(PART6)
PART6_STUDENTS = ("reference", "stubs", "dense_assigns")
# The bug zoo's dense block that assigns each layer's share of a gradient instead of adding it.
DENSE_ASSIGNS = BY_NAME["dense_grad_assigned"]
PART6_NOTEBOOK = "part6_classic_networks"


def nbgrader(course: Path, *args: str, seed: int | None = None) -> subprocess.CompletedProcess:
    """One real nbgrader command in the course folder (its venv's bin first on PATH: nbgrader runs alembic)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CONVLAB_SEED", "NBGRADER_EXECUTION", "CONVLAB_NOTEBOOK_QUICK")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    if seed is not None:
        env["CONVLAB_SEED"] = str(seed)
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], check=False, cwd=course, env=env, capture_output=True, text=True, timeout=NBGRADER_SECONDS
    )
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    return done


def hand_in(course: Path, student: str, modules: Path | None, assignment: str = ASSIGNMENT) -> Path:
    """submitted/<student>/<assignment>/: the release as handed out, with the student's modules in assignments/."""
    folder = course / "submitted" / student / assignment
    shutil.copytree(course / "release" / assignment, folder)
    for module in STUDENT_MODULES if modules is not None else ():
        shutil.copyfile(modules / f"{module}.py", folder / PACKAGE / f"{module}.py")
    return folder


def student_modules(tmp: Path) -> dict[str, Path | None]:
    buggy = build_submission(tmp / "buggy", {FLIPPED_KERNEL.module: list(FLIPPED_KERNEL.replacements)})
    hostile = build_submission(tmp / "hostile")
    pooling = hostile / "pooling.py"
    pooling.write_text("import os\nos._exit(3)\n" + pooling.read_text(encoding="utf-8"), encoding="utf-8")
    return {"reference": REFERENCE_DIR, "stubs": None, "buggy": buggy, "hostile": hostile}


def answer_written_questions(path: Path) -> dict[str, str]:
    """Write an answer into every answer cell of a notebook, as a student does in Jupyter; return them."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    answers = {}
    for cell in notebook.cells:
        if is_answer_cell(cell):
            cell.source = answers[cell.metadata.nbgrader.grade_id] = f"Answer to {cell.metadata.nbgrader.grade_id}: a 227 input gives 55."
    nbformat.write(notebook, path)
    return answers


def add_cheating_cell(path: Path) -> None:
    """A student's cell, after the setup cell, that makes every grade cell report a point."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(2, nbformat.v4.new_code_cell(CHEAT))
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    ensure_kernel()
    root = tmp_path_factory.mktemp("nbgrader") / "course"
    root.mkdir()
    write_course_config(root)  # what `convlab notebooks COURSE` builds
    sync(assignment_dir(root / "source"), check=False)
    nbgrader(root, "generate_assignment", ASSIGNMENT)
    for student, modules in student_modules(tmp_path_factory.mktemp("modules")).items():
        folder = hand_in(root, student, modules)
        if student == "buggy":  # a provided module changed: autograde must restore the course's copy
            (folder / PACKAGE / TAMPERED_PROVIDED).write_text("raise SystemExit('tampered')\n", encoding="utf-8")
        if student == "stubs":  # a cell added to a notebook must not run in the grading kernel
            add_cheating_cell(folder / f"{FIRST_NOTEBOOK}.ipynb")
    nbgrader(root, "autograde", ASSIGNMENT, seed=SEED)
    sync(assignment_dir(root / "source", PART6), check=False, assignment=PART6)
    nbgrader(root, "generate_assignment", PART6)
    modules = tmp_path_factory.mktemp("part6")
    part6 = {"reference": REFERENCE_DIR, "stubs": None, "dense_assigns": build_submission(modules / "dense", {DENSE_ASSIGNS.module: list(DENSE_ASSIGNS.replacements)})}
    for student, folder in part6.items():
        handed_in = hand_in(root, student, folder, PART6)
        if student == "reference":
            (root / "written_answers.json").write_text(json.dumps(answer_written_questions(handed_in / f"{PART6_NOTEBOOK}.ipynb")))
    nbgrader(root, "autograde", PART6, seed=SEED)
    nbgrader(root, "export")
    nbgrader(root, "generate_feedback", ASSIGNMENT)
    nbgrader(root, "generate_feedback", PART6)
    return root


@pytest.fixture(scope="module")
def convlab_results(course) -> dict:
    """convlab's own grading of the very files each student handed in, with the same seed (parts 1 to 5)."""
    return {
        student: grade_submission(course / "submitted" / student / ASSIGNMENT / PACKAGE, seed=SEED, config=CONFIG.for_assignment(ASSIGNMENT))
        for student in STUDENTS
    }


@pytest.fixture(scope="module")
def part6_results(course) -> dict:
    return {
        student: grade_submission(course / "submitted" / student / PART6 / PACKAGE, seed=SEED, config=PART6_CONFIG)
        for student in PART6_STUDENTS
    }


def gradebook_scores(course: Path, assignment: str = ASSIGNMENT, students=STUDENTS) -> dict[str, dict[str, tuple[float, float]]]:
    """student -> grade cell id -> (score, max score), read from gradebook.db."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in students:
            submission = gradebook.find_submission(assignment, student)
            scores[student] = {
                grade.name: (grade.score, grade.max_score) for notebook in submission.notebooks for grade in notebook.grades
            }
    return scores


def test_gradebook_equals_convlab_grade_cell_by_grade_cell(course, convlab_results):
    gradebook = gradebook_scores(course)
    for student, result in convlab_results.items():
        expected = {f"grade_{e.exercise_id}": (e.points, CONFIG.exercise(e.exercise_id).points) for e in result.exercises}
        assert gradebook[student] == expected, student
    totals = {student: result.points for student, result in convlab_results.items()}
    assert totals["reference"] == 100.0 and totals["stubs"] == 0.0
    assert 0 < totals["buggy"] < 100 and 0 < totals["hostile"] < 100
    hostile = {e.exercise_id: e.points for e in convlab_results["hostile"].exercises}
    assert hostile["max_pool"] == 0 and hostile["conv2d_forward"] == CONFIG.exercise("conv2d_forward").points


def test_the_csv_export_carries_convlab_totals(course, convlab_results):
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle) if row["assignment"] == ASSIGNMENT}
    # nbgrader lists every student of the gradebook; dense_assigns handed in part 6 only.
    assert sorted(rows) == sorted(set(STUDENTS) | set(PART6_STUDENTS))
    assert float(rows.pop("dense_assigns")["score"]) == 0.0
    for student, result in convlab_results.items():
        assert (float(rows[student]["score"]), float(rows[student]["max_score"])) == (result.points, CONFIG.assignment_points(ASSIGNMENT))


def test_no_grade_cell_wrote_to_stderr_or_failed(course):
    import nbformat

    handed_in = [(student, ASSIGNMENT) for student in STUDENTS] + [(student, PART6) for student in PART6_STUDENTS]
    for student, assignment in handed_in:
        for path in sorted((course / "autograded" / student / assignment).glob("*.ipynb")):
            for cell in nbformat.read(path, as_version=4).cells:
                if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
                    outputs = _coalesced(cell.outputs)
                    kinds = [(o["output_type"], o.get("name")) for o in outputs]
                    assert kinds == [("stream", "stdout"), ("execute_result", None)], (student, path.name, cell.id, kinds)
                    assert outputs[0]["text"].strip(), (student, path.name, cell.id)
                    float(outputs[1]["data"]["text/plain"])


def _coalesced(outputs: list) -> list[dict]:
    """The cell's outputs with consecutive text on the same stream joined, as Jupyter shows them.

    The kernel flushes stdout on a timer, so one cell's text may arrive as several stream
    messages; how it is split says nothing about the grade cell.
    """
    joined: list[dict] = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if output.output_type == "stream" and previous and previous["output_type"] == "stream" and previous["name"] == output.name:
            previous["text"] += output.text
        else:
            joined.append(dict(output))
    return joined


def test_autograde_kept_the_students_modules_and_restored_the_provided_ones(course):
    source = course / "source" / ASSIGNMENT / PACKAGE
    for student in STUDENTS:
        submitted = course / "submitted" / student / ASSIGNMENT / PACKAGE
        graded = course / "autograded" / student / ASSIGNMENT / PACKAGE
        for name in student_files():
            module = Path(name).name
            assert (graded / module).read_bytes() == (submitted / module).read_bytes(), (student, module)
        assert (graded / TAMPERED_PROVIDED).read_bytes() == (source / TAMPERED_PROVIDED).read_bytes()
    reference = course / "autograded" / "reference" / ASSIGNMENT / PACKAGE / "conv_forward.py"
    assert "### BEGIN" in reference.read_text(encoding="utf-8")  # the reference itself, not the stub


def _hidden_texts(result) -> set[str]:
    """What a hidden case would show if it leaked: its description and its messages
    (less the messages a visible case shows too, such as "not implemented yet")."""
    texts, visible = set(), set()
    for exercise in result.exercises:
        for check in exercise.checks:
            for case in check.cases:
                message = case.message.split(" Likely cause")[0]
                if not case.hidden:
                    visible.add(message)
                    continue
                if ": " in case.name:
                    texts.add(case.name.split(": ", 1)[1])
                texts.add(message)
    return texts - visible - {""}


def _hidden_values(limit_per_case: int = 3) -> set[str]:
    """Some input values of every hidden case, written the ways a leak would write them."""
    values = set()
    for policy in CONFIG.exercises:
        prepared, _ = prepare(REGISTRY[policy.exercise_id], SEED)
        for check in prepared.checks.values():
            for case in check.cases:
                if not getattr(case, "hidden", False):
                    continue
                arrays = [a for a in getattr(case, "args", ()) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
                # Only values with many digits: 0.5 or 19.0 appear in any page by chance.
                numbers = [float(v) for a in arrays for v in a.ravel() if len(repr(float(v)).strip("-0.")) >= SIGNIFICANT_DIGITS]
                numbers = numbers[:limit_per_case]
                values |= {fmt(v) for v in numbers for fmt in VALUE_FORMATS}
    return values


def test_feedback_shows_grades_but_no_hidden_case(course, convlab_results):
    pages = {
        student: html.unescape(" ".join(p.read_text(encoding="utf-8") for p in (course / "feedback" / student / ASSIGNMENT).glob("*.html")))
        for student in STUDENTS
    }
    assert all(len(list((course / "feedback" / s / ASSIGNMENT).glob("*.html"))) == 5 for s in STUDENTS)
    assert "hidden cases 1, 2, 3: failed. Likely cause: the kernel was flipped" in " ".join(pages["buggy"].split())
    assert "seed hidden" in pages["reference"]
    hidden_values = _hidden_values()
    assert len(hidden_values) > 50  # the search has something to find
    for student, page in pages.items():
        leaked = sorted(text for text in _hidden_texts(convlab_results[student]) if text in page)
        assert leaked == [], (student, leaked[:3])
        assert sorted(v for v in hidden_values if v in page) == [], student
        assert str(SEED) not in page


def test_nbgrader_validate_passes_the_reference(course, tmp_path):
    folder = tmp_path / "reference"
    shutil.copytree(course / "submitted" / "reference" / ASSIGNMENT, folder)
    done = nbgrader(folder, "validate", "part4_pooling.ipynb")
    assert "Success! Your notebook passes all the tests." in done.stdout


# ---------------------------------------------------------------- part 6, an assignment of its own


def test_part6_gradebook_equals_convlab_and_leaves_the_written_questions_to_a_person(course, part6_results):
    from nbgrader.api import Gradebook

    gradebook = gradebook_scores(course, PART6, PART6_STUDENTS)
    written = CONFIG.assignment(PART6).written_points
    questions = {f"answer_{q}" for q in ("alexnet_input", "parameters", "receptive_fields", "residual", "invariance")}
    for student, result in part6_results.items():
        expected = {f"grade_{e.exercise_id}": (e.points, CONFIG.exercise(e.exercise_id).points) for e in result.exercises}
        expected.update({question: (0.0, written) for question in questions})  # not graded yet: nbgrader counts 0
        assert gradebook[student] == expected, student
    totals = {student: result.points for student, result in part6_results.items()}
    assert totals["reference"] == 100.0 and totals["stubs"] == 0.0
    lost = {e.exercise_id for e in part6_results["dense_assigns"].exercises if e.points < CONFIG.exercise(e.exercise_id).points}
    assert lost == {"dense_block"}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as book:
        reference = book.find_submission(PART6, "reference")
        assert reference.needs_manual_grade and reference.max_score == 100 + 5 * written


def test_part6_written_answers_reach_the_autograded_notebook_and_the_feedback(course):
    import nbformat

    answers = json.loads((course / "written_answers.json").read_text())
    graded = nbformat.read(course / "autograded" / "reference" / PART6 / f"{PART6_NOTEBOOK}.ipynb", as_version=4)
    assert {cell.metadata.nbgrader.grade_id: cell.source for cell in graded.cells if is_answer_cell(cell)} == answers
    page = html.unescape(" ".join((course / "feedback" / "reference" / PART6 / f"{PART6_NOTEBOOK}.html").read_text(encoding="utf-8").split()))
    assert all(text in page for text in answers.values()) and "seed hidden" in page and str(SEED) not in page


def test_part6_csv_rows_total_out_of_the_assignments_own_points(course, part6_results):
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle) if row["assignment"] == PART6 and row["student_id"] in PART6_STUDENTS}
    written = 5 * CONFIG.assignment(PART6).written_points
    for student, result in part6_results.items():
        assert (float(rows[student]["score"]), float(rows[student]["max_score"])) == (result.points, 100 + written)
