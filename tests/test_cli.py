"""`convlab grade`, `check` and `demo`: seeds, folders, exit codes, messages and files.

Two kinds of tests:
- in-process, with a stand-in engine and config put in sys.modules, for the
  command logic itself (which seed, which folder, which files, which verdict);
- subprocesses of `python -m autograder`, for exit codes and messages as a user
  sees them, and (marked slow) for grading real submissions end to end.
"""
from __future__ import annotations

import json
import re
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from autograder import cli
from autograder.commands.demo import demo_submissions
from autograder.messages import catalog
from autograder.paths import REFERENCE_DIR, REPO_ROOT, STUDENT_MODULES
from samples.mistakes import BY_NAME, SAMPLES, planted_sources
from autograder.results import CaseResult, CheckResult, ExerciseResult, SubmissionResult

PUBLIC_SEED = 2021  # grading.toml [grader] public_seed
SEED_ENV = "CONVLAB_SEED"  # grading.toml [grader] seed_env
HIDDEN_SEED = "424242"
SUBPROCESS_SECONDS = 600


def run_convlab(*args: str, cwd: Path = REPO_ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m autograder ARGS` with the hidden seed unset unless env sets it."""
    environ = {k: v for k, v in os.environ.items() if k not in (SEED_ENV, "NO_COLOR")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_SECONDS,
    )


def student_folder(folder: Path) -> Path:
    """A folder holding copies of the reference's student modules."""
    folder.mkdir(parents=True, exist_ok=True)
    for module in STUDENT_MODULES:
        (folder / f"{module}.py").write_text((REFERENCE_DIR / f"{module}.py").read_text())
    return folder


# --- a stand-in engine, for the commands' own logic ---------------------------------------------


def fake_result(seed: int, seed_kind: str, full_marks: bool) -> SubmissionResult:
    cases = [CaseResult("random case 1", True), CaseResult("hidden case 1", full_marks, "" if full_marks else "wrong: matches a flipped kernel", None if full_marks else "flipped_kernel", hidden=True)]
    return SubmissionResult(
        submission="graded-folder",
        seed=seed,
        seed_kind=seed_kind,
        exercises=[ExerciseResult("conv_forward", "Forward pass", [CheckResult("random", "random shapes", 8.0, cases)])],
        environment={"device": "cpu"},
        timings={"total": 0.5},
        grader_version="0.1.0",
    )


class FakeEngine:
    """Records every grade_submission call; grades full marks unless told otherwise."""

    def __init__(self):
        self.calls: list[dict] = []
        self.full_marks = True
        self.config = types.SimpleNamespace(
            grader=types.SimpleNamespace(public_seed=PUBLIC_SEED, seed_env=SEED_ENV, hidden_cases="per_course"),
            isolation=types.SimpleNamespace(level="auto", floor="minimal"),
        )
        self.config_error: Exception | None = None
        self.grade_error: Exception | None = None

    def load_config(self, path=None):
        if self.config_error:
            raise self.config_error
        return self.config

    def grade_submission(self, submission_dir, *, seed, seed_kind="hidden", config=None, only=None, lang="en"):
        if self.grade_error:
            raise self.grade_error
        self.calls.append({"folder": Path(submission_dir), "seed": seed, "seed_kind": seed_kind, "config": config, "lang": lang})
        return fake_result(seed, seed_kind, self.full_marks)


@pytest.fixture
def engine(monkeypatch):
    fake = FakeEngine()
    grade_module = types.ModuleType("autograder.grade")
    grade_module.grade_submission = fake.grade_submission
    config_module = types.ModuleType("autograder.config")
    config_module.load_config = fake.load_config
    monkeypatch.setitem(sys.modules, "autograder.grade", grade_module)
    monkeypatch.setitem(sys.modules, "autograder.config", config_module)
    monkeypatch.delenv(SEED_ENV, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return fake


def test_grade_uses_the_hidden_seed_from_the_environment(engine, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(SEED_ENV, HIDDEN_SEED)
    assert cli.main(["grade", str(student_folder(tmp_path / "alice"))]) == 0
    [call] = engine.calls
    assert (call["seed"], call["seed_kind"], call["config"]) == (int(HIDDEN_SEED), "hidden", engine.config)
    out = capsys.readouterr().out
    assert out.startswith("convlab · alice\n")
    assert "seed hidden" in out and HIDDEN_SEED not in out


def test_grade_seed_option_wins_and_the_public_seed_counts_as_public(engine, tmp_path, monkeypatch):
    monkeypatch.setenv(SEED_ENV, HIDDEN_SEED)
    folder = str(student_folder(tmp_path / "alice"))
    assert cli.main(["grade", folder, "--seed", "7"]) == 0
    assert cli.main(["grade", folder, "--seed", str(PUBLIC_SEED)]) == 0
    assert [(c["seed"], c["seed_kind"]) for c in engine.calls] == [(7, "hidden"), (PUBLIC_SEED, "public")]


def test_grade_refuses_to_guess_a_seed(engine, tmp_path, capsys):
    assert cli.main(["grade", str(student_folder(tmp_path / "alice"))]) == 2
    err = capsys.readouterr().err
    assert f"no hidden seed: the environment variable {SEED_ENV}" in err and "convlab check" in err
    assert engine.calls == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (str(PUBLIC_SEED), f"{SEED_ENV} holds the public seed {PUBLIC_SEED}"),
        ("twelve", f"{SEED_ENV} must be a whole number from 0 to 2**63 - 1, got 'twelve'"),
    ],
)
def test_grade_refuses_a_bad_seed_in_the_environment(engine, tmp_path, monkeypatch, capsys, value, message):
    monkeypatch.setenv(SEED_ENV, value)
    assert cli.main(["grade", str(student_folder(tmp_path / "alice"))]) == 2
    assert message in capsys.readouterr().err
    assert engine.calls == []


def test_grade_writes_summary_and_gradescope_files(engine, tmp_path, monkeypatch):
    monkeypatch.setenv(SEED_ENV, HIDDEN_SEED)
    engine.full_marks = False
    summary_path, results_path = tmp_path / "out" / "summary.json", tmp_path / "out" / "results.json"
    code = cli.main(["grade", str(student_folder(tmp_path / "alice")), "--json", str(summary_path), "--gradescope", str(results_path)])
    assert code == 0
    summary = json.loads(summary_path.read_text())
    assert (summary["submission"], summary["points"], summary["points_possible"], summary["seed_kind"]) == ("alice", 4.0, 8.0, "hidden")
    results = json.loads(results_path.read_text())
    assert (results["score"], results["extra_data"]["max_score"]) == (4.0, 8.0)
    assert HIDDEN_SEED not in summary_path.read_text() + results_path.read_text()


def test_grade_reports_an_unwritable_output_after_the_table(engine, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(SEED_ENV, HIDDEN_SEED)
    folder = student_folder(tmp_path / "alice")
    assert cli.main(["grade", str(folder), "--json", str(tmp_path)]) == 1  # a folder, not a file
    captured = capsys.readouterr()
    assert "Total" in captured.out
    assert f"convlab grade: cannot write {tmp_path}:" in captured.err


def test_grade_finds_the_package_inside_an_uploaded_folder(engine, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(SEED_ENV, HIDDEN_SEED)
    student_folder(tmp_path / "submission" / "assignments")
    assert cli.main(["grade", str(tmp_path / "submission")]) == 0
    assert engine.calls[0]["folder"] == tmp_path / "submission" / "assignments"
    assert capsys.readouterr().out.startswith("convlab · submission\n")


def test_grade_notes_a_folder_without_student_modules_and_grades_it(engine, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(SEED_ENV, HIDDEN_SEED)
    (tmp_path / "empty").mkdir()
    assert cli.main(["grade", str(tmp_path / "empty")]) == 0
    assert "holds none of the student modules" in capsys.readouterr().err
    assert engine.calls[0]["folder"] == tmp_path / "empty"


def test_grade_reports_a_broken_config_and_engine_without_traceback(engine, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(SEED_ENV, HIDDEN_SEED)
    folder = str(student_folder(tmp_path / "alice"))
    engine.config_error = ValueError("[limits] call_seconds must be positive, got -1")
    assert cli.main(["grade", folder]) == 1
    assert "cannot use grading.toml: [limits] call_seconds must be positive, got -1" in capsys.readouterr().err
    engine.config_error = None
    engine.grade_error = FileNotFoundError("sandbox interpreter not found")
    assert cli.main(["grade", folder]) == 1
    assert f"cannot grade {folder}: sandbox interpreter not found" in capsys.readouterr().err


def test_check_uses_the_public_seed_and_says_ready(engine, tmp_path, capsys):
    assert cli.main(["check", str(student_folder(tmp_path / "mine"))]) == 0
    assert [(c["seed"], c["seed_kind"]) for c in engine.calls] == [(PUBLIC_SEED, "public")]
    out = capsys.readouterr().out
    assert "seed 2021 (public)" in out
    assert out.rstrip().splitlines()[-1] == "Ready to submit: every check passes."


def test_check_counts_missing_points_and_shows_the_diagnosis(engine, tmp_path, capsys):
    engine.full_marks = False
    assert cli.main(["check", str(student_folder(tmp_path / "mine")), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "hidden case 1 （隐藏） · 可能的错误：flipped_kernel" in out
    assert out.rstrip().splitlines()[-1] == "还差 4 分：请查看上面标为“待完成”“未通过”和“部分通过”的行。"
    assert engine.calls[0]["lang"] == "zh"


def test_grade_and_check_keep_to_one_assignment_when_asked(engine, tmp_path, monkeypatch, capsys):
    chosen = types.SimpleNamespace(grader=engine.config.grader, isolation=engine.config.isolation)
    asked = []

    def for_assignment(name):
        asked.append(name)
        if name != "classic_networks":
            raise ValueError(f"grading.toml has no assignment {name!r} (known: cnn, classic_networks)")
        return chosen

    engine.config.for_assignment = for_assignment
    monkeypatch.setenv(SEED_ENV, HIDDEN_SEED)
    folder = str(student_folder(tmp_path / "alice"))
    assert cli.main(["grade", folder, "--assignment", "classic_networks"]) == 0
    assert cli.main(["check", folder, "--assignment", "classic_networks"]) == 0
    assert [call["config"] for call in engine.calls] == [chosen, chosen]
    assert cli.main(["grade", folder, "--assignment", "part7"]) == 2
    assert "convlab grade: grading.toml has no assignment 'part7'" in capsys.readouterr().err
    assert asked == ["classic_networks", "classic_networks", "part7"]


def test_check_gives_one_verdict_per_assignment(engine, tmp_path, capsys, monkeypatch):
    one_assignment = fake_result

    def two_assignments(seed, seed_kind, full_marks):
        result = one_assignment(seed, seed_kind, full_marks)
        result.exercises.append(ExerciseResult("dense_block", "Dense block", [CheckResult("forward", "forward", 5.0, [CaseResult("hidden case 1", False, hidden=True)])], assignment="classic_networks"))
        return result

    monkeypatch.setattr(sys.modules[__name__], "fake_result", two_assignments)
    assert cli.main(["check", str(student_folder(tmp_path / "mine"))]) == 0
    assert capsys.readouterr().out.rstrip().splitlines()[-2:] == [
        "cnn: Ready to submit: every check passes.",
        "classic_networks: 5 points missing: see the TODO, FAIL and PART lines above.",
    ]


@pytest.mark.parametrize("layout", ["assignments", "."])
def test_check_finds_the_students_folder(engine, tmp_path, monkeypatch, layout):
    student_folder(tmp_path / layout)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check"]) == 0
    assert engine.calls[0]["folder"].resolve() == (tmp_path / layout).resolve()


def test_check_without_student_modules_says_where_it_looked(engine, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check"]) == 2
    assert "no student modules in ./assignments or in the current folder" in capsys.readouterr().err


def test_demo_builds_one_course_of_every_bundled_submission(tmp_path):
    from autograder.commands.demo import build_course, chosen_name, course_folder_name

    names = demo_submissions()
    assert names == ["reference", "assignments", *SAMPLES]
    course = build_course(tmp_path)
    assert sorted(p.name for p in course.iterdir()) == sorted(course_folder_name(n) for n in names)
    assert (course / "reference" / "conv_forward.py").read_bytes() == (REFERENCE_DIR / "conv_forward.py").read_bytes()
    for name in SAMPLES:  # planted now, from today's reference
        assert (course / name / "conv_forward.py").read_text(encoding="utf-8") == planted_sources(BY_NAME[name])["conv_forward.py"]
    for name in names:
        assert (course / course_folder_name(name) / "pseudonym.txt").read_text(encoding="utf-8") == chosen_name(name) + "\n"
    # A chosen name may not be a student id, or the scoreboard would draw a random one.
    assert all(chosen_name(n).casefold() != course_folder_name(n).casefold() for n in names)


def test_demo_refuses_an_out_folder_it_did_not_write(tmp_path, capsys):
    mine = tmp_path / "mine"
    (mine / "submissions").mkdir(parents=True)  # an instructor's course folder, say
    (mine / "notes.txt").write_text("keep me\n", encoding="utf-8")
    assert cli.main(["demo", "--out", str(mine)]) == 2
    assert "holds files the demo did not write" in capsys.readouterr().err
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me\n"


# --- the command line as a user meets it ---------------------------------------------------------


def test_the_command_line_does_not_import_torch():
    probe = (
        "import sys, autograder.cli as c\n"
        "for name in ('grade', 'check', 'demo'): c.build_parser(name)\n"
        "print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_help_names_the_grading_commands():
    done = run_convlab("--help")
    assert done.returncode == 0
    for command in ("grade", "check", "demo"):
        assert command in done.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["grade", "no/such/folder", "--seed", "1"], 2, "convlab grade: no such folder: no/such/folder"),
        (["grade", "grading.toml", "--seed", "1"], 2, "convlab grade: not a folder: grading.toml"),
        (["grade", "reference", "--seed", "abc"], 2, "convlab grade: --seed must be a whole number from 0 to 2**63 - 1, got 'abc'"),
        (["grade", "reference", "--seed", "-5"], 2, "--seed must be a whole number from 0 to 2**63 - 1, got '-5'"),
        (["grade", "reference", "--config", "no/such.toml"], 1, "convlab grade: no such grading policy file: no/such.toml"),
        (["check", "no/such/folder"], 2, "convlab check: no such folder: no/such/folder"),
    ],
)
def test_the_grader_says_why_it_cannot_run(args, code, message):
    done = run_convlab(*args)
    assert (done.returncode, done.stdout) == (code, "")
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_grade_without_a_seed_refuses(tmp_path):
    done = run_convlab("grade", str(student_folder(tmp_path / "alice")))
    assert done.returncode == 2
    assert f"the environment variable {SEED_ENV}" in done.stderr and "Traceback" not in done.stderr


def test_grade_with_a_broken_grading_toml_says_why(tmp_path):
    bad = tmp_path / "grading.toml"
    bad.write_text("[grader\npublic_seed = 1\n")
    done = run_convlab("grade", "reference", "--seed", "1", "--config", str(bad))
    assert done.returncode == 1
    assert f"convlab grade: cannot use {bad}:" in done.stderr and "Traceback" not in done.stderr


# --- end to end with the real engine --------------------------------------------------------------


@pytest.mark.slow
def test_the_reference_scores_full_marks(tmp_path):
    summary_path, results_path = tmp_path / "summary.json", tmp_path / "results.json"
    done = run_convlab("grade", "reference", "--json", str(summary_path), "--gradescope", str(results_path), env={SEED_ENV: HIDDEN_SEED})
    assert done.returncode == 0, done.stderr
    summary = json.loads(summary_path.read_text())
    assert summary["points"] == summary["points_possible"] > 0
    assert summary["seed_kind"] == "hidden" and "seed" not in summary
    results = json.loads(results_path.read_text())
    assert results["score"] == results["extra_data"]["max_score"] == summary["points"]
    assert HIDDEN_SEED not in done.stdout + summary_path.read_text() + results_path.read_text()


@pytest.mark.slow
def test_part_six_is_graded_out_of_its_own_hundred(tmp_path):
    scores = {}
    for name, folder in (("reference", "reference"), ("stubs", "assignments")):
        path = tmp_path / f"{name}.json"
        done = run_convlab("grade", folder, "--assignment", "classic_networks", "--gradescope", str(path), env={SEED_ENV: HIDDEN_SEED})
        assert done.returncode == 0, done.stderr
        results = json.loads(path.read_text())
        scores[name] = (results["score"], results["extra_data"]["max_score"])
        assert "network_shapes" in done.stdout and "conv2d_forward" not in done.stdout
    assert scores == {"reference": (100.0, 100.0), "stubs": (0.0, 100.0)}


@pytest.mark.slow
def test_check_on_the_reference_is_ready_to_submit(tmp_path):
    done = run_convlab("check", str(student_folder(tmp_path / "mine")))
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().splitlines()[-2:] == [
        "cnn: Ready to submit: every check passes.",
        "classic_networks: Ready to submit: every check passes.",
    ]


@pytest.mark.slow
def test_check_on_a_half_finished_submission_takes_one_line_per_unfinished_exercise(tmp_path):
    mine = student_folder(tmp_path / "assignments")
    unfinished = ("conv_backward", "pooling", "layers", "lenet")
    for module in unfinished:
        (mine / f"{module}.py").write_text((REPO_ROOT / "assignments" / f"{module}.py").read_text())
    done = run_convlab("check", cwd=tmp_path, env={"COLUMNS": "100"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.rstrip().splitlines()
    todo = [line for line in lines if line.startswith("TODO ")]
    # Part 6's blocks call the unfinished conv2d_backward and relu: they cannot be started either.
    assert [line.split()[1] for line in todo] == [
        "conv_relu_pool", "rot180", "dilate", "conv2d_backward", "max_pool", "avg_pool", "relu", "softmax_cross_entropy", "lenet",
        "residual_block", "bottleneck_block", "dense_block",
    ]
    assert re.split(r"\s{2,}", todo[4]) == ["TODO", "max_pool", "write max_pool_forward, max_pool_backward in pooling.py", "0 / 10"]
    assert [line.split()[1] for line in lines if line.startswith("PASS ")] == [
        "conv1d_full", "conv_output_size", "pool_output_size", "pad2d", "conv2d_forward", "classic_kernels",
        "network_shapes", "parameter_count", "receptive_field", "global_avg_pool", "batchnorm2d",
    ]
    assert "NotImplementedError" not in done.stdout
    assert len(lines) <= 23 + 20, done.stdout  # a line per exercise (23), and headings, totals and the recap
    # conv_relu_pool is written but calls the unwritten relu and max pooling: the next step is rot180.
    assert re.split(r"\s{2,}", todo[0]) == ["TODO", "conv_relu_pool", catalog("en").text("call.needs_unfinished"), "0 / 5"]
    assert lines[-1] == "11 of 23 exercises complete, 12 not started (TODO above). Next: rot180 in assignments/conv_backward.py."


@pytest.mark.slow
def test_demo_prints_every_table_the_summary_and_the_scoreboard(tmp_path):
    from autograder import config
    from autograder.commands.demo import chosen_name

    out = tmp_path / "demo"
    done = run_convlab("demo", "--out", str(out))
    assert done.returncode == 0, done.stderr
    for name in demo_submissions():
        assert f"convlab · {name}\n" in done.stdout
    # The stubs: one line per exercise (a long one wraps), each naming what to write and where.
    section = done.stdout.split("convlab · assignments\n", 1)[1].split("\ntime ", 1)[0]
    stubs = [line for line in section.splitlines() if line.startswith("TODO ")]
    assert len(stubs) == len(config.load_config().exercise_ids) == 23
    assert all(re.search(r" 0 / \d+$", line) for line in stubs)
    assert "write it in warmup.py" in stubs[0] and "PASS " not in section and "FAIL " not in section
    # The summary's first block: a heading row, a rule, then "name total ..." rows up to a blank line.
    first_block = done.stdout.split("\nsubmission", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    rows = {line.split()[0]: line.split()[1] for line in first_block}
    assert rows["reference"] == rows["max"]
    assert all(float(rows[name]) < float(rows["max"]) for name in SAMPLES)
    assert float(rows["assignments"]) == 0
    # The scoreboard: the site on disk, and its rows in the terminal under the chosen names.
    site = out / "scoreboard"
    assert {p.name for p in site.iterdir()} >= {"index.html", "scoreboard.csv", "scoreboard.json"}
    board = done.stdout.split(f"Scoreboard ({site.resolve() / 'index.html'}):\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert board[0].split() == ["rank", "name", "total"]
    shown = {}
    for line in board[2:]:
        name = next(chosen_name(n) for n in demo_submissions() if line[6:].startswith(chosen_name(n) + " "))
        shown[name] = line[6:].removeprefix(name).split()[0]
    assert shown == {chosen_name(name): rows[name] for name in demo_submissions()}
    assert board[2].split()[:3] == ["1", "Reference", "solution"]
    # A second run empties the folder the first one wrote and grades afresh.
    again = run_convlab("demo", "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert "0 kept from before" in again.stderr
    # Every bundled submission chose its name: the private map (kept for the next publication) drew none.
    assert json.loads((out / "pseudonyms.json").read_text())["pseudonyms"] == {}
    assert all(name not in (site / "index.html").read_text(encoding="utf-8") for name in SAMPLES)
