"""`convlab batch` and `convlab merge`: a whole course, graded in parallel, resumable, sharded, on Dask.

Fast tests check the parts alone (discovery, intake of hostile uploads, shards,
fingerprints, the CSV). Slow tests grade real submissions with the real engine:
a course of good, wrong and broken uploads; a batch killed with SIGKILL and rerun;
shards merged (and refused when they do not belong together); and the same
course on a real local Dask cluster.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder import cli
from autograder.batch.discover import FOLDER, OTHER, ZIP, DiscoveryError, discover, printable_name, result_key
from autograder.batch.export import grades_csv
from autograder.batch.fingerprint import payload_fingerprint, seed_fingerprint
from autograder.batch.intake import MAX_TOTAL_BYTES, read_submission
from autograder.batch.progress import Progress, format_duration
from autograder.batch.shard import Shard, parse_shard
from autograder.batch.store import RunFingerprint, is_current, sweep_temporary_files
from autograder.paths import REFERENCE_DIR, REPO_ROOT, STUDENT_MODULES
from submissions import build_submission

SEED = "424242"
OTHER_SEED = "777777"
SUBPROCESS_SECONDS = 600
# The rows `convlab` needs in autograder/cli.py's SUBCOMMANDS; the driver adds them when missing.
BATCH_ROWS = {
    "batch": ("autograder.commands.batch", "batch", "grade a whole course in parallel (resumable, sharded, or on Dask)"),
    "merge": ("autograder.commands.batch", "merge", "join the RESULTS folders of a batch's shards"),
    "scoreboard": ("autograder.commands.scoreboard", "scoreboard", "build the static scoreboard site from batch results"),
}
DRIVER = (
    "import sys\n"
    "from autograder import cli\n"
    f"for name, row in {BATCH_ROWS!r}.items():\n"
    "    cli.SUBCOMMANDS.setdefault(name, row)\n"
    "sys.exit(cli.main(sys.argv[1:]))\n"
)


def convlab_command(*args: str) -> list[str]:
    return [sys.executable, "-c", DRIVER, *map(str, args)]


def run_convlab(*args, timeout: int = SUBPROCESS_SECONDS) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CONVLAB_SEED"}
    return subprocess.run(convlab_command(*args), cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def make_zip(path: Path, entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, target)
    return path


def reference_files(prefix: str = "") -> dict[str, bytes]:
    return {f"{prefix}{p.name}": p.read_bytes() for p in sorted(REFERENCE_DIR.glob("*.py"))}


def zip_bomb(path: Path, megabytes: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("warmup.py", "w", force_zip64=True) as handle:
            chunk = b"\0" * (1 << 20)
            for _ in range(megabytes):
                handle.write(chunk)
    return path


def test_cli_table_lists_the_batch_commands():
    for name, row in BATCH_ROWS.items():
        assert cli.SUBCOMMANDS.get(name, (None, None))[:2] == row[:2], f"autograder/cli.py SUBCOMMANDS needs the row {name!r}: {row}"


# --- discovery -----------------------------------------------------------------------------------


def test_discover_plain_layout_sorts_and_classifies(tmp_path):
    (tmp_path / "bob").mkdir()
    make_zip(tmp_path / "alice.zip", {"warmup.py": b""})
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / ".DS_Store").write_text("")
    (tmp_path / "carol").mkdir()
    make_zip(tmp_path / "carol.zip", {"warmup.py": b""})
    found = discover(tmp_path)
    assert [(s.name, s.kind, s.key) for s in found] == [
        ("alice", ZIP, "alice"),
        ("bob", FOLDER, "bob"),
        ("carol", FOLDER, "carol"),
        ("carol.zip", ZIP, "carol.zip"),
        ("notes.txt", OTHER, "notes.txt"),
    ]


def test_odd_names_get_safe_distinct_keys():
    names = ["Zoë Ünïcode", "Zoe Unicode", "a/b", "new\nline", "..", "-rf", os.fsdecode(b"caf\xe9")]
    keys = [result_key(n) for n in names]
    assert len(set(keys)) == len(keys)
    for key in keys:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", key), key
        assert key not in (".", "..")
    assert result_key("alice_01") == "alice_01"
    assert printable_name("new\nline") == "new\\x0aline"
    assert printable_name(os.fsdecode(b"caf\xe9")) == "caf\ufffd"


def test_discover_nbgrader_layout(tmp_path):
    submitted = tmp_path / "course" / "submitted"
    for student in ("s001", "s002"):
        folder = submitted / student / "ps1"
        folder.mkdir(parents=True)
        (folder / "warmup.py").write_text("x = 1\n")
    (submitted / "s001" / "ps1" / "timestamp.txt").write_text("2024-03-01 12:34:56.123456 UTC\n")
    (submitted / "s003" / "ps2").mkdir(parents=True)
    with pytest.raises(DiscoveryError, match=r"several assignments \(ps1, ps2\): choose one with --assignment"):
        discover(tmp_path / "course")
    found = discover(tmp_path / "course", assignment="ps1")
    assert [(s.name, s.student, s.path.relative_to(tmp_path).as_posix()) for s in found] == [
        ("s001", "s001", "course/submitted/s001/ps1"),
        ("s002", "s002", "course/submitted/s002/ps1"),
    ]
    assert found[0].submitted_at == "2024-03-01T12:34:56+00:00"
    assert [s.name for s in discover(submitted, assignment="ps2")] == ["s003"]


# --- intake: what a student can upload ------------------------------------------------------------


def intake_of(path: Path):
    return read_submission(next(s for s in discover(path.parent) if s.path == path))


def test_zip_with_a_top_folder_is_rerooted(tmp_path):
    intake = intake_of(make_zip(tmp_path / "bob.zip", {**reference_files("bob/"), "bob/pseudonym.txt": b"\n  Conv Crusader \n"}))
    assert intake.refusal is None and intake.notes == []
    assert sorted(intake.files) == sorted(["pseudonym.txt", *reference_files()])
    assert intake.pseudonym_choice == "Conv Crusader"


def test_assignments_subfolder_is_found(tmp_path):
    build_submission(tmp_path / "carol" / "assignments")
    intake = intake_of(tmp_path / "carol")
    assert "conv_forward.py" in intake.files and not any(name.startswith("assignments/") for name in intake.files)


@pytest.mark.parametrize(
    "entry, shown",
    [("../evil.py", "../evil.py"), ("/etc/evil.py", "/etc/evil.py"), ("a/../../evil.py", "a/../../evil.py"), ("..\\..\\evil.py", "..\\..\\evil.py"), ("C:/evil.py", "C:/evil.py")],
)
def test_zip_paths_leaving_the_folder_refuse_the_zip(tmp_path, entry, shown):
    intake = intake_of(make_zip(tmp_path / "slip.zip", {**reference_files(), entry: b"print('x')"}))
    assert intake.refusal == f"the zip holds the entry '{shown}', whose path leaves the submission folder: re-create the zip from your folder"
    assert intake.files == {}


def test_zip_bomb_is_refused_from_its_header(tmp_path):
    intake = intake_of(zip_bomb(tmp_path / "bomb.zip", MAX_TOTAL_BYTES // (1 << 20) + 1))
    assert intake.refusal == "the zip would unpack to 68 MB, more than the 64 MB allowed (a zip bomb?)"


def test_highly_compressed_entry_is_refused(tmp_path):
    intake = intake_of(zip_bomb(tmp_path / "ratio.zip", 5))
    assert re.fullmatch(r"the zip entry 'warmup\.py' unpacks \d+x larger than it is packed \(a zip bomb\?\)", intake.refusal)


def test_zip_symlinks_are_left_out(tmp_path):
    files = reference_files()
    del files["conv_forward.py"]
    intake = intake_of(make_zip(tmp_path / "links.zip", files, symlinks={"conv_forward.py": "/work/main/reference/conv_forward.py"}))
    assert intake.refusal is None
    assert intake.notes == ["left out 'conv_forward.py': links in a zip are not followed"]
    assert "conv_forward.py" not in intake.files


def test_not_a_zip_and_not_a_folder(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    (tmp_path / "essay.docx").write_bytes(b"...")
    (tmp_path / "link").symlink_to(REFERENCE_DIR)
    intakes = {s.name: read_submission(s) for s in discover(tmp_path)}
    assert intakes["broken"].refusal.startswith("broken.zip is not a readable zip file (")  # a student's upload
    assert intakes["broken"].skip is None
    # Not submissions at all: skipped, never graded.
    assert (intakes["essay.docx"].skip, intakes["essay.docx"].refusal) == ("not a folder or a .zip file", None)
    assert intakes["link"].skip == "a link, not a folder or a .zip file"


def test_folder_links_outside_are_left_out_inside_are_read(tmp_path):
    folder = build_submission(tmp_path / "eve", omit=("conv_forward", "sizes"))
    (folder / "conv_forward.py").symlink_to(REFERENCE_DIR / "conv_forward.py")
    (folder / "sizes.py").symlink_to("warmup.py")
    (folder / "secrets").symlink_to("/etc", target_is_directory=True)
    intake = intake_of(folder)
    assert intake.notes == [
        "left out 'secrets': a link to a folder is not followed",
        "left out 'conv_forward.py': it is a link that points outside the submission",
    ]
    assert "conv_forward.py" not in intake.files
    assert intake.files["sizes.py"] == (folder / "warmup.py").read_bytes()


def test_odd_file_names_are_left_out_with_a_note(tmp_path):
    folder = build_submission(tmp_path / "odd")
    (folder / "new\nline.py").write_text("x = 1\n")
    os.close(os.open(os.path.join(os.fsencode(folder), b"caf\xe9.py"), os.O_CREAT | os.O_WRONLY, 0o644))
    (folder / "ça va.py").write_text("y = 2\n")
    intake = intake_of(folder)
    assert sorted(intake.notes) == [
        "left out 'caf\ufffd.py': its name holds control characters or bytes that are not UTF-8",
        "left out 'new\\x0aline.py': its name holds control characters or bytes that are not UTF-8",
    ]
    assert intake.files["ça va.py"] == b"y = 2\n"


def test_an_empty_folder_is_skipped_and_an_empty_zip_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "__pycache__").mkdir()
    make_zip(tmp_path / "hollow.zip", {})
    intakes = {s.name: read_submission(s) for s in discover(tmp_path)}
    assert (intakes["empty"].skip, intakes["empty"].refusal) == ("an empty folder: it holds no files", None)
    assert (intakes["hollow"].skip, intakes["hollow"].refusal) == (None, "the submission is empty: it holds no files")


def test_content_fingerprint_follows_the_files(tmp_path):
    folder = build_submission(tmp_path / "alice")
    first = intake_of(folder).fingerprint
    assert intake_of(folder).fingerprint == first
    (folder / "warmup.py").write_text((folder / "warmup.py").read_text() + "# edited\n")
    assert intake_of(folder).fingerprint != first
    assert payload_fingerprint({"a": b"bc"}) != payload_fingerprint({"ab": b"c"})


# --- shards, fingerprints, progress, CSV -------------------------------------------------------------


def test_parse_shard():
    assert parse_shard("2/4") == Shard(2, 4)
    assert parse_shard(" 1 / 1 ") == Shard(1, 1)
    for bad, message in [("0/4", "numbered from 1"), ("5/4", "between 1 and n"), ("2", "expects i/n"), ("a/b", "expects i/n")]:
        with pytest.raises(ValueError, match=message):
            parse_shard(bad)


@given(st.lists(st.text(min_size=1, max_size=8), unique=True, max_size=60), st.integers(1, 9))
def test_shards_partition_the_submissions(names, count):
    slices = [Shard(i, count).select(names, name=lambda n: n) for i in range(1, count + 1)]
    assert sorted(n for part in slices for n in part) == sorted(names)
    assert max(map(len, slices)) - min(map(len, slices)) <= 1
    assert slices == [Shard(i, count).select(list(reversed(names)), name=lambda n: n) for i in range(1, count + 1)]


def test_seed_fingerprint_compares_without_revealing():
    first = seed_fingerprint(424242)
    assert first == seed_fingerprint(424242) != seed_fingerprint(424243)
    assert first.startswith("scrypt:") and "424242" not in first


def test_stored_record_is_current_only_when_everything_matches(tmp_path):
    run = RunFingerprint("scrypt:aa", "hidden", "0.1.0", "sha256:cc", "en")
    folder = tmp_path / "submissions" / "alice"
    folder.mkdir(parents=True)
    record = {"key": "alice", "status": "graded", "content_fingerprint": "sha256:11", **run.as_dict()}
    assert not is_current(record, "sha256:11", run, tmp_path)  # the result files are missing
    for name in ("results.json", "summary.json"):
        (folder / name).write_text("{}")
    assert is_current(record, "sha256:11", run, tmp_path)
    assert not is_current(record, "sha256:12", run, tmp_path)
    for changed in (RunFingerprint("scrypt:ab", "hidden", "0.1.0", "sha256:cc", "en"), RunFingerprint("scrypt:aa", "hidden", "0.2.0", "sha256:cc", "en"), RunFingerprint("scrypt:aa", "hidden", "0.1.0", "sha256:cd", "en"), RunFingerprint("scrypt:aa", "hidden", "0.1.0", "sha256:cc", "zh")):
        assert not is_current(record, "sha256:11", changed, tmp_path)
    assert not is_current({**record, "status": "grader-error"}, "sha256:11", run, tmp_path)


def test_a_grader_error_is_recorded_and_tried_again(tmp_path):
    from autograder.batch.discover import Submission
    from autograder.batch.intake import Intake
    from autograder.batch.run import store_outcome
    from autograder.batch.store import read_record
    from autograder.batch.worker import GradeTask, grade_task
    from autograder.config import load_config

    task = GradeTask("alice", "alice", {"warmup.py": b""}, None, -1, "hidden", "en", load_config(), "sha256:cc")
    outcome = grade_task(task)  # the engine refuses a negative seed: a failure of the grader, not of alice
    assert outcome.result is None and outcome.error.endswith("ValueError: seed must be a non-negative integer, got -1")
    folder = tmp_path / "submissions" / "alice"
    folder.mkdir(parents=True)
    (folder / "results.json").write_text('{"score": 3}')  # left by an earlier run
    run = RunFingerprint("scrypt:aa", "hidden", "0.1.0", "sha256:cc", "en")
    intake = Intake(files={"warmup.py": b""})
    submission = Submission("alice", "alice", tmp_path / "alice", FOLDER, "alice", None)
    assert store_outcome(tmp_path, submission, intake, intake.fingerprint, run, outcome, "en") == "grader-error"
    record = read_record(tmp_path, "alice")
    assert record["status"] == "grader-error" and record["error"] == outcome.error
    assert sorted(p.name for p in folder.iterdir()) == ["record.json"]
    assert not is_current(record, intake.fingerprint, run, tmp_path)


def test_sweep_removes_only_temporary_files(tmp_path):
    (tmp_path / "submissions" / "a").mkdir(parents=True)
    (tmp_path / "submissions" / "a" / ".results.json.x1y2.tmp").write_text("{")
    (tmp_path / "submissions" / "a" / "results.json").write_text("{}")
    (tmp_path / ".grades.csv.abc.tmp").write_text("")
    assert sweep_temporary_files(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["results.json"]


def test_progress_lines_and_eta():
    ticks = iter([0.0, 10.0, 20.0, 20.0, 30.0])
    stream = io.StringIO()
    progress = Progress(3, stream, clock=lambda: next(ticks))
    progress.advance("alice", "37.5/100")
    progress.advance("bob", "refused")
    progress.advance("carol", "grader error", failed=True)
    assert stream.getvalue().splitlines() == ["[1/3] alice: 37.5/100, ETA 20s", "[2/3] bob: refused, ETA 10s", "[3/3] carol: grader error"]
    assert [format_duration(s) for s in (5, 65, 3725)] == ["5s", "1m05s", "1h02m"]


def test_csv_guards_against_formulas():
    text = grades_csv([{"submission": "=HYPERLINK(1)", "student": "+x", "status": "graded", "points": 1.5, "points_possible": 3, "exercises": [{"id": "relu", "points": 1.5}], "notes": ["-a"]}])
    assert text.splitlines() == [
        "submission,student,status,submitted_at,raw_points,days_late,penalty,final_points,points_possible,relu,"
        "speed_conv2d_forward,speed_conv2d_forward_uncertainty,speed_lenet_step,speed_lenet_step_uncertainty,overrides,notes",
        "'=HYPERLINK(1),'+x,graded,,1.5,,,1.5,3,1.5,,,,,,'-a",
    ]


# --- a real course, graded by the real engine (slow) ----------------------------------------------------------------


def build_course(root: Path) -> Path:
    """Good, wrong and broken uploads, one per student."""
    root.mkdir(parents=True)
    alice = build_submission(root / "alice", extra_files={"pseudonym.txt": "Neural Ninja\n"})
    assert alice.is_dir()
    bob_src = build_submission(root.parent / "bob-src" / "bob", replacements={"pooling": [("share = delta_in.astype(dtype) / (size * size)", "share = delta_in.astype(dtype)")]})
    make_zip(root / "bob.zip", {f"bob/{p.name}": p.read_bytes() for p in bob_src.glob("*.py")})
    build_submission(root / "carol" / "assignments", replacements={"pooling": [("import numpy as np", "import numpy as np\ndef broken(:\n")]})
    build_submission(root / "dave", omit=("lenet",))
    eve = build_submission(root / "eve", omit=("conv_forward",))
    (eve / "conv_forward.py").symlink_to(REFERENCE_DIR / "conv_forward.py")
    odd = build_submission(root / "Zoë\nÜnïcode")
    (odd / "notes\n.txt").write_text("odd\n")
    (root / "empty").mkdir()
    (root / "notes.txt").write_text("I could not finish.\n")
    zip_bomb(root / "bomb.zip", 80)
    make_zip(root / "slip.zip", {**reference_files(), "../../escape.py": b"print('out')\n"})
    return root


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return build_course(tmp_path_factory.mktemp("course") / "submissions")


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    results = tmp_path_factory.mktemp("results") / "RESULTS"
    process = run_convlab("batch", course, "--out", results, "--seed", SEED, "--jobs", "2")
    return results, process


@pytest.fixture(scope="module")
def reference_result():
    from autograder.config import load_config
    from autograder.grade import grade_submission

    return grade_submission(REFERENCE_DIR, seed=int(SEED), seed_kind="hidden", config=load_config())


@pytest.mark.slow
def test_batch_grades_every_student(graded, reference_result):
    results, process = graded
    assert process.returncode == 0, process.stderr
    rows = {row["submission"]: row for row in read_csv(results / "grades.csv")}
    assert sorted(rows) == sorted(["Zoë\\x0aÜnïcode", "alice", "bob", "bomb", "carol", "dave", "eve", "slip"])
    full = {e.exercise_id: e.points for e in reference_result.exercises}
    points = {name: {k: float(row[k]) for k in full} for name, row in rows.items()}
    assert points["alice"] == full and points["Zoë\\x0aÜnïcode"] == full
    assert rows["alice"]["status"] == "graded" and float(rows["alice"]["raw_points"]) == reference_result.points
    assert float(rows["alice"]["final_points"]) == reference_result.points and rows["alice"]["penalty"] == "0"
    losses = {k for k in full if points["bob"][k] < full[k]}
    assert losses == {"avg_pool"}  # the bug zoo's avg_pool_no_divide, zipped inside a folder
    assert points["carol"]["max_pool"] == points["carol"]["avg_pool"] == 0 and points["carol"]["conv1d_full"] == full["conv1d_full"]
    assert points["dave"]["lenet"] == 0 and {k: v for k, v in points["dave"].items() if k != "lenet"} == {k: v for k, v in full.items() if k != "lenet"}
    assert points["eve"]["conv2d_forward"] == 0 and points["eve"]["conv1d_full"] == full["conv1d_full"]
    assert rows["eve"]["notes"] == "left out 'conv_forward.py': it is a link that points outside the submission"
    assert rows["Zoë\\x0aÜnïcode"]["notes"] == "left out 'notes\\x0a.txt': its name holds control characters or bytes that are not UTF-8"
    refused = {name: rows[name]["notes"] for name in ("bomb", "slip")}
    assert refused == {
        "bomb": "the zip would unpack to 84 MB, more than the 64 MB allowed (a zip bomb?)",
        "slip": "the zip holds the entry '../../escape.py', whose path leaves the submission folder: re-create the zip from your folder",
    }
    for name, reason in refused.items():
        assert rows[name]["status"] == "refused" and float(rows[name]["raw_points"]) == 0
        assert float(rows[name]["points_possible"]) == reference_result.points_possible
        assert f"convlab batch: refused {name}: {reason}\n" in process.stderr  # the terminal says why
    # Not submissions: listed with the reason on the terminal and in skipped.csv, never graded.
    assert "8 submissions, 2 other entries skipped; 0 already graded; 8 to grade on 2 worker processes" in process.stderr
    assert "convlab batch: skipped empty: an empty folder: it holds no files\n" in process.stderr
    assert "convlab batch: skipped notes.txt: not a folder or a .zip file\n" in process.stderr
    assert read_csv(results / "skipped.csv") == [
        {"entry": "empty", "reason": "an empty folder: it holds no files"},
        {"entry": "notes.txt", "reason": "not a folder or a .zip file"},
    ]
    assert not (results / "submissions" / "empty").exists() and not (results / "submissions" / "notes.txt").exists()
    assert "6 graded, 2 refused, 0 kept from before, 0 grader errors, 2 entries skipped (not submissions)" in process.stderr


@pytest.mark.slow
def test_batch_writes_gradescope_and_summary_files(course, graded, reference_result):
    from autograder.report.gradescope import gradescope_results

    results, _ = graded
    folders = sorted(p.name for p in (results / "submissions").iterdir())
    assert len(folders) == 8 and all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", f) for f in folders)
    for folder in (results / "submissions").iterdir():
        record = json.loads((folder / "record.json").read_text())
        gradescope = json.loads((folder / "results.json").read_text())
        summary = json.loads((folder / "summary.json").read_text())
        assert gradescope["score"] == record["points"] == summary["points"]
        assert "424242" not in (folder / "summary.json").read_text() + (folder / "record.json").read_text()
    alice = json.loads((results / "submissions" / "alice" / "results.json").read_text())
    direct = gradescope_results(reference_result)
    strip = lambda d: {k: v for k, v in d.items() if k not in ("execution_time", "output")}  # noqa: E731
    assert strip(alice) == strip(direct)  # graded exactly as `convlab grade` grades the same files
    # What the instructor reports read: the code graded, and each exercise's failures by named mistake.
    bob = json.loads((results / "submissions" / "bob" / "record.json").read_text())
    assert bob["code"] == sorted(f"{module}.py" for module in STUDENT_MODULES)
    assert (results / "submissions" / "bob" / "code" / "pooling.py").read_bytes() == (course.parent / "bob-src" / "bob" / "pooling.py").read_bytes()
    avg = next(e for e in bob["exercises"] if e["id"] == "avg_pool")
    assert avg["failed"] > 0 and avg["not_implemented"] == 0
    assert set(avg["diagnoses"]) == {"avg_pool_no_divide"} and 0 < avg["diagnoses"]["avg_pool_no_divide"] <= avg["failed"]
    assert "avg_pool_no_divide" in avg["examples"] and all(e["failed"] == 0 for e in bob["exercises"] if e["id"] != "avg_pool")
    slip = json.loads((results / "submissions" / "slip" / "results.json").read_text())
    assert slip["output"].startswith("About your upload:\n- the zip holds the entry '../../escape.py'")
    assert all(test["score"] == 0 for test in slip["tests"])


@pytest.mark.slow
def test_rerun_keeps_what_is_graded_and_regrades_what_changed(course, graded, tmp_path):
    results, _ = graded
    before = {p: p.read_bytes() for p in (results / "submissions").rglob("record.json")}
    again = run_convlab("batch", course, "--out", results, "--seed", SEED, "--jobs", "2")
    assert again.returncode == 0, again.stderr
    assert "8 submissions, 2 other entries skipped; 8 already graded; 0 to grade" in again.stderr
    assert {p: p.read_bytes() for p in before} == before
    dave = course / "dave" / "lenet.py"
    dave.write_text((REFERENCE_DIR / "lenet.py").read_text())
    try:
        third = run_convlab("batch", course, "--out", results, "--seed", SEED, "--jobs", "2")
        assert "8 submissions, 2 other entries skipped; 7 already graded; 1 to grade" in third.stderr
        assert "[1/1] dave: " in third.stderr
        rows = {row["submission"]: row for row in read_csv(results / "grades.csv")}
        assert float(rows["dave"]["lenet"]) > 0
    finally:
        dave.unlink()


@pytest.mark.slow
def test_sigkill_loses_nothing_and_the_rerun_finishes(tmp_path):
    course = tmp_path / "submissions"
    for i in range(6):
        build_submission(course / f"student{i}", extra_files={"notes.md": f"student {i}\n"})
    results = tmp_path / "RESULTS"
    env = {k: v for k, v in os.environ.items() if k != "CONVLAB_SEED"}
    batch = subprocess.Popen(convlab_command("batch", course, "--out", results, "--seed", SEED, "--jobs", "2"), cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while len(list(results.glob("submissions/*/record.json"))) < 2:
            assert batch.poll() is None, batch.stderr.read().decode()
            assert time.monotonic() < deadline, "the batch graded nothing in 300 s"
            time.sleep(0.05)
        family = _descendants(batch.pid)
        os.kill(batch.pid, signal.SIGKILL)
        batch.wait(timeout=30)
    finally:
        if batch.poll() is None:
            batch.kill()
        batch.stderr.close()
    assert batch.returncode == -signal.SIGKILL
    assert len(family) >= 2  # the pool's workers, and the sandbox processes they had started
    _wait_until_gone(family)
    kept = {p.parent.name: p.read_bytes() for p in results.glob("submissions/*/record.json")}
    assert 2 <= len(kept) < 6
    for path in results.rglob("*"):
        if path.is_file() and not path.name.endswith(".tmp"):
            json.loads(path.read_text()) if path.suffix == ".json" else path.read_text()
    manifest = json.loads((results / "batch.json").read_text())
    assert manifest["finished"] is False
    rerun = run_convlab("batch", course, "--out", results, "--seed", SEED, "--jobs", "2")
    assert rerun.returncode == 0, rerun.stderr
    assert f"6 submissions; {len(kept)} already graded; {6 - len(kept)} to grade" in rerun.stderr
    assert {name: (results / "submissions" / name / "record.json").read_bytes() for name in kept} == kept
    assert [row["submission"] for row in read_csv(results / "grades.csv")] == [f"student{i}" for i in range(6)]
    assert not [p for p in results.rglob("*.tmp")]
    assert json.loads((results / "batch.json").read_text())["finished"] is True


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) of every process, read from /proc."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(stat.parent.name)] = (int(fields[1]), fields[0])
    return table


def _descendants(pid: int) -> set[int]:
    table = _process_table()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, (parent, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def _wait_until_gone(pids: set[int], seconds: float = 20) -> None:
    """Wait until none of pids runs any more (the killed batch's workers and their sandboxes)."""
    deadline = time.monotonic() + seconds
    while True:
        table = _process_table()
        alive = sorted(pid for pid in pids if pid in table and table[pid][1] != "Z")
        if not alive:
            return
        assert time.monotonic() < deadline, f"processes of the killed batch still running: {alive}"
        time.sleep(0.1)


@pytest.mark.slow
def test_one_assignment_is_graded_alone_under_its_own_fingerprint(tmp_path):
    root = tmp_path / "submissions"
    build_submission(root / "alice")
    results = tmp_path / "RESULTS"
    part6 = run_convlab("batch", root, "--out", results, "--seed", SEED, "--jobs", "1", "--assignment", "classic_networks")
    assert part6.returncode == 0, part6.stderr
    [row] = read_csv(results / "grades.csv")
    assert (row["raw_points"], row["final_points"], row["points_possible"]) == ("100", "100", "100")
    assert "conv2d_forward" not in row and "dense_block" in row
    assert "final_points_cnn" not in row and "final_points_classic_networks" not in row  # one assignment: no columns per assignment
    # A full grading of the same files is another policy: it never reuses this result.
    manifest = json.loads((results / "batch.json").read_text())
    assert manifest["config_fingerprint"].endswith("+assignment=classic_networks")


# --- shards, merge and Dask (slow) ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_course(tmp_path_factory):
    root = tmp_path_factory.mktemp("small") / "submissions"
    build_submission(root / "alice")
    build_submission(root / "dave", omit=("lenet", "pooling", "conv_backward"))
    (root / "empty").mkdir()
    (root / "notes.txt").write_text("no code\n")
    make_zip(root / "slip.zip", {"../x.py": b""})
    return root


@pytest.fixture(scope="module")
def shards(small_course, tmp_path_factory):
    base = tmp_path_factory.mktemp("shards")
    for i in (1, 2):
        process = run_convlab("batch", small_course, "--out", base / f"shard{i}", "--seed", SEED, "--shard", f"{i}/2", "--jobs", "1")
        assert process.returncode == 0, process.stderr
    return base


def _points_only(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if not k.startswith("speed_")} for row in rows]


