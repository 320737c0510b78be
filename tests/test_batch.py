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
from autograder.paths import REFERENCE_DIR, REPO_ROOT
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
    refusals = {s.name: read_submission(s).refusal for s in discover(tmp_path)}
    assert refusals["broken"].startswith("broken.zip is not a readable zip file (")
    assert refusals["essay.docx"] == "essay.docx is not a folder or a .zip file: upload your modules in a folder or a zip"
    assert refusals["link"] == "link is a link, not a folder or a .zip file"


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


def test_empty_folder_and_empty_zip_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "__pycache__").mkdir()
    make_zip(tmp_path / "hollow.zip", {})
    refusals = {s.name: read_submission(s).refusal for s in discover(tmp_path)}
    assert refusals == {"empty": "the submission is empty: it holds no files", "hollow": "the submission is empty: it holds no files"}


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
    assert text.splitlines() == ["submission,student,status,points,points_possible,relu,speed_conv2d_forward,speed_lenet_step,notes", "'=HYPERLINK(1),'+x,graded,1.5,3,1.5,,,'-a"]


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
    assert sorted(rows) == sorted(["Zoë\\x0aÜnïcode", "alice", "bob", "bomb", "carol", "dave", "empty", "eve", "notes.txt", "slip"])
    full = {e.exercise_id: e.points for e in reference_result.exercises}
    points = {name: {k: float(row[k]) for k in full} for name, row in rows.items()}
    assert points["alice"] == full and points["Zoë\\x0aÜnïcode"] == full
    assert rows["alice"]["status"] == "graded" and float(rows["alice"]["points"]) == reference_result.points
    losses = {k for k in full if points["bob"][k] < full[k]}
    assert losses == {"avg_pool"}  # the bug zoo's avg_pool_no_divide, zipped inside a folder
    assert points["carol"]["max_pool"] == points["carol"]["avg_pool"] == 0 and points["carol"]["conv1d_full"] == full["conv1d_full"]
    assert points["dave"]["lenet"] == 0 and {k: v for k, v in points["dave"].items() if k != "lenet"} == {k: v for k, v in full.items() if k != "lenet"}
    assert points["eve"]["conv2d_forward"] == 0 and points["eve"]["conv1d_full"] == full["conv1d_full"]
    assert rows["eve"]["notes"] == "left out 'conv_forward.py': it is a link that points outside the submission"
    assert rows["Zoë\\x0aÜnïcode"]["notes"] == "left out 'notes\\x0a.txt': its name holds control characters or bytes that are not UTF-8"
    refused = {name: rows[name]["notes"] for name in ("bomb", "empty", "notes.txt", "slip")}
    assert refused == {
        "bomb": "the zip would unpack to 84 MB, more than the 64 MB allowed (a zip bomb?)",
        "empty": "the submission is empty: it holds no files",
        "notes.txt": "notes.txt is not a folder or a .zip file: upload your modules in a folder or a zip",
        "slip": "the zip holds the entry '../../escape.py', whose path leaves the submission folder: re-create the zip from your folder",
    }
    for name in refused:
        assert rows[name]["status"] == "refused" and float(rows[name]["points"]) == 0
        assert float(rows[name]["points_possible"]) == reference_result.points_possible
    assert "10 submissions; 0 already graded; 10 to grade on 2 worker processes" in process.stderr
    assert "6 graded, 4 refused, 0 kept from before, 0 grader errors" in process.stderr


@pytest.mark.slow
def test_batch_writes_gradescope_and_summary_files(graded, reference_result):
    from autograder.report.gradescope import gradescope_results

    results, _ = graded
    folders = sorted(p.name for p in (results / "submissions").iterdir())
    assert len(folders) == 10 and all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", f) for f in folders)
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
    slip = json.loads((results / "submissions" / "slip" / "results.json").read_text())
    assert slip["output"].startswith("About your upload:\n- the zip holds the entry '../../escape.py'")
    assert all(test["score"] == 0 for test in slip["tests"])


@pytest.mark.slow
def test_rerun_keeps_what_is_graded_and_regrades_what_changed(course, graded, tmp_path):
    results, _ = graded
    before = {p: p.read_bytes() for p in (results / "submissions").rglob("record.json")}
    again = run_convlab("batch", course, "--out", results, "--seed", SEED, "--jobs", "2")
    assert again.returncode == 0, again.stderr
    assert "10 submissions; 10 already graded; 0 to grade" in again.stderr
    assert {p: p.read_bytes() for p in before} == before
    dave = course / "dave" / "lenet.py"
    dave.write_text((REFERENCE_DIR / "lenet.py").read_text())
    try:
        third = run_convlab("batch", course, "--out", results, "--seed", SEED, "--jobs", "2")
        assert "10 submissions; 9 already graded; 1 to grade" in third.stderr
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
    assert (row["points"], row["points_possible"]) == ("100", "100")
    assert "conv2d_forward" not in row and "dense_block" in row and "points_cnn" not in row
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
    assert [r["submission"] for r in one] == ["alice", "empty", "slip"]
    assert [r["submission"] for r in two] == ["dave", "notes.txt"]
    merged = run_convlab("merge", shards / "shard2", shards / "shard1", "--out", tmp_path / "merged")
    assert merged.returncode == 0, merged.stderr
    assert "convlab merge: 5 submissions from 2 folders" in merged.stderr
    rows = read_csv(tmp_path / "merged" / "grades.csv")
    assert [r["submission"] for r in rows] == ["alice", "dave", "empty", "notes.txt", "slip"]
    assert _points_only(rows) == _points_only(sorted(one + two, key=lambda r: r["submission"]))
    manifest = json.loads((tmp_path / "merged" / "batch.json").read_text())
    assert manifest["finished"] and manifest["shard"] is None and len(manifest["submissions"]) == 5
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


@pytest.mark.slow
def test_dask_local_cluster_grades_like_the_pool(shards, small_course, tmp_path):
    if os.environ.get("CONVLAB_REQUIRE_EXTRAS") == "1":  # CI: a missing Dask fails, never skips
        import distributed
    else:
        distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        process = run_convlab("batch", small_course, "--out", tmp_path / "dask", "--seed", SEED, "--dask", cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            worker_pids = set(client.run(os.getpid).values())
    assert process.returncode == 0, process.stderr
    assert f"to grade on Dask at {cluster.scheduler_address}" in process.stderr
    pool_rows = sorted(read_csv(shards / "shard1" / "grades.csv") + read_csv(shards / "shard2" / "grades.csv"), key=lambda r: r["submission"])
    assert _points_only(read_csv(tmp_path / "dask" / "grades.csv")) == _points_only(pool_rows)
    used = {json.loads(p.read_text())["worker"] for p in (tmp_path / "dask").glob("submissions/*/record.json")}
    assert used <= {f"pid {pid}" for pid in worker_pids}
