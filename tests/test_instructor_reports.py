"""`convlab similarity` and `convlab misconceptions`: instructor reports built from a batch's RESULTS.

The RESULTS folders are written by the batch's own storage code (batch.run.store_outcome),
so the reports read exactly what `convlab batch` writes. Similarity compares real code:
the reference, the three independent solutions of tests/correct/ (loops, im2col, float32)
and disguised copies (variables renamed, functions reordered, reformatted).
"""
from __future__ import annotations

import ast
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.batch.discover import FOLDER, Submission
from autograder.batch.intake import Intake
from autograder.batch.run import store_outcome
from autograder.batch.store import RunFingerprint, write_manifest
from autograder.batch.worker import GradeOutcome
from autograder.instructor.labels import LABELS
from autograder.messages import catalog
from autograder.paths import REFERENCE_DIR, REPO_ROOT, STUDENT_MODULES
from autograder.results import CaseResult, CheckResult, ExerciseResult, SubmissionResult

CORRECT = REPO_ROOT / "tests" / "correct"
RUN = RunFingerprint("scrypt:" + "ab" * 32, "hidden", "0.1.0", "sha256:" + "cd" * 32, "en")
NOT_WRITTEN = catalog("en").text("call.not_implemented")


def run_convlab(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)


def modules(folder: Path) -> dict[str, bytes]:
    return {f"{m}.py": (folder / f"{m}.py").read_bytes() for m in STUDENT_MODULES}


def disguised(files: dict[str, bytes]) -> dict[str, bytes]:
    """A near-copy: every local variable and argument renamed, top-level functions in reverse order, reformatted."""
    out = {}
    for name, data in files.items():
        tree = ast.parse(data.decode())
        renamed: dict[str, str] = {}
        for function in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
            for node in ast.walk(function):
                if isinstance(node, ast.arg):
                    renamed.setdefault(node.arg, f"my_{node.arg}_value")
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    renamed.setdefault(node.id, f"my_{node.id}_value")
        for node in ast.walk(tree):
            if isinstance(node, ast.arg) and node.arg in renamed:
                node.arg = renamed[node.arg]
            elif isinstance(node, ast.Name) and node.id in renamed:
                node.id = renamed[node.id]
        functions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        others = [n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        tree.body = others + functions[::-1]
        out[name] = ast.unparse(tree).encode()
    return out


def exercise(exercise_id: str, cases: list[CaseResult], points: float = 10.0) -> ExerciseResult:
    return ExerciseResult(exercise_id, catalog("en").text(f"exercise.{exercise_id}"), [CheckResult("all", "all cases", points, cases)])


def store(folder: Path, submissions: list[tuple[str, dict[str, bytes], list[ExerciseResult], str | None]]) -> Path:
    """RESULTS as `convlab batch` writes it: (student, files, exercises, pseudonym.txt) each."""
    entries = []
    for student, files, exercises, choice in submissions:
        result = SubmissionResult(submission=student, seed=1, seed_kind="hidden", exercises=exercises, grader_version="0.1.0")
        submission = Submission(student, student, folder / student, FOLDER, student, "2024-03-01T10:00:00+00:00")
        intake = Intake(files=files, pseudonym_choice=choice)
        assert store_outcome(folder, submission, intake, intake.fingerprint, RUN, GradeOutcome(student, result=result), "en") == "graded"
        entries.append({"key": student, "name": student})
    write_manifest(folder, {**RUN.as_dict(), "shard": None, "discovered": len(entries), "submissions": entries, "finished": True})
    return folder


PASSING = [exercise("conv2d_forward", [CaseResult("case 1", True)])]


# --- similarity ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def similarity_results(tmp_path_factory):
    root = tmp_path_factory.mktemp("similarity")
    reference = modules(REFERENCE_DIR)
    course = [
        ("ref-author", reference, PASSING, None),
        ("copier", disguised(reference), PASSING, None),
        ("loops-author", modules(CORRECT / "loops"), PASSING, None),
        ("loops-copier", disguised(modules(CORRECT / "loops")), PASSING, None),
        ("im2col-author", modules(CORRECT / "im2col"), PASSING, None),
        ("float32-author", modules(CORRECT / "float32"), PASSING, None),
    ]
    return store(root / "RESULTS", course), root


def test_near_copies_rank_above_independent_solutions(similarity_results):
    results, root = similarity_results
    done = run_convlab("similarity", results, "--out", root / "report")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO((root / "report" / "pairs.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 15  # every pair of six students
    copies = {frozenset({"ref-author", "copier"}), frozenset({"loops-author", "loops-copier"})}
    ranked = [frozenset({row["submission_a"], row["submission_b"]}) for row in rows]
    assert set(ranked[:2]) == copies, rows[:4]
    shares = [float(row["share"]) for row in rows]
    assert shares == sorted(shares, reverse=True)
    assert min(shares[:2]) >= 0.8 and max(shares[2:]) < 0.5 and min(shares[:2]) > 2 * max(shares[2:]), shares


def test_the_stub_text_and_docstrings_do_not_count(similarity_results, tmp_path):
    from autograder.release import render_assignments

    stubs = {name: text.encode() for name, text in render_assignments().items() if name[:-3] in STUDENT_MODULES}
    # Two students who handed in the untouched stubs share every line, yet nothing they wrote.
    results = store(tmp_path / "RESULTS", [("stub-a", stubs, PASSING, None), ("stub-b", stubs, PASSING, None), ("author", modules(REFERENCE_DIR), PASSING, None)])
    done = run_convlab("similarity", results, "--out", tmp_path / "report")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "report" / "pairs.csv").read_text(encoding="utf-8"))))
    assert all(float(row["share"]) < 0.05 for row in rows), rows