@pytest.mark.slow
def test_shards_split_the_course_and_merge_back(shards, small_course, tmp_path):
    one, two = read_csv(shards / "shard1" / "grades.csv"), read_csv(shards / "shard2" / "grades.csv")
    assert [r["submission"] for r in one] == ["alice", "slip"]  # and "empty", skipped
    assert [r["submission"] for r in two] == ["dave"]  # and "notes.txt", skipped
    assert [r["entry"] for r in read_csv(shards / "shard1" / "skipped.csv")] == ["empty"]
    merged = run_convlab("merge", shards / "shard2", shards / "shard1", "--out", tmp_path / "merged")
    assert merged.returncode == 0, merged.stderr
    assert "convlab merge: 3 submissions from 2 folders" in merged.stderr
    rows = read_csv(tmp_path / "merged" / "grades.csv")
    assert [r["submission"] for r in rows] == ["alice", "dave", "slip"]
    assert [r["entry"] for r in read_csv(tmp_path / "merged" / "skipped.csv")] == ["empty", "notes.txt"]
    assert _points_only(rows) == _points_only(sorted(one + two, key=lambda r: r["submission"]))
    manifest = json.loads((tmp_path / "merged" / "batch.json").read_text())
    assert manifest["finished"] and manifest["shard"] is None and len(manifest["submissions"]) == 3
    for row in rows:
        key = row["submission"]
        assert (tmp_path / "merged" / "submissions" / key / "results.json").is_file()


