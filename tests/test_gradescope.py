"""The Gradescope autograder: the zip `convlab gradescope` builds, run for real in Gradescope's layout.

Fast tests check the zip's contents, the metadata reader and the late rule with hand-made
inputs. The slow test lays out Gradescope's tree under a temporary $AUTOGRADER_ROOT (source/
unpacked from the zip, submission/, submission_metadata.json, results/), runs the zip's
setup.sh once in a fresh virtual environment, and then its run_autograder on the reference
(on time, late, and late after an on-time submission), the stubs, an empty upload, an upload
without a single module, a hostile upload, a zip whose seed is gone and a venv that cannot
start. Every results.json is validated against tests/schemas/gradescope_results.schema.json,
written from Gradescope's documentation. Cost: one venv (numpy and the torch wheel; about a
minute) and nine runs of a few seconds each.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder.gradescope.metadata import read_metadata
from autograder.gradescope.package import TORCH_VERSION, build_zip, requirements_text
from autograder.gradescope.run import failure_document, late_score
from autograder.grades.late import parse_late_table
from autograder.grades.policy import Assignment, GradePolicy
from autograder.paths import GRADING_TOML, REFERENCE_DIR, ASSIGNMENTS_DIR, STUDENT_MODULES
from autograder.report.gradescope import gradescope_results
from autograder.results import CaseResult, CheckResult, ExerciseResult, SubmissionResult
from autograder.sandbox.isolation import settings

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "gradescope_results.schema.json").read_text())
SEED = 731_204_559_001
LATE_POLICY = "\n[late]\ndeadline = 2026-12-01T23:59:00+01:00\ngrace_minutes = 15\npenalty_per_day = 10\nmax_penalty = 50\n"
SETUP_SECONDS = 900
RUN_SECONDS = 600


def validate(document: dict) -> None:
    import jsonschema

    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft202012Validator)


def test_the_schema_refuses_what_gradescope_would_not_read():
    import jsonschema

    validate({"score": 1, "tests": [{"name": "a", "score": 1, "max_score": 1, "visibility": "after_published"}]})
    for bad in ({"tests": [{"name": "no score anywhere"}]}, {"score": 1, "visibility": "later"}, {"score": 1, "leaderboard": [{"name": "x"}]}, {"score": "1"}, {"score": 1, "scores": 2}):
        with pytest.raises(jsonschema.ValidationError):
            validate(bad)


def small_result() -> SubmissionResult:
    return SubmissionResult(
        submission="submission", seed=SEED, seed_kind="hidden",
        exercises=[
            ExerciseResult("relu", "ReLU", checks=[CheckResult("forward", "forward", 4.0, [CaseResult("case 1", True), CaseResult("hidden case 1", False, "no", hidden=True)])]),
            ExerciseResult("lenet", "LeNet", checks=[CheckResult("forward", "forward", 6.0, [CaseResult("case 1", True)])]),
        ],
    )


def test_reporter_and_failure_documents_are_valid():
    validate(gradescope_results(small_result()))
    validate(failure_document("en"))
    validate(failure_document("zh"))
    assert "not in your code" in failure_document("en")["output"]


def test_metadata_is_read_defensively(tmp_path):
    path = tmp_path / "submission_metadata.json"
    path.write_text(json.dumps({
        "created_at": "2026-12-02T10:00:00.000000-08:00",
        "assignment": {"due_date": "2026-12-01T23:00:00.000000-08:00", "late_due_date": None},
        "users": [{"email": "ada@example.edu", "id": 1234, "name": "Ada"}],
        "previous_submissions": [{"submission_time": "2026-12-01T10:00:00-08:00", "score": 7.5, "results": {}},
                                 {"submission_time": "2026-12-01T11:00:00-08:00", "score": 0.0, "autograder_error": True}],
    }))
    meta = read_metadata(path)
    assert (meta.created_at, meta.due_date, meta.students, meta.previous) == (
        "2026-12-02T10:00:00.000000-08:00", "2026-12-01T23:00:00.000000-08:00", ("ada@example.edu", "1234"), [("2026-12-01T10:00:00-08:00", 7.5)])
    path.write_text("[1, 2]")
    assert read_metadata(path).problem.endswith("not a JSON object") and read_metadata(tmp_path / "none.json").created_at is None


def test_late_score_from_metadata_and_previous_submissions():
    from autograder.gradescope.metadata import Metadata

    policy = GradePolicy((Assignment("cnn", ("relu", "lenet")),), parse_late_table({"deadline": "2026-12-01T23:59:00+01:00", "penalty_per_day": 10, "extensions": {"ada@example.edu": 2}}))
    result = small_result()  # relu 2 of 4 (one hidden case of two failed), lenet 6: 8 points
    on_time = Metadata(created_at="2026-12-01T20:00:00+01:00", students=("bob@example.edu", "7"))
    assert late_score(result, policy, on_time, "en") == (8.0, "Submitted on time (deadline 2026-12-01T23:59:00+01:00).")
    late = Metadata(created_at="2026-12-03T20:00:00+01:00", students=("bob@example.edu", "7"))
    score, line = late_score(result, policy, late, "en")
    assert score == 6.4 and "2 started day(s) late, so 20% of your points are taken off: 8 - 1.6 = 6.4 points." in line
    extended = Metadata(created_at="2026-12-03T20:00:00+01:00", students=("ada@example.edu", "8"))
    assert late_score(result, policy, extended, "en")[0] == 8.0
    kept = Metadata(created_at="2026-12-03T20:00:00+01:00", students=("bob@example.edu",), previous=[("2026-12-01T20:00:00+01:00", 8.5), ("2026-12-02T20:00:00+01:00", 9.0)])
    score, line = late_score(result, policy, kept, "en")
    assert score == 8.5 and "your best on-time submission scored 8.5" in line
    no_deadline = GradePolicy(policy.assignments)
    due = Metadata(created_at="2026-12-03T20:00:00+01:00", due_date="2026-12-02T23:59:00+01:00", students=("bob@example.edu",))
    assert late_score(result, no_deadline, due, "en") == (8.0, "")  # Gradescope's due date, but no penalty in grading.toml


def test_zip_holds_the_grader_pinned_requirements_and_no_solution(tmp_path):
    summary = build_zip(tmp_path / "autograder.zip", SEED, GRADING_TOML)
    with zipfile.ZipFile(summary.path) as archive:
        names = archive.namelist()
        modes = {info.filename: stat.S_IMODE(info.external_attr >> 16) for info in archive.infolist()}
        texts = {name: archive.read(name) for name in names}
    assert names[:2] == ["setup.sh", "run_autograder"] and modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert modes["hidden_seed"] == 0o600 and texts["hidden_seed"] == f"{SEED}\n".encode()
    assert texts["convlab/grading.toml"] == GRADING_TOML.read_bytes()
    from importlib.metadata import version

    pinned = "".join(f"{name}=={version(name).split('+')[0]}\n" for name in ("numpy", "rich", "markdown-it-py", "mdurl", "pygments"))
    assert texts["requirements.txt"].decode() == requirements_text() == pinned + f"torch=={TORCH_VERSION}\n"
    assert "convlab/autograder/gradescope/run.py" in names and not any(n.startswith(("reference/", "convlab/reference")) for n in names)
    assert not [n for n, data in texts.items() if b"### BEGIN SOLUTION" in data and n.endswith(".py") and "notebooks" not in n and "release" not in n]
    validate(json.loads(texts["fallback_results.json"]))


# --- Gradescope's layout, for real (slow) ----------------------------------------------------------


class Tree:
    """$AUTOGRADER_ROOT laid out as Gradescope lays it out, with the zip unpacked in source/."""

    def __init__(self, root: Path, zip_path: Path):
        self.root, self.zip_path = root, zip_path
        self.source = root / "source"
        self.source.mkdir(parents=True)
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(self.source)
            for info in archive.infolist():  # zipfile does not restore permissions
                os.chmod(self.source / info.filename, stat.S_IMODE(info.external_attr >> 16))
        shutil.copy2(self.source / "run_autograder", root / "run_autograder")  # Gradescope copies it there

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CONVLAB_", "VIRTUAL_ENV", "PYTHON"))}
        env["AUTOGRADER_ROOT"] = str(self.root)
        return env

    def setup(self) -> subprocess.CompletedProcess:
        env = {**self.env(), "CONVLAB_TORCH_INDEX": ""}  # this machine's pip configuration only
        return subprocess.run(["bash", str(self.source / "setup.sh")], cwd=self.source, env=env, capture_output=True, text=True, timeout=SETUP_SECONDS)

    def run(self, files: dict[str, bytes], metadata: dict | None, *, seed: bool = True) -> tuple[dict, str, float]:
        """Hand in files, run run_autograder; (results.json, its stdout, seconds)."""
        for folder in ("submission", "results"):
            shutil.rmtree(self.root / folder, ignore_errors=True)
        (self.root / "submission").mkdir()
        for name, data in files.items():
            path = self.root / "submission" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (self.root / "submission_metadata.json").unlink(missing_ok=True)
        if metadata is not None:
            (self.root / "submission_metadata.json").write_text(json.dumps(metadata))
        seed_path = self.source / "hidden_seed"
        seed_path.unlink(missing_ok=True)
        if seed:  # each Gradescope run starts from the image, which still holds the seed
            with zipfile.ZipFile(self.zip_path) as archive:
                seed_path.write_bytes(archive.read("hidden_seed"))
            seed_path.chmod(0o600)
        started = time.perf_counter()
        done = subprocess.run([str(self.root / "run_autograder")], cwd=self.root, env=self.env(), capture_output=True, text=True, timeout=RUN_SECONDS)
        seconds = time.perf_counter() - started
        assert done.returncode == 0, done.stdout + done.stderr
        document = json.loads((self.root / "results" / "results.json").read_text())
        validate(document)
        assert not seed_path.exists()  # read and deleted before any student code ran
        return document, done.stdout + done.stderr, seconds


def metadata(created_at: str, previous: list | None = None) -> dict:
    return {
        "id": 1, "created_at": created_at,
        "assignment": {"due_date": "2026-12-01T23:59:00.000000+01:00", "late_due_date": None, "title": "CNN", "total_points": "100.0"},
        "submission_method": "upload",
        "users": [{"email": "s001@example.edu", "id": 42, "name": "Student One"}],
        "previous_submissions": previous or [],
    }


def folder_files(folder: Path, prefix: str = "") -> dict[str, bytes]:
    return {f"{prefix}{module}.py": (folder / f"{module}.py").read_bytes() for module in STUDENT_MODULES}


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    base = tmp_path_factory.mktemp("gradescope")
    config = base / "grading.toml"
    config.write_text(GRADING_TOML.read_text() + LATE_POLICY)
    zip_path = base / "autograder.zip"
    built = subprocess.run([sys.executable, "-m", "autograder", "gradescope", str(zip_path), "--config", str(config),
                            "--assignment", "cnn"],
                           env={**os.environ, "CONVLAB_SEED": str(SEED)}, capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    tree = Tree(base / "autograder", zip_path)
    setup = tree.setup()
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    assert f"torch=={TORCH_VERSION}" in setup.stdout
    return tree


@pytest.mark.slow
def test_reference_on_time_late_and_kept(tree):
    document, log, seconds = tree.run(folder_files(REFERENCE_DIR), metadata("2026-12-01T20:00:00+01:00"))
    print(f"run_autograder on the reference: {seconds:.1f} s; zip {tree.zip_path.stat().st_size} bytes")
    assert document["score"] == 100.0 and document["leaderboard"] == [{"name": "Total", "value": 100.0}]
    assert document["output"].startswith("Submitted on time (deadline 2026-12-01T23:59:00+01:00).")
    assert sum(t["score"] for t in document["tests"]) == pytest.approx(100.0)
    assert {t["visibility"] for t in document["tests"]} == {"visible"}
    assert str(SEED) not in json.dumps(document) + log
    assert f"convlab: isolation level {settings('auto').level}\n" in log  # the strongest the container gives
    late, _, _ = tree.run(folder_files(REFERENCE_DIR, "assignments/"), metadata("2026-12-03T20:00:00+01:00"))
    assert late["score"] == 80.0 and "2 started day(s) late, so 20% of your points are taken off: 100 - 20 = 80 points." in late["output"]
    kept, _, _ = tree.run(folder_files(REFERENCE_DIR), metadata("2026-12-03T20:00:00+01:00", [{"submission_time": "2026-12-01T10:00:00+01:00", "score": 91.5, "results": {}}]))
    assert kept["score"] == 91.5 and kept["leaderboard"] == [{"name": "Total", "value": 91.5}]


@pytest.mark.slow
def test_stubs_and_broken_uploads_score_zero_with_a_reason(tree):
    stubs, _, _ = tree.run(folder_files(ASSIGNMENTS_DIR), metadata("2026-12-01T20:00:00+01:00"))
    assert stubs["score"] == 0.0 and "not implemented yet" in json.dumps(stubs["tests"])
    empty, _, _ = tree.run({}, metadata("2026-12-01T20:00:00+01:00"))
    assert empty["score"] == 0.0 and "About your upload:\n- the submission is empty: it holds no files" in empty["output"]
    stray, _, _ = tree.run({"report.docx": b"PK\x03\x04 not a module"}, None)
    assert stray["score"] == 0.0 and "none of the student modules (warmup.py, sizes.py" in stray["output"]
    assert "Submitted" not in stray["output"]  # no metadata: nothing said about lateness


@pytest.mark.slow
def test_hostile_upload_can_neither_read_the_seed_nor_forge_results(tree):
    attack = (
        "import pathlib\n"
        f"for base in (pathlib.Path({str(tree.root)!r}), pathlib.Path('/autograder')):\n"
        "    try:\n"
        "        stolen = (base / 'source' / 'hidden_seed').read_text()\n"
        "    except Exception as error:\n"
        "        stolen = 'nothing'\n"
        "    try:\n"
        "        (base / 'results' / 'results.json').write_text('{\"score\": 1000, \"output\": \"forged ' + stolen.strip() + '\"}')\n"
        "    except Exception:\n"
        "        pass\n"
    )
    files = folder_files(REFERENCE_DIR)
    files["warmup.py"] = attack.encode() + files["warmup.py"]
    files["../escape.py"] = b"x = 1\n"  # Gradescope never unpacks this, but a folder may hold odd names
    document, log, _ = tree.run({k: v for k, v in files.items() if not k.startswith("..")}, metadata("2026-12-01T20:00:00+01:00"))
    assert document["score"] == 100.0 and "forged" not in json.dumps(document)
    assert str(SEED) not in json.dumps(document) + log


@pytest.mark.slow
def test_a_grader_that_cannot_run_still_writes_results(tree):
    no_seed, log, _ = tree.run(folder_files(REFERENCE_DIR), None, seed=False)
    assert no_seed["score"] == 0.0 and no_seed["output"] == failure_document("en")["output"]
    assert "no hidden seed at" in log
    python = tree.root / "convlab-venv" / "bin" / "python"
    moved = python.with_name("python.away")
    python.rename(moved)
    try:
        broken, log, _ = tree.run(folder_files(REFERENCE_DIR), None, seed=False)
    finally:
        moved.rename(python)
    assert broken == json.loads((tree.source / "fallback_results.json").read_text())
    assert "without writing" in log
