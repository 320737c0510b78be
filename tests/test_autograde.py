"""`convlab autograde` against serial `nbgrader autograde`, and both against `convlab batch`.

One course, three students, copied twice before anything is graded: real `nbgrader autograde`
grades one copy, `convlab autograde --jobs 2` the other. The students: the reference handed
in two days late, a flipped kernel that left out two notebooks, and the stubs. What must hold:

- the two gradebooks are the same, grade cell by grade cell (scores, maxima, manual-grading
  flags, comments, timestamps, late penalties);
- the autograded notebooks are the same cell by cell, outputs included, and so are the pages
  `nbgrader generate_feedback` writes from them;
- a rerun skips everyone; a student whose run was cut short is autograded again;
- `convlab batch` on the same submitted/ folder gives the same points per exercise, the
  notebooks left out included (the documented rule), and prints the same note;
- grading.toml's late policy takes the same penalty in nbgrader (the plugin, notebook by
  notebook), in `convlab batch` and in `convlab export`.

Cost: about 2 minutes (three students serially, then in parallel on two workers, and a batch).
"""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbcourse import environment, hand_in, make_course, nbgrader
from submissions import build_submission
from test_notebooks import ensure_kernel

from autograder.notebooks.course import ASSIGNMENT
from autograder.paths import GRADING_TOML, REFERENCE_DIR, REPO_ROOT
from samples.mistakes import BY_NAME

pytestmark = pytest.mark.slow

SEED = 987654321
# The bug zoo's flipped kernel: the reference with its kernel turned by 180 degrees.
FLIPPED_KERNEL = BY_NAME["conv_kernel_flipped"]
DUEDATE = "2026-12-01 23:59:00 UTC"
LATE_TABLE = '\n[late]\ndeadline = 2026-12-01T23:59:00+00:00\ngrace_minutes = 15\npenalty_per_day = 10\nmax_penalty = 50\n'
LEFT_OUT = ("part3_backward", "part5_lenet")
STUDENTS = ("late", "partial", "stubs")


def convlab(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, env=environment(SEED), capture_output=True, text=True, timeout=1800)


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    ensure_kernel()
    base = tmp_path_factory.mktemp("autograde")
    policy = base / "grading.toml"
    policy.write_text(GRADING_TOML.read_text() + LATE_TABLE)
    serial = make_course(base / "serial", extra_config=f"\nc.ConvlabLatePenalty.grading_toml = {str(policy)!r}\n")
    nbgrader(serial, "db", "assignment", "add", ASSIGNMENT, f"--duedate={DUEDATE}")
    buggy = build_submission(base / "buggy", {FLIPPED_KERNEL.module: list(FLIPPED_KERNEL.replacements)})
    hand_in(serial, "late", REFERENCE_DIR, timestamp="2026-12-03 20:00:00.000000 UTC")  # 1 day 20 h 1 min late: 2 started days, 20 %
    hand_in(serial, "partial", buggy, leave_out=LEFT_OUT, timestamp="2026-12-01 12:00:00.000000 UTC")
    hand_in(serial, "stubs", None)
    parallel = base / "parallel"
    shutil.copytree(serial, parallel)
    (parallel / "nbgrader_config.py").write_text((serial / "nbgrader_config.py").read_text())
    nbgrader(serial, "autograde", ASSIGNMENT, seed=SEED)
    run = convlab("autograde", str(parallel), "--jobs", "2")
    assert run.returncode == 0, run.stderr[-5000:]
    for course in (serial, parallel):
        nbgrader(course, "generate_feedback", ASSIGNMENT)
    return serial, parallel, run, policy


def gradebook_rows(course: Path) -> dict:
    from nbgrader.api import Gradebook

    rows = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for submission in gradebook.assignment_submissions(ASSIGNMENT):
            rows[submission.student_id] = {
                "timestamp": submission.timestamp,
                "penalty": submission.late_submission_penalty,
                "notebooks": {
                    notebook.name: (
                        notebook.late_submission_penalty,
                        sorted((g.name, g.auto_score, g.manual_score, g.max_score, g.needs_manual_grade) for g in notebook.grades),
                        sorted((c.name, c.auto_comment, c.manual_comment) for c in notebook.comments),
                    )
                    for notebook in submission.notebooks
                },
            }
    return rows


def test_gradebooks_are_the_same_grade_cell_by_grade_cell(courses):
    serial, parallel, _, _ = courses
    expected = gradebook_rows(serial)
    assert sorted(expected) == sorted(STUDENTS)
    assert gradebook_rows(parallel) == expected


def notebook_cells(path: Path) -> list:
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    return [(cell.cell_type, cell.source, cell.metadata.get("nbgrader"), json.dumps(cell.get("outputs", []), sort_keys=True)) for cell in notebook.cells]


def test_autograded_notebooks_and_feedback_are_the_same(courses):
    serial, parallel, _, _ = courses
    notebooks = sorted(p.relative_to(serial) for p in (serial / "autograded").rglob("*.ipynb"))
    assert len(notebooks) == 5 + 3 + 5  # nbgrader writes no autograded copy of a notebook not handed in
    for relative in notebooks:
        assert notebook_cells(parallel / relative) == notebook_cells(serial / relative), relative
    pages = sorted(p.relative_to(serial) for p in (serial / "feedback").rglob("*.html"))
    assert pages == sorted(p.relative_to(parallel) for p in (parallel / "feedback").rglob("*.html")) and len(pages) == 13
    for relative in pages:
        assert (parallel / relative).read_bytes() == (serial / relative).read_bytes(), relative