@pytest.mark.slow
def test_merge_refuses_what_does_not_belong_together(shards, small_course, tmp_path):
    other = run_convlab("batch", small_course, "--out", tmp_path / "other2", "--seed", OTHER_SEED, "--shard", "2/2", "--jobs", "1")
    assert other.returncode == 0, other.stderr
    mixed = run_convlab("merge", shards / "shard1", tmp_path / "other2", "--out", tmp_path / "merged")
    assert mixed.returncode == 2
    assert "these results were graded with different seeds and cannot be merged" in mixed.stderr
    assert "Regrade every shard with the same seed." in mixed.stderr
    assert OTHER_SEED not in mixed.stderr and SEED not in mixed.stderr
    missing = run_convlab("merge", shards / "shard1", "--out", tmp_path / "merged")
    assert missing.returncode == 2 and "shard 2/2 missing: merge all 2 shards" in missing.stderr
    twice = run_convlab("merge", shards / "shard1", shards / "shard1", "--out", tmp_path / "merged")
    assert "shard 1/2 appears twice" in twice.stderr
    unfinished = tmp_path / "unfinished"
    subprocess.run(["cp", "-r", str(shards / "shard2"), str(unfinished)], check=True)
    manifest = json.loads((unfinished / "batch.json").read_text())
    (unfinished / "batch.json").write_text(json.dumps({**manifest, "finished": False}))
    stopped = run_convlab("merge", shards / "shard1", unfinished, "--out", tmp_path / "merged")
    assert stopped.returncode == 2 and "has not finished (or was stopped)" in stopped.stderr
    assert not (tmp_path / "merged").exists()


