"""Every hostile submission (tests/hostile/attacks.py) against the sandbox, and end to end.

At the sandbox level, each attack must fail its own call, leave the next call of
the same session and a new session working, never show the planted canaries
(a fake seed in the grader's environment, canary files in the repository, $HOME,
/tmp and the submissions folder), and leave no process and no stray file behind.
End to end (marked slow), grading the hostile submission gives 0 points for the
attacked exercise and exactly the reference's points for every other.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.paths import REPO_ROOT
from autograder.sandbox import Limits, SandboxSession, forkserver, isolation_report
from hostile import ATTACKS, CANARY_MARKER
from hostile.traces import planted_files, wait_no_sandbox_processes
from levels import level_params
from submissions import build_submission

LIMITS = Limits(call_seconds=1.5, memory_mb=512, output_kb=16, file_size_mb=8, open_files=64, processes=32)
ALLOWED = ("numpy",)
REPORT = isolation_report()
NEIGHBOUR_RECORD = '{"points": 100.0, "student": "neighbour"}\n'
RNG = np.random.default_rng(7)
CALLS = {  # target -> honest arguments
    "conv1d_full": ([1.0, 2.0, 3.0], [0.0, 1.0, 0.5]),
    "classic_kernels": (),
    "softmax_cross_entropy": (RNG.normal(size=(4, 5)), np.array([0, 4, 2, 1])),
    "conv2d_forward": (RNG.normal(size=(2, 3, 6, 6)), RNG.normal(size=(4, 3, 3, 3)), RNG.normal(size=4)),
}
reference = importlib.import_module("reference")
STARTED = {"forked": "forked from a server that had imported numpy", "new_interpreter": "a new interpreter"}


def _expected(target: str):
    return getattr(reference, target)(*CALLS[target])


def same_value(got, expected) -> bool:
    """Exactly the reference's value: same container types, same array dtypes, shapes and numbers."""
    if isinstance(expected, np.ndarray):
        return type(got) is np.ndarray and got.dtype == expected.dtype and np.array_equal(got, expected)
    if isinstance(expected, (list, tuple)):
        return (type(got) is type(expected) and len(got) == len(expected)
                and all(same_value(g, e) for g, e in zip(got, expected)))
    if isinstance(expected, dict):
        return type(got) is dict and list(got) == list(expected) and all(same_value(got[k], v) for k, v in expected.items())
    return type(got) is type(expected) and got == expected


@pytest.fixture
def canaries(tmp_path, monkeypatch):
    """A fake hidden seed where a grader's machine keeps its secrets, and a neighbour's record.

    The seed is in this process's environment, and in the initial environment and command
    line of a process of the grader's user (an instructor's shell, a batch worker: what
    /proc/<pid>/environ shows); canary files lie in the repository, $HOME, /tmp and the
    submissions' folder; a neighbour's record.json lies in a results folder beside it.
    """
    value = f"{CANARY_MARKER}-{secrets.token_hex(8)}"
    monkeypatch.setenv("CONVLAB_SEED", value)
    monkeypatch.setenv("CONVLAB_CANARY", value)
    paths = [REPO_ROOT / f".{value}", Path.home() / f".{value}", Path("/tmp") / value, tmp_path / value]
    for path in paths:
        path.write_text(f"seed = {value}\n")
    neighbour = tmp_path / "results" / "submissions" / "neighbour" / "record.json"
    neighbour.parent.mkdir(parents=True)
    neighbour.write_text(NEIGHBOUR_RECORD)
    shell = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", f"--seed={value}"],
                             env={**os.environ, "CONVLAB_SEED": value})
    yield value
    shell.kill()
    shell.wait()
    for path in paths:
        path.unlink()
    assert neighbour.read_text() == NEIGHBOUR_RECORD, "a submission rewrote its neighbour's record"


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1: nothing from a sandbox may ever reach it."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    yield server
    server.close()


def _requirements_met(attack, level: str = "auto") -> bool:
    return all(name in isolation_report(level)["namespaces"] for name in attack.requires)


def _check_outcome(attack, outcome) -> None:
    expected = _expected(attack.target)
    if outcome.status == "ok":
        kind = "honest" if same_value(outcome.value, expected) else "wrong"
        assert kind in attack.outcomes, f"{attack.name}: the call returned an {kind} value"
    else:
        assert outcome.status in attack.outcomes, f"{attack.name}: {outcome}"
        assert outcome.error  # the student is told why