def test_the_report_shows_pairs_side_by_side_and_is_never_published(similarity_results, tmp_path):
    results, root = similarity_results
    page = (root / "report" / "index.html").read_text(encoding="utf-8")
    assert 'content="noindex, nofollow"' in page and LABELS["en"]["instructors_only"] in page
    first = page.split('<section id="pair-1">', 1)[1].split("</section>", 1)[0]
    assert first.count("<pre>") == 2 and first.count("<mark>") >= 2
    assert "import numpy as np" in first and '"""' not in first  # docstrings removed
    # Never inside (or around) a scoreboard site; the scoreboard refuses a report folder too.
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html></html>")
    (site / "scoreboard.json").write_text("{}")
    inside = run_convlab("similarity", results, "--out", site / "similar")
    assert inside.returncode == 2 and "lies inside the scoreboard site" in inside.stderr
    board = run_convlab("scoreboard", results, "--out", root / "report", "--pseudonyms", tmp_path / "map.json")
    assert board.returncode == 2 and "holds an instructor report" in board.stderr


# --- misconceptions --------------------------------------------------------------------------------------


def case(name: str, diagnosis: str | None = None, message: str = "expected -1, got 16") -> CaseResult:
    return CaseResult(name, False, message=message, diagnosis=diagnosis, hidden=name.startswith("hidden"))


def misconception_course(root: Path) -> Path:
    flipped = [case("lecture example 1", "kernel_flipped", "expected -1, got 16. Likely cause: the kernel was flipped")]
    return store(root / "RESULTS", [
        ("s1", {}, [exercise("conv2d_forward", flipped + [case("hidden case 2", "kernel_flipped")]), exercise("max_pool", [CaseResult("c", True)])], "Kernel Fan"),
        ("s2", {}, [exercise("conv2d_forward", flipped), exercise("max_pool", [case("hidden case 1", "max_pool_overwrite"), case("hidden case 2")])], None),
        ("s3", {}, [exercise("conv2d_forward", [case("lecture example 1", "bias_missing"), case("hidden case 4")]), exercise("max_pool", [case("c", message=NOT_WRITTEN)])], None),
        ("s4", {}, [exercise("conv2d_forward", [CaseResult("c", True)]), exercise("max_pool", [CaseResult("c", True)])], "opt-out"),
    ])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_misconceptions_rank_named_mistakes_per_exercise(tmp_path, lang):
    results = misconception_course(tmp_path)
    private = tmp_path / "private" / "pseudonyms.json"
    done = run_convlab("misconceptions", results, "--out", tmp_path / "report", "--pseudonyms", private, "--lang", lang)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "report" / "misconceptions.csv").read_text(encoding="utf-8"))))
    mapping = json.loads(private.read_text())["pseudonyms"]
    assert [(r["exercise"], r["mistake"], r["students"]) for r in rows] == [
        ("conv2d_forward", "kernel_flipped", "2"),
        ("conv2d_forward", "bias_missing", "1"),
        ("max_pool", "max_pool_overwrite", "1"),
    ]
    assert rows[0]["pseudonyms"].split("; ") == sorted(["Kernel Fan", mapping["s2"]])
    assert "s1" not in (tmp_path / "report" / "misconceptions.csv").read_text()  # pseudonyms, never ids
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    explanation = catalog(lang).text("mistake.kernel_flipped")
    assert explanation in page and LABELS[lang]["instructors_only"] in page
    assert page.count("<svg") == 2  # one bar chart per exercise with a named mistake
    # Failed cases no named mistake explains: conv2d_forward 1 of 5, max_pool 1 of 2 (the unwritten one apart).
    assert LABELS[lang]["unexplained"].format(share="20 %", unexplained=1, failed=5) in page
    assert LABELS[lang]["unexplained"].format(share="50 %", unexplained=1, failed=2) in page
    assert LABELS[lang]["not_written"].format(count=1) in page
    example = tmp_path / "report" / "examples" / "conv2d_forward-kernel_flipped.html"
    assert 'href="examples/conv2d_forward-kernel_flipped.html"' in page
    text = example.read_text(encoding="utf-8")
    assert "expected -1, got 16. Likely cause: the kernel was flipped" in text
    assert "s1" not in text and "s2" not in text.replace(mapping["s2"], "")


def test_misconceptions_refuse_a_site_folder(tmp_path):
    results = misconception_course(tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html></html>")
    (site / "scoreboard.json").write_text("{}")
    done = run_convlab("misconceptions", results, "--out", site, "--pseudonyms", tmp_path / "map.json")
    assert done.returncode == 2 and "never published" in done.stderr