def make_tls_certificates(folder: Path) -> Path:
    """A certificate authority and one certificate for 127.0.0.1 (scheduler, workers and client), as PEM files."""
    folder.mkdir(parents=True, exist_ok=True)

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=60)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=convlab test CA", "-keyout", "ca-key.pem", "-out", "ca.pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "client-key.pem", "-out", "client.csr")
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-days", "2", "-extfile", "san.cnf", "-out", "client.pem")
    return folder


@pytest.mark.slow
def test_dask_cluster_over_tls_grades_like_the_pool(shards, small_course, tmp_path):
    if os.environ.get("CONVLAB_REQUIRE_EXTRAS") == "1":  # CI: a missing Dask fails, never skips
        import distributed
    else:
        distributed = pytest.importorskip("distributed")
    from distributed.security import Security

    tls = make_tls_certificates(tmp_path / "tls")
    files = {"tls_ca_file": tls / "ca.pem", "tls_client_cert": tls / "client.pem", "tls_client_key": tls / "client-key.pem"}
    security = Security(
        **{k: str(v) for k, v in files.items()},
        tls_scheduler_cert=str(tls / "client.pem"), tls_scheduler_key=str(tls / "client-key.pem"),
        tls_worker_cert=str(tls / "client.pem"), tls_worker_key=str(tls / "client-key.pem"),
        require_encryption=True,
    )
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, protocol="tls://", security=security) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://")
        without = run_convlab("batch", small_course, "--out", tmp_path / "nope", "--seed", SEED, "--dask", address)
        process = run_convlab("batch", small_course, "--out", tmp_path / "dask", "--seed", SEED, "--dask", address, "--dask-tls", tls)
        with distributed.Client(cluster, security=security) as client:
            worker_pids = set(client.run(os.getpid).values())
    assert without.returncode == 2 and "needs --dask-tls DIR" in without.stderr
    assert process.returncode == 0, process.stderr
    assert f"to grade on Dask at {address}" in process.stderr
    pool_rows = sorted(read_csv(shards / "shard1" / "grades.csv") + read_csv(shards / "shard2" / "grades.csv"), key=lambda r: r["submission"])
    assert _points_only(read_csv(tmp_path / "dask" / "grades.csv")) == _points_only(pool_rows)
    used = {json.loads(p.read_text())["worker"] for p in (tmp_path / "dask").glob("submissions/*/record.json")}
    assert used <= {f"pid {pid}" for pid in worker_pids}