def test_there_are_enough_attacks():
    assert len(ATTACKS) >= 20
    assert len({attack.name for attack in ATTACKS}) == len(ATTACKS)


@pytest.mark.parametrize("start", ["forked", "new_interpreter"])
@pytest.mark.parametrize("level", level_params())
@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.name)
def test_an_attack_costs_its_own_call_and_nothing_else(attack, level, start, tmp_path, canaries, listener, monkeypatch):
    if start == "new_interpreter":  # the child as the grader starts it where no fork server can run
        monkeypatch.setenv(forkserver.ENABLED_VARIABLE, "0")
    if not _requirements_met(attack, level):
        pytest.skip(f"needs {attack.requires}; level {level} gives {isolation_report(level)['namespaces']}")
    assert planted_files() == []
    submission = attack.build(tmp_path / "submission", {"__PORT__": str(listener.getsockname()[1])})
    session = SandboxSession(submission, LIMITS, ALLOWED, level)
    try:
        outcome = session.call(attack.target, *CALLS[attack.target])
        _check_outcome(attack, outcome)
        honest = session.call("conv2d_forward", *CALLS["conv2d_forward"])
        assert honest.status == "ok" and same_value(honest.value, _expected("conv2d_forward"))
        assert session.isolation["started"] == STARTED[start]
        output = session.output
    finally:
        session.close()
    assert wait_no_sandbox_processes(session.folder, session.uid) == []
    assert not session.folder.exists()
    assert planted_files(tmp_path, submission) == []
    assert canaries not in repr(outcome) + output
    assert len(output.encode()) <= LIMITS.output_kb * 1024 + 200
    with pytest.raises(TimeoutError):  # no connection, at any level (seccomp, Landlock, a network namespace)
        listener.accept()
    with SandboxSession(submission, LIMITS, ALLOWED, level) as fresh:
        honest = fresh.call("conv2d_forward", *CALLS["conv2d_forward"])
    assert honest.status == "ok" and same_value(honest.value, _expected("conv2d_forward"))
    assert wait_no_sandbox_processes(fresh.folder, fresh.uid) == []


def test_the_shipped_files_never_ran(tmp_path):
    attack = next(attack for attack in ATTACKS if attack.name == "shipped_python_files")
    submission = attack.build(tmp_path / "submission", {})
    with SandboxSession(submission, LIMITS, ALLOWED) as session:
        for target in ("conv1d_full", "classic_kernels", "softmax_cross_entropy", "conv2d_forward"):
            outcome = session.call(target, *CALLS[target])
            assert outcome.status == "ok" and same_value(outcome.value, _expected(target)), target
        assert "convlab-hostile-imported" not in session.output
    assert planted_files() == []


# ---------------------------------------------------------------- end to end

SEED = 20240611
# Attacks on the whole process (forks, daemons, floods, patched numpy, fake files, shipped
# files) are graded on every exercise; the others on their own exercise and two neighbours.
GRADE_EVERYTHING = {"fork_bomb", "setsid_daemon", "monkeypatch_numpy", "shipped_python_files"}
NEIGHBOURS = ("conv_output_size", "relu")
E2E_CALL_SECONDS = 2.0
_reference_points: dict = {}


def _grader():
    """grade_submission and a config with a short call limit (a timeout attack then costs seconds, not minutes)."""
    try:
        from autograder.config import load_config
        from autograder.grade import grade_submission
    except ImportError:
        pytest.skip("autograder.grade.grade_submission is not there yet")
    config = load_config()
    config = dataclasses.replace(config, limits=dataclasses.replace(config.limits, call_seconds=E2E_CALL_SECONDS))
    return grade_submission, config


def _points_by_exercise(result) -> dict[str, float]:
    return {exercise.exercise_id: exercise.points for exercise in result.exercises}