def test_the_command_reports_notebooks_left_out_and_resumes(courses):
    _, parallel, run, _ = courses
    for notebook, exercises in (("part3_backward", "rot180, dilate, conv2d_backward"), ("part5_lenet", "softmax_cross_entropy, lenet")):
        assert f"convlab autograde: partial: {notebook}.ipynb was not handed in: its exercises ({exercises}) score 0, as nbgrader gives them." in run.stderr
    assert "3 students of cnn; 0 already autograded; 3 autograded, 0 failed on 2 workers" in run.stderr
    again = convlab("autograde", str(parallel), "--jobs", "2")
    assert again.returncode == 0 and "3 students of cnn; 3 already autograded; 0 autograded" in again.stderr
    before = gradebook_rows(parallel)["stubs"]
    (parallel / ".convlab" / "autograde" / ASSIGNMENT / "stubs.json").unlink()  # as if killed while grading stubs
    cut = convlab("autograde", str(parallel), "--jobs", "2")
    assert cut.returncode == 0 and "3 students of cnn; 2 already autograded; 1 autograded" in cut.stderr
    assert gradebook_rows(parallel)["stubs"] == before


def test_nbgrader_batch_and_export_agree_on_points_and_late_penalty(courses, tmp_path):
    serial, _, _, policy = courses
    results = tmp_path / "RESULTS"
    batch = convlab("batch", str(serial), "--out", str(results), "--seed", str(SEED), "--jobs", "2", "--config", str(policy))
    assert batch.returncode == 0, batch.stderr[-3000:]
    rows = {row["student"]: row for row in csv.DictReader(io.StringIO((results / "grades.csv").read_text()))}
    gradebook = gradebook_rows(serial)
    for student in STUDENTS:
        cells = {name.removeprefix("grade_"): score for _, grades, _ in gradebook[student]["notebooks"].values() for name, score, *_ in grades}
        assert {exercise: float(rows[student][exercise]) for exercise in cells} == pytest.approx(cells), student
    assert "part3_backward.ipynb was not handed in: its exercises (rot180, dilate, conv2d_backward) score 0, as nbgrader gives them." in rows["partial"]["notes"]
    late = rows["late"]
    assert (late["submitted_at"], late["days_late"], float(late["raw_points"]), float(late["penalty"]), float(late["final_points"])) == (
        "2026-12-03T20:00:00+00:00", "2", 100.0, 20.0, 80.0)
    assert gradebook["late"]["penalty"] == pytest.approx(20.0) and gradebook["partial"]["penalty"] == 0
    out = tmp_path / "grades.csv"
    export = convlab("export", str(serial), "--format", "csv", "--out", str(out), "--config", str(policy))
    assert export.returncode == 0, export.stderr
    exported = {row["student"]: row for row in csv.DictReader(io.StringIO(out.read_text()))}
    assert (exported["late"]["penalty"], exported["late"]["final_points"], exported["late"]["days_late"]) == ("20", "80", "2")
    assert float(exported["partial"]["raw_points"]) == pytest.approx(float(rows["partial"]["raw_points"]))


# --- the feedback pages: offline math, text alternatives, tracebacks ------------------------------------

ANSI = __import__("re").compile(r"\x1b\[[0-9;]*m")


def feedback_pages(course: Path, student: str) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted((course / "feedback" / student / ASSIGNMENT).glob("*.html"))}


def test_feedback_pages_need_no_network_and_describe_every_image(courses):
    import html
    import re

    from autograder.notebooks.build import context, part_assignment
    from autograder.notebooks.parts import parts
    from autograder.config import load_config

    config = load_config()
    alts = {cell.alt for part in parts() if part_assignment(part, config) == ASSIGNMENT
            for cell in part.body(context(config)) if cell.alt}
    assert len(alts) == 12
    serial = courses[0]
    seen_alts, maths = set(), 0
    for student in STUDENTS:
        for name, page in feedback_pages(serial, student).items():
            assert re.findall(r"<script[^>]*\bsrc=", page) == [], (student, name)  # no MathJax, nothing fetched
            assert "cdnjs" not in page and "MathJax" not in page
            maths += page.count("<math ")
            assert not re.search(r"\$[A-Za-z\\][^$<]*\$", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page, flags=re.S)), (student, name)  # no TeX left
            for tag in re.findall(r"<img\b[^>]*>", page):
                alt = re.search(r'alt="([^"]*)"', tag)
                assert alt and html.unescape(alt.group(1)) in alts, (student, name, tag[:120])
                seen_alts.add(alt.group(1))
    assert maths > 40 and len(seen_alts) >= 10
    assert "K_H \\times K_W" not in feedback_pages(serial, "late")["part1_sizes_and_forward"]


def test_tracebacks_name_the_students_file_and_line_and_no_grader_path(courses):
    import nbformat

    serial = courses[0]
    errors = []
    for path in sorted((serial / "autograded" / "stubs" / ASSIGNMENT).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            errors += [ANSI.sub("", "\n".join(o.traceback)) for o in cell.get("outputs", []) if o.output_type == "error"]
    assert len(errors) >= 5
    text = "\n".join(errors)
    assert "StudentCodeError: conv1d_full not implemented: NotImplementedError:" in text
    assert "(in assignments/warmup.py, line " in text
    for leak in ("autograder/", "site-packages", str(REPO_ROOT), "isolated.py", "/tmp/"):
        assert leak not in text, leak
    pages = " ".join(feedback_pages(serial, "stubs").values())
    assert "in assignments/warmup.py, line " in pages and "isolated.py" not in pages and str(REPO_ROOT) not in pages