def test_a_hidden_seed_never_goes_to_another_machine_over_plain_tcp(tmp_path):
    (tmp_path / "submissions").mkdir()
    refused = run_convlab("batch", tmp_path / "submissions", "--out", tmp_path / "RESULTS", "--seed", SEED, "--dask", "tcp://10.0.0.5:8786")
    assert refused.returncode == 2 and "the hidden seed and the submissions would travel unencrypted" in refused.stderr
    assert not (tmp_path / "RESULTS").exists()


# --- the records: one seed and one policy per folder, never graded into itself, only submissions ----------


def only_entries_that_are_not_submissions(root: Path) -> Path:
    """A course folder holding nothing to grade: a stray file and an empty folder."""
    (root / "empty").mkdir(parents=True)
    (root / "notes.txt").write_text("I could not finish.\n")
    return root


def test_entries_that_are_not_submissions_are_listed_and_skipped(tmp_path):
    course = only_entries_that_are_not_submissions(tmp_path / "submissions")
    done = run_convlab("batch", course, "--out", tmp_path / "RESULTS", "--seed", SEED)
    assert done.returncode == 0, done.stderr
    assert "0 submissions, 2 other entries skipped; 0 already graded; 0 to grade" in done.stderr
    assert "convlab batch: skipped notes.txt: not a folder or a .zip file" in done.stderr
    manifest = json.loads((tmp_path / "RESULTS" / "batch.json").read_text())
    assert manifest["submissions"] == [] and [e["name"] for e in manifest["not_submissions"]] == ["empty", "notes.txt"]
    assert read_csv(tmp_path / "RESULTS" / "grades.csv") == []
    assert len(read_csv(tmp_path / "RESULTS" / "skipped.csv")) == 2