@pytest.mark.slow
@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.name)
def test_grading_a_hostile_submission_costs_only_the_attacked_exercise(attack, tmp_path, canaries, listener):
    grade_submission, config = _grader()
    if not _requirements_met(attack):
        pytest.skip(f"needs {attack.requires}; this machine gives {REPORT['namespaces']}")
    if not _reference_points:
        _reference_points.update(_points_by_exercise(grade_submission(REPO_ROOT / "reference", seed=SEED, config=config)))
    only = None if attack.name in GRADE_EVERYTHING else (attack.exercise, *NEIGHBOURS)
    submission = attack.build(tmp_path / "submission", {"__PORT__": str(listener.getsockname()[1])})
    result = grade_submission(submission, seed=SEED, config=config, only=only)
    points = _points_by_exercise(result)
    assert set(points) == set(only or _reference_points)
    for exercise, earned in points.items():
        if exercise == attack.exercise and "honest" not in attack.outcomes:
            assert earned == 0, f"{attack.name} scored {earned} on {exercise}"
        else:
            assert earned == _reference_points[exercise], f"{attack.name} changed the points of {exercise}"
    assert canaries not in repr(result.to_dict())
    assert planted_files(tmp_path, submission) == []


# ---------------------------------------------------------------- attacks on the judging


@pytest.mark.slow
def test_a_gamed_gradient_check_earns_nothing(tmp_path):
    from hostile.judging import GAMED_GRADIENT_CHECK

    grade_submission, config = _grader()
    submission = build_submission(tmp_path / "gamed", GAMED_GRADIENT_CHECK)
    result = grade_submission(submission, seed=SEED, config=config, only=["conv2d_backward", "conv2d_forward"])
    backward, forward = result.exercises[1], result.exercises[0]
    assert [backward.exercise_id, forward.exercise_id] == ["conv2d_backward", "conv2d_forward"]
    assert backward.points == 0, [c.check_id for c in backward.checks if c.points]
    assert forward.points == forward.points_possible  # the gaming forward is right wherever it is asked


@pytest.mark.slow
def test_hidden_inputs_never_reach_a_message_shown_before_publication(tmp_path):
    from autograder.exercises import REGISTRY
    from autograder.grade import prepare
    from hostile.judging import HIDDEN_INPUTS_IN_VISIBLE_MESSAGES

    grade_submission, config = _grader()
    submission = build_submission(tmp_path / "leaky", HIDDEN_INPUTS_IN_VISIBLE_MESSAGES)
    result = grade_submission(submission, seed=SEED, config=config, only=["max_pool"])
    prepared, _ = prepare(REGISTRY["max_pool"], SEED)
    hidden_inputs = [np.asarray(case.args[0 if entry.check.target == "max_pool_forward" else 1])
                     for entry in prepared.checks.values() if not entry.check.gradcheck
                     for case in entry.cases if case.hidden]
    visible = [case for check in result.exercises[0].checks for case in check.cases if not case.hidden]
    assert any("seen: " in case.message for case in visible)  # the attack ran and spoke
    for case in visible:
        for x in hidden_inputs:
            assert f"{tuple(x.shape)} {x.ravel()[:3].tolist()}" not in case.message, case.message
    from autograder.report.gradescope import gradescope_results

    shown_at_once = [t["output"] for t in gradescope_results(result)["tests"] if t["visibility"] == "visible"]
    for x in hidden_inputs:
        assert not any(str(x.ravel()[0]) in output for output in shown_at_once)


@pytest.mark.slow
def test_values_that_once_crashed_the_grader_leave_every_report_written(tmp_path):
    from hostile.judging import CRASHING_EXERCISES, CRASHING_VALUES

    from autograder.cli import main

    submission = build_submission(tmp_path / "crashing", CRASHING_VALUES)
    results, summary_file = tmp_path / "results.json", tmp_path / "summary.json"
    code = main(["grade", str(submission), "--seed", str(SEED), "--gradescope", str(results), "--json", str(summary_file)])
    assert code == 0
    for path in (results, summary_file):
        text = path.read_bytes().decode("utf-8")  # strict: a lone surrogate would not decode
        assert not any(ch in text for ch in ("\x00", "\x1b", "\r", "\u202e")), path
        json.loads(text)
    document = json.loads(results.read_text())
    scores = {t["name"].split(":")[0]: 0 for t in document["tests"]}
    for test in document["tests"]:
        scores[test["name"].split(":")[0]] += test["score"]
    assert all(scores[exercise] == 0 for exercise in CRASHING_EXERCISES), scores
