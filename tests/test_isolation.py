"""The isolation levels from the outside: what each records, the instructor's floor, the hidden
seed kept out of every process's environment, per-student hidden cases, and what a killed
batch leaves behind.

The promises that hold at every level (the seed and expected values out of reach, nothing
outside the work folder writable, every attack contained) are tried by tests/test_hostile.py
and tests/test_sandbox.py at each level this machine gives; `.ci/run` runs them as root and
again as an unprivileged user.
"""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.config import load_config
from autograder.grade import grade_submission
from autograder.paths import GRADING_TOML, REPO_ROOT
from autograder.sandbox.isolation import LEVELS, IsolationUnavailable, rank, settings
from hostile.plant import replace_function
from levels import available_levels, level_params
from submissions import build_submission

CONFIG = load_config()
SEED = "918273645"


def _config(level: str):
    return dataclasses.replace(CONFIG, isolation=dataclasses.replace(CONFIG.isolation, level=level))


def _convlab(*args, env=None, **options) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != CONFIG.grader.seed_env}
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=REPO_ROOT, capture_output=True,
                          text=True, env={**environment, **(env or {})}, timeout=600, **options)


@pytest.mark.parametrize("level", level_params())
def test_every_result_records_the_level_it_was_graded_at(level, tmp_path):
    result = grade_submission(build_submission(tmp_path / "ref"), seed=7, config=_config(level), only=["relu"])
    isolation = result.environment["isolation"]
    assert isolation["level"] == level and isolation["summary"].startswith(f"{level}: ")
    assert "Landlock" in isolation["summary"] and "seccomp" in isolation["summary"]
    assert result.points == result.points_possible


def test_a_level_this_machine_cannot_give_is_refused_with_the_reason():
    missing = [level for level in LEVELS if level not in available_levels()]
    if not missing:
        pytest.skip("this machine gives every level (root)")
    with pytest.raises(IsolationUnavailable, match=f"level {missing[0]}"):
        settings(missing[0])


def _weak_policy(tmp_path: Path) -> Path:
    policy = tmp_path / "grading.toml"
    policy.write_text(GRADING_TOML.read_text().replace('floor = "minimal"', 'floor = "full"'))
    return policy


def test_the_floor_refuses_hidden_seed_grading_below_it_unless_overridden(tmp_path):
    weakest = available_levels()[-1]
    if rank(weakest) >= rank("full"):
        pytest.skip("no level below full here")
    folder = build_submission(tmp_path / "ref")
    policy = _weak_policy(tmp_path)
    refused = _convlab("grade", folder, "--seed", SEED, "--config", policy, "--isolation", weakest)
    assert refused.returncode == 2, refused.stderr
    assert (f"grading with the hidden seed needs isolation level full (grading.toml [isolation] floor), but this "
            f"machine gives {weakest}") in refused.stderr
    assert "To get full: run the grader as root" in refused.stderr and "--allow-weak-isolation" in refused.stderr
    results = tmp_path / "results.json"
    allowed = _convlab("grade", folder, "--seed", SEED, "--config", policy, "--isolation", weakest,
                       "--allow-weak-isolation", "--gradescope", results)
    assert allowed.returncode == 0, allowed.stderr
    assert f"isolation (weaker than full): {weakest}: " in json.loads(results.read_text())["output"]
    assert "isolation (weaker than full)" in allowed.stdout


def test_gradescopes_runner_keeps_the_floor_unless_the_zip_allows_weaker(tmp_path):
    from autograder.gradescope.run import GraderFailure, isolated_config

    weakest = available_levels()[-1]
    if rank(weakest) >= rank("full"):
        pytest.skip("no level below full here")
    config = load_config(_weak_policy(tmp_path))
    config = dataclasses.replace(config, isolation=dataclasses.replace(config.isolation, level=weakest))
    with pytest.raises(GraderFailure, match=f"needs isolation level full .* but this machine gives {weakest}: .*To get full: "):
        isolated_config(config, allow_weak=False)
    allowed, level = isolated_config(config, allow_weak=True)
    assert level == weakest and allowed.isolation.level == weakest