def test_a_results_folder_keeps_one_seed_and_one_policy(tmp_path):
    course = only_entries_that_are_not_submissions(tmp_path / "submissions")
    results = tmp_path / "RESULTS"
    assert run_convlab("batch", course, "--out", results, "--seed", SEED).returncode == 0
    first = (results / "batch.json").read_bytes()
    other_seed = run_convlab("batch", course, "--out", results, "--seed", OTHER_SEED)
    assert other_seed.returncode == 2
    assert f"{results} belongs to another run: it holds results graded with the seed scrypt:" in other_seed.stderr
    assert "(hidden), this run the seed scrypt:" in other_seed.stderr and "--force" in other_seed.stderr
    assert SEED not in other_seed.stderr and OTHER_SEED not in other_seed.stderr
    policy = tmp_path / "grading.toml"
    # Another tolerance is another policy (a comment, a deadline or the scoreboard's title would not be).
    policy.write_text((REPO_ROOT / "grading.toml").read_text().replace("\nrtol = 2e-4\n", "\nrtol = 3e-4\n", 1))
    other_policy = run_convlab("batch", course, "--out", results, "--seed", SEED, "--config", policy)
    assert other_policy.returncode == 2 and "the grading policy sha256:" in other_policy.stderr and "this run the policy sha256:" in other_policy.stderr
    assert (results / "batch.json").read_bytes() == first  # nothing touched
    forced = run_convlab("batch", course, "--out", results, "--seed", OTHER_SEED, "--force")
    assert forced.returncode == 0, forced.stderr
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("RESULTS.replaced-")]
    assert len(aside) == 1 and (aside[0] / "batch.json").read_bytes() == first
    assert f"moved the previous results to {aside[0]}" in forced.stderr
    assert json.loads((results / "batch.json").read_text())["seed_fingerprint"] == seed_fingerprint(int(OTHER_SEED))


@pytest.mark.parametrize("inside", [True, False])
def test_results_and_submissions_must_not_overlap(tmp_path, inside):
    course = only_entries_that_are_not_submissions(tmp_path / "course" / "submissions")
    out, submissions = (course / "RESULTS", course) if inside else (tmp_path / "course", course)
    done = run_convlab("batch", submissions, "--out", out, "--seed", SEED)
    assert done.returncode == 2
    assert ("lies inside the submissions folder" if inside else "lies inside --out") in done.stderr
    assert not (out / "batch.json").exists()


@pytest.mark.slow
def test_a_record_another_hand_wrote_is_graded_again_and_never_exported(tmp_path):
    """A record (or a result file beside it) not written by the grader fails its signature: the next
    run grades that submission again, and neither grades.csv nor the scoreboard ever shows the forgery."""
    from autograder.batch.store import RECORD_FILE, RESULTS_FILE, read_record, submission_folder

    results, one = tmp_path / "RESULTS", tmp_path / "one"
    build_submission(one / "alice")
    first = run_convlab("batch", one, "--out", results, "--seed", SEED)
    assert first.returncode == 0, first.stderr
    [key] = [p.name for p in (results / "submissions").iterdir()]
    record_path = submission_folder(results, key) / RECORD_FILE
    honest = read_record(results, key)
    forged = {**honest, "points": 1.0}
    record_path.write_text(json.dumps(forged))
    rerun = run_convlab("batch", one, "--out", results, "--seed", SEED)
    assert "(its signature does not match): grading it again" in rerun.stderr
    assert "0 already graded; 1 to grade" in rerun.stderr
    assert read_record(results, key)["points"] == honest["points"]
    # A forged results.json beside an honest record breaks the signature just the same.
    (submission_folder(results, key) / RESULTS_FILE).write_text('{"score": 100}')
    site = tmp_path / "site"
    env = {**os.environ, "CONVLAB_SEED": SEED}
    board = subprocess.run(convlab_command("scoreboard", str(results), "--out", str(site), "--pseudonyms", str(tmp_path / "map.json")),
                           capture_output=True, text=True, env=env, timeout=SUBPROCESS_SECONDS)
    assert board.returncode == 2 and "1 records were not written by this course's grader" in board.stderr
    assert not (site / "index.html").exists()
def test_submission_time_of_a_git_checkout_is_its_commit_time(tmp_path):
    folder = build_submission(tmp_path / "course" / "alice")
    (folder / ".git").mkdir()  # not a repository: the files' time is used
    assert discover(tmp_path / "course")[0].submitted_at != "2026-11-30T22:15:00+00:00"
    (folder / ".git").rmdir()
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-11-30T23:15:00+01:00", "GIT_COMMITTER_DATE": "2026-11-30T23:15:00+01:00",
           "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@x"}
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "work"]):
        subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True)
    subprocess.run(["git", "config", "core.fsmonitor", "touch pwned"], cwd=folder, check=True)  # a student's config must not run
    assert discover(tmp_path / "course")[0].submitted_at == "2026-11-30T22:15:00+00:00"
    assert not (folder / "pwned").exists() and not (tmp_path / "pwned").exists()