def test_a_student_may_run_check_at_any_level(tmp_path):
    """`convlab check` uses the public seed: the floor does not apply to it."""
    folder = build_submission(tmp_path / "ref", omit=("lenet",))
    done = _convlab("check", folder)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_the_batchs_workers_never_hold_the_seed_in_their_environment(tmp_path):
    """The batch reads the seed from its environment, then drops it: the worker processes it
    starts (and their sandboxes) never have it, and it makes itself non-dumpable."""
    course = tmp_path / "course"
    build_submission(course / "slow", replace_function("warmup", "def conv1d_full(f, g):",
                                                       "def conv1d_full(f, g):\n    import time\n    time.sleep(8)\n"))
    seed = "31415926535"
    batch = subprocess.Popen([sys.executable, "-m", "autograder", "batch", str(course), "--out", str(tmp_path / "out"),
                              "--jobs", "1"], cwd=REPO_ROOT, env={**os.environ, CONFIG.grader.seed_env: seed},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        found = _wait_for_descendants(batch.pid, minimum=2)
        assert found, "the batch started no worker"
        for pid in found:
            try:
                environ = Path(f"/proc/{pid}/environ").read_bytes()
            except (OSError, PermissionError):
                continue  # non-dumpable to us: even better
            assert seed.encode() not in environ, f"process {pid} holds the seed in its environment"
        if os.geteuid() != 0:  # as root everything is root's; as a user, non-dumpable files turn root's
            assert os.stat(f"/proc/{batch.pid}/environ").st_uid == 0
    finally:
        os.killpg(batch.pid, signal.SIGKILL)
        batch.wait()


def _wait_for_descendants(pid: int, minimum: int, timeout: float = 60.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _descendants(pid)
        if len(found) >= minimum:
            return found
        time.sleep(0.2)
    return _descendants(pid)


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*") if Path(f"/proc/{parent}/task").exists() else ():
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


@pytest.mark.slow
def test_a_batch_killed_with_sigkill_leaves_nothing_the_next_run_does_not_remove(tmp_path):
    course = tmp_path / "course"
    build_submission(course / "slow", replace_function("warmup", "def conv1d_full(f, g):",
                                                       "def conv1d_full(f, g):\n    import time\n    time.sleep(30)\n"))
    before = set(Path(tempfile.gettempdir()).glob("convlab-*"))
    batch = subprocess.Popen([sys.executable, "-m", "autograder", "batch", str(course), "--out", str(tmp_path / "out"),
                              "--seed", SEED, "--jobs", "1"], cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not any("convlab-batch-" in p.name for p in set(Path(tempfile.gettempdir()).glob("convlab-*")) - before):
        assert time.monotonic() < deadline, "the batch never started grading"
        time.sleep(0.2)
    time.sleep(1.0)
    batch.kill()  # SIGKILL: nothing of the batch itself runs any more
    batch.wait()
    time.sleep(3.0)  # its workers and sandboxes notice and end
    left = set(Path(tempfile.gettempdir()).glob("convlab-*")) - before
    assert left, "a SIGKILL left nothing behind: the test no longer tries what it says"
    build_submission(tmp_path / "next" / "quick", omit=("lenet", "conv_backward", "pooling", "kernels", "layers"))
    rerun = _convlab("batch", tmp_path / "next", "--out", tmp_path / "out2", "--seed", SEED, "--jobs", "1")
    assert rerun.returncode == 0, rerun.stderr
    assert not [p for p in left if p.exists()]


def test_per_student_hidden_cases_differ_between_students_and_keep_the_points(tmp_path):
    from autograder.commands.seed import case_seed, student_seed

    per_student = dataclasses.replace(CONFIG, grader=dataclasses.replace(CONFIG.grader, hidden_cases="per_student"))
    seeds = {name: case_seed(per_student, 12345, "hidden", name) for name in ("alice", "bob")}
    assert seeds["alice"] != seeds["bob"] and seeds["alice"] == student_seed(12345, "alice")
    assert case_seed(per_student, 12345, "public", "alice") == 12345  # the public seed is everyone's
    assert case_seed(CONFIG, 12345, "hidden", "alice") == 12345  # per_course: the course's own
    results = {name: grade_submission(build_submission(tmp_path / name), seed=seed, only=["conv2d_forward"])
               for name, seed in seeds.items()}
    names = {name: [c.name for e in r.exercises for ch in e.checks for c in ch.cases if c.hidden] for name, r in results.items()}
    assert names["alice"] != names["bob"]  # other shapes, strides and paddings
    assert results["alice"].points == results["bob"].points == results["alice"].points_possible


def test_the_levels_this_machine_gives_are_the_expected_ones():
    """scripts/test-unprivileged says which levels its user must get; a level silently lost fails here."""
    expected = os.environ.get("CONVLAB_EXPECT_LEVELS")
    if not expected:
        pytest.skip("CONVLAB_EXPECT_LEVELS is not set (scripts/test-unprivileged sets it)")
    assert available_levels() == tuple(expected.split(","))
    assert settings("auto").level == expected.split(",")[0]
