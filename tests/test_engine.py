"""The grading engine: cases, comparison, tolerances, gradient checks, diagnosis, and whole gradings.

Fast tests run the engine's parts in this process against the reference (tests may
import it; the engine never does). Tests marked slow grade real submission folders
through the sandbox.
"""
from __future__ import annotations

import copy
import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import reference
from autograder import oracle
from autograder.cases import case_rng
from autograder.compare import ShapeOnly, changed_arguments, compare, diagnose, error_ratio
from autograder.config import load_config
from autograder.exercises import REGISTRY
from autograder.exercises.spec import Raised
from autograder.gradcheck import run_grad_case
from autograder.grade import grade_submission, mistake_outputs, prepare
from autograder.messages import catalog
from autograder.paths import ASSIGNMENTS_DIR, STUDENT_MODULES
from autograder.sandbox import CallOutcome
from samples.mistakes import BY_NAME
from submissions import build_submission, importable_package

SEEDS = (2021, 31337)
CONFIG = load_config()
TOL = CONFIG.tolerance
GRAD = CONFIG.gradcheck
# The margins grading.toml documents for its tolerances.
FLOAT32_WORST = 1 / 25
MISTAKE_LEAST = 45.0
FLOAT32_GRADCHECK_WORST = 5e-3
FLOAT64_GRADCHECK_WORST = 1e-6


@pytest.fixture(scope="module", autouse=True)
def cpu_oracle():
    oracle.configure("cpu")


# --- the reference, called in this process ------------------------------------------------------


def _as_float32(value):
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32)
    if isinstance(value, dict):
        return {k: _as_float32(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_float32(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_as_float32(v) for v in value)
    return value


def reference_call(target, args, kwargs, *, float32=False, replace=None):
    """What the reference returns (computed in float32 when asked; `replace` swaps in other functions)."""
    if float32:
        args, kwargs = _as_float32(tuple(args)), {k: _as_float32(v) for k, v in kwargs.items()}
    if replace is not None and target in replace:
        return replace[target](*args, **kwargs)
    if target == "LeNet.steps":
        net = reference.LeNet(seed=0)
        net.params = dict(args[0])
        for x, dlogits in args[1]:
            net.forward(x)
            grads = net.backward(dlogits)
        return grads
    if target.startswith("LeNet."):
        net = reference.LeNet(seed=0)
        net.params = dict(args[0])
        logits = net.forward(args[1])
        return logits if target == "LeNet.forward" else net.backward(args[2])
    return getattr(reference, target)(*args, **kwargs)


def caller(**options):
    """A gradcheck `call` running the reference in-process; counts its calls by target."""
    counts: dict[str, int] = {}

    def call(target, args, kwargs, key=None):
        counts[target] = counts.get(target, 0) + 1
        try:
            return CallOutcome("ok", reference_call(target, args, kwargs, **options))
        except NotImplementedError:
            return CallOutcome("not_implemented", error_type="NotImplementedError")

    call.counts = counts
    return call


def oracle_forward(target, args, kwargs):
    return oracle.ORACLES[target](*args, **kwargs)


def compare_cases(seed):
    """(exercise, check, index, case, expected) for every compared (non-gradcheck) case."""
    for exercise in REGISTRY.values():
        prepared, _ = prepare(exercise, seed)
        for check in exercise.checks:
            if check.gradcheck:
                continue
            entry = prepared.checks[check.id]
            for index, case in enumerate(entry.cases):
                yield exercise, check, index, case, entry.expected[index], prepared


# --- cases ----------------------------------------------------------------------------------------------


def _flat(value):
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flat(v)]
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in _flat(v)]
    return [np.asarray(value)]


def test_cases_depend_on_the_seed_and_the_check_only():
    exercise = REGISTRY["conv2d_backward"]
    check = exercise.checks[2]
    first = check.cases(case_rng(7, exercise.id, check.id))
    for other in REGISTRY["lenet"].checks:  # drawing other cases in between changes nothing
        other.cases(case_rng(7, "lenet", other.id))
    again = check.cases(case_rng(7, exercise.id, check.id))
    different = check.cases(case_rng(8, exercise.id, check.id))
    assert all(np.array_equal(a, b) for a, b in zip(_flat([c.args for c in first]), _flat([c.args for c in again])))
    assert not all(np.array_equal(a, b) for a, b in zip(_flat([c.args for c in first]), _flat([c.args for c in different])))


def test_hidden_cases_cover_what_the_lecture_examples_cannot():
    seen = {"stride": set(), "padding": set(), "nondivisible": False, "h_ne_w": False, "kh_ne_kw": False}
    for case in REGISTRY["conv2d_backward"].checks[2].cases(case_rng(2021, "conv2d_backward", "stride_padding")):
        delta, x, w = case.args
        s, p = case.kwargs["stride"], case.kwargs["padding"]
        seen["stride"].add(s)
        seen["padding"].add(p)
        seen["nondivisible"] |= (x.shape[2] + 2 * p - w.shape[2]) % s != 0
        seen["h_ne_w"] |= x.shape[2] != x.shape[3]
        seen["kh_ne_kw"] |= w.shape[2] != w.shape[3]
        assert not np.allclose(delta, delta.flat[0])  # a real upstream gradient, not all ones
    assert seen["stride"] == {2, 3} and seen["padding"] >= {0, 1, 2}
    assert seen["nondivisible"] and seen["h_ne_w"] and seen["kh_ne_kw"]
    ties = REGISTRY["max_pool"].checks[4].cases(case_rng(2021, "max_pool", "backward_ties"))
    assert all(len(np.unique(case.args[1])) < case.args[1].size for case in ties)
    tie_free = REGISTRY["max_pool"].checks[3].cases(case_rng(2021, "max_pool", "backward_hidden"))
    assert all(len(np.unique(case.args[1])) == case.args[1].size for case in tie_free)


# --- comparison -------------------------------------------------------------------------------------------


def _keys(problems):
    return [(p.leaf, p.key) for p in problems]


def test_compare_checks_type_shape_dtype_and_finiteness_before_values():
    e = np.arange(6.0).reshape(2, 3)
    assert compare(e.copy(), e, TOL) == []
    assert _keys(compare(e.tolist(), e, TOL)) == [("", "compare.not_array")]
    subclass = type("Subclass", (np.ndarray,), {})
    assert _keys(compare(e.view(subclass), e, TOL)) == [("", "compare.not_array")]
    assert _keys(compare(e.T.copy(), e, TOL)) == [("", "compare.shape")]
    assert _keys(compare(e.astype(int), e, TOL)) == [("", "compare.dtype")]
    assert _keys(compare(e > 1, e, TOL)) == [("", "compare.dtype")]
    broken = e.copy()
    broken[1, 2] = np.nan
    problem = compare(broken, e, TOL)[0]
    assert (problem.key, problem.params) == ("compare.not_finite", {"count": 1, "size": 6, "index": "(1, 2)", "got": "nan"})
    assert compare(e.astype(np.float32), e, TOL) == []


def test_value_messages_show_expected_values_only_for_visible_cases():
    e = np.arange(6.0).reshape(2, 3)
    got = e.copy()
    got[0, 1] += 0.5
    got[1, 0] += 2.0
    visible = compare(got, e, TOL, hidden=False)[0]
    assert visible.key == "compare.values"
    assert visible.params == {"count": 2, "size": 6, "index": "(1, 0)", "expected": "3", "got": "5"}
    text = catalog("en").text(visible.key, **visible.params)
    assert text == "2 of 6 values differ; the largest difference is at index (1, 0): expected 3, got 5"
    hidden = compare(got, e, TOL, hidden=True)[0]
    assert hidden.key == "compare.values_hidden" and "expected" not in hidden.params


def test_tolerance_is_relative_to_the_array_and_to_each_value():
    e = np.array([1000.0, 0.0, -3.0])
    inside = e + np.array([0.19, 0.019, 0.019])  # rtol * 1000 = 0.2; atol * max = 0.02
    assert compare(inside, e, TOL) == []
    assert _keys(compare(e + np.array([0.0, 0.021, 0.0]), e, TOL)) == [("", "compare.values_hidden")]
    assert _keys(compare(e + np.array([0.23, 0.0, 0.0]), e, TOL)) == [("", "compare.values_hidden")]


def test_structured_results_name_their_parts():
    e = (np.zeros((2, 2)), np.ones(3), np.array([1.0]))
    got = [np.zeros((2, 2)), np.ones(4), np.array([2.0])]  # a list is as good as a tuple
    problems = compare(got, e, TOL, leaf_names=("delta_out", "dw", "db"))
    assert _keys(problems) == [("dw", "compare.shape"), ("db", "compare.values_hidden")]
    assert _keys(compare((np.zeros((2, 2)),), e, TOL)) == [("", "compare.length")]
    kernels = {"blur": np.ones(2), "emboss": np.ones(2)}
    assert _keys(compare({"blur": np.ones(2), "extra": 1}, kernels, TOL)) == [
        ("", "compare.missing_keys"), ("", "compare.extra_keys")
    ]


def test_sizes_are_exact_integers():
    assert compare(np.int64(3), 3, TOL) == []
    assert _keys(compare(3.0, 3, TOL)) == [("", "compare.not_int")]
    assert _keys(compare(True, 1, TOL)) == [("", "compare.not_int")]
    assert compare(4, 3, TOL, hidden=False)[0].params == {"expected": 3, "got": "4"}
    assert compare(10**400, 3, TOL, hidden=False)[0].params == {"expected": 3, "got": "an int of 401 digits"}
    assert compare(10**400, 3.5, TOL, hidden=False)[0].key == "compare.real_not_finite"
    assert compare(4, np.int64(3), TOL)[0].key == "compare.int_hidden"


def test_changed_arguments_are_named():
    x = np.arange(4.0)
    assert changed_arguments([("z", x), ("size", 2)], [x.copy(), 2]) == []
    assert changed_arguments([("z", x), ("size", 2)], [np.maximum(x, 2.0), 2]) == ["z"]
    assert changed_arguments([("params", {"a": x})], [{"a": x.astype(np.float32)}]) == ["params"]


# --- tolerance rationale: float32 passes, every known mistake fails -----------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_float32_results_pass_with_the_documented_margin(seed):
    worst = {}
    for exercise, check, index, case, expected, _ in compare_cases(seed):
        if case.expect_error:
            continue
        got = reference_call(check.target_of(case), case.args, case.kwargs, float32=True)
        got = got[case.pick] if case.pick is not None else got
        cast = _as_float32(expected) if not isinstance(expected, tuple) else tuple(_as_float32(e) for e in expected)
        assert compare(cast, expected, TOL, leaf_names=check.leaves) == []
        assert compare(got, expected, TOL, leaf_names=check.leaves) == [], f"{exercise.id}/{check.id}/{index}"
        worst[exercise.id] = max(worst.get(exercise.id, 0.0), error_ratio(got, expected, TOL))
    assert max(worst.values()) <= FLOAT32_WORST, worst


@pytest.mark.parametrize("seed", SEEDS)
def test_every_known_mistake_fails_clearly_and_is_named(seed):
    """Each mistake's answer, handed in as a student's, fails at least one case by a wide
    margin, never lands near the tolerance, and is diagnosed as that mistake."""
    failed, named, closest = {}, {}, {}
    for exercise, check, index, case, expected, prepared in compare_cases(seed):
        if case.expect_error:
            continue
        for mistake, output in mistake_outputs(exercise, prepared, check, index):
            key = (exercise.id, mistake.id, id(mistake))
            failed.setdefault(key, 0)
            named.setdefault(key, False)
            if output is None:
                continue
            if isinstance(output, Raised):  # an exception fails its case; tests/zoo plants real ones to name
                failed[key] += 1
                named[key] = True
                continue
            if isinstance(output, ShapeOnly):  # known by its shape: whatever fills it
                output = np.zeros(output.shape)
            ratio = error_ratio(output, expected, TOL)
            if ratio <= 1:
                continue
            closest[key] = min(closest.get(key, np.inf), ratio)
            failed[key] += 1
            problems = compare(output, expected, TOL, leaf_names=check.leaves, hidden=case.hidden)
            assert problems, f"{key}: fails the ratio but passes compare"
            failing = [p.leaf for p in problems]
            candidates = mistake_outputs(exercise, prepared, check, index)
            found = diagnose(output, expected, failing, candidates, TOL, check.leaves)
            assert found, f"{exercise.id}/{check.id}/{index}: {mistake.id} not recognised"
            named[key] |= found[0][1].id == mistake.id
    argument_checks = {"size_no_validation", "size_rejects_numpy_int"}  # judged on their own check below
    never = [k for k, n in failed.items() if n == 0 and k[1] not in argument_checks]
    assert not never, f"mistakes no case catches: {never}"
    unnamed = [k for k, ok in named.items() if not ok and k[1] not in argument_checks]
    assert not unnamed, f"mistakes never named: {unnamed}"
    near = {k: r for k, r in closest.items() if r < MISTAKE_LEAST}
    assert not near, f"mistakes too close to the tolerance: {near}"


# --- numeric gradient checks ------------------------------------------------------------------------------


def grad_cases(seed):
    for exercise in REGISTRY.values():
        for check in exercise.checks:
            if check.gradcheck:
                for case in check.cases(case_rng(seed, exercise.id, check.id)):
                    yield exercise.id, case


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("float32", [False, True], ids=["float64", "float32"])
def test_correct_backward_passes_pass_every_gradient_check(seed, float32):
    worst = 0.0
    for exercise_id, case in grad_cases(seed):
        verdict = run_grad_case(case, caller(float32=float32), oracle_forward, GRAD.rtol, GRAD.atol)
        assert verdict.passed, f"{exercise_id}: {verdict.problems}"
        worst = max(worst, verdict.worst)
    assert worst <= (FLOAT32_GRADCHECK_WORST if float32 else FLOAT64_GRADCHECK_WORST)


def _conv_backward_dw_doubled(delta_in, x, w, stride=1, padding=0):
    delta_out, dw, db = reference.conv2d_backward(delta_in, x, w, stride, padding)
    return delta_out, 2 * dw, db


def _max_pool_overwrite(delta_in, x, size=2, stride=2):
    out = np.zeros_like(x)
    h_out, w_out = delta_in.shape[2:]
    for i in range(h_out):
        for j in range(w_out):
            window = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size]
            flat = window.reshape(*window.shape[:2], -1).argmax(axis=2)
            for n in range(x.shape[0]):
                for c in range(x.shape[1]):
                    u, v = divmod(flat[n, c], size)
                    out[n, c, i * stride + u, j * stride + v] = delta_in[n, c, i, j]
    return out


def _lenet_last_bias_halved(params, x, dlogits):
    grads = reference_call("LeNet.backward", (params, x, dlogits), {})
    return {**grads, "fc3.bias": grads["fc3.bias"] / 2}


def _bn_backward_no_mean_term(delta_in, x, gamma, beta, eps=1e-5):
    dx, dgamma, dbeta = reference.batchnorm2d_backward(delta_in, x, gamma, beta, eps)
    g = delta_in * gamma[None, :, None, None]
    std = np.sqrt(x.var(axis=(0, 2, 3), keepdims=True) + eps)
    return dx + g.mean(axis=(0, 2, 3), keepdims=True) / std, dgamma, dbeta


def _with_gradient_changed(target, name, change):
    def wrong(delta_in, x, params, *options):
        grads = reference_call(target, (delta_in, x, params, *options), {})
        return {**grads, name: change(grads[name], delta_in)}

    return {target: wrong}


def _residual_dx_from_the_branch_only(delta_in, x, params, stride=1):
    grads = reference.residual_block_backward(delta_in, x, params, stride)
    s = reference.residual_block_forward(x, params, stride)  # > 0 exactly where the final ReLU passes
    shortcut = np.where(s > 0, delta_in, 0.0)
    if "shortcut.weight" in params:
        shortcut = reference.conv2d_backward(shortcut, x, params["shortcut.weight"], stride)[0]
    return {**grads, "x": grads["x"] - shortcut}


WRONG_BACKWARD = [
    ("global_avg_pool", {"global_avg_pool_backward": lambda delta_in, x: reference.global_avg_pool_backward(delta_in, x) * x.shape[2] * x.shape[3]}, "delta_out"),
    ("batchnorm2d", {"batchnorm2d_backward": _bn_backward_no_mean_term}, "dx"),
    ("conv2d_backward", {"conv2d_backward": _conv_backward_dw_doubled}, "dw"),
    ("max_pool", {"max_pool_backward": _max_pool_overwrite}, "delta_out"),
    ("relu", {"relu_backward": lambda delta_in, z: np.where(delta_in > 0, delta_in, 0.0)}, "delta_out"),
    ("softmax_cross_entropy", {"softmax_cross_entropy": lambda lg, lb: (reference.softmax_cross_entropy(lg, lb)[0], reference.softmax_cross_entropy(lg, lb)[1] * len(lb))}, "dlogits"),
    ("lenet", {"LeNet.backward": _lenet_last_bias_halved}, "fc3.bias"),
]


@pytest.mark.parametrize("exercise_id, backward, name", WRONG_BACKWARD, ids=[w[0] for w in WRONG_BACKWARD])
def test_a_wrong_backward_pass_fails_its_gradient_check(exercise_id, backward, name):
    verdicts = [run_grad_case(c, caller(replace=backward), oracle_forward, GRAD.rtol, GRAD.atol)
                for e, c in grad_cases(2021) if e == exercise_id]
    failed = [v for v in verdicts if not v.passed]
    assert failed
    assert all(v.worst > 10 * GRAD.rtol for v in failed)
    assert any(name in str(p.params) for v in failed for p in v.problems)


# A block's gradient checks follow random directions (through x, through every parameter) and
# each gradient's largest entry. A mistake in one part of a large gradient moves a random
# directional derivative only by that part's share, so a direction may fail by little more
# than the tolerance; the largest entries fail by a wide margin.
WRONG_BLOCK_BACKWARD = [
    ("residual_block", {"residual_block_backward": _residual_dx_from_the_branch_only}, "x"),
    ("residual_block", _with_gradient_changed("residual_block_backward", "conv1.weight", lambda g, d: -g), "conv1.weight"),
    ("bottleneck_block", _with_gradient_changed("bottleneck_block_backward", "conv2.weight", lambda g, d: 0.5 * g), "conv2.weight"),
    ("dense_block", _with_gradient_changed("dense_block_backward", "x", lambda g, d: d[:, : g.shape[1]].copy()), "x"),
    ("dense_block", _with_gradient_changed("dense_block_backward", "layer0.weight", lambda g, d: 0.5 * g), "layer0.weight"),
]


@pytest.mark.parametrize("exercise_id, backward, name", WRONG_BLOCK_BACKWARD, ids=[f"{w[0]}-{w[2]}" for w in WRONG_BLOCK_BACKWARD])
def test_a_wrong_block_backward_fails_its_gradient_checks(exercise_id, backward, name):
    verdicts = [run_grad_case(c, caller(replace=backward), oracle_forward, GRAD.rtol, GRAD.atol) for e, c in grad_cases(2021) if e == exercise_id]
    failed = [v for v in verdicts if not v.passed]
    assert failed and max(v.worst for v in failed) > 10 * GRAD.rtol
    assert any(name in str(p.params) for v in failed for p in v.problems)


def test_a_gradient_check_never_calls_the_students_forward_pass():
    """Only the backward pass is the student's: a wrong forward changes nothing, a stateful one steers nothing."""

    def flipped(x, w, b, stride=1, padding=0):
        return reference.conv2d_forward(x, w[..., ::-1, ::-1], b, stride, padding)

    cases = [c for e, c in grad_cases(2021) if e == "conv2d_backward"]
    call = caller(replace={"conv2d_forward": flipped})
    assert all(run_grad_case(c, call, oracle_forward, GRAD.rtol, GRAD.atol).passed for c in cases)
    assert call.counts == {"conv2d_backward": len(cases)}
    wrong = caller(replace={"conv2d_backward": _conv_backward_dw_doubled})
    failed = [run_grad_case(c, wrong, oracle_forward, GRAD.rtol, GRAD.atol) for c in cases]
    assert any(p.key == "gradcheck.direction" for v in failed for p in v.problems)


def test_lenet_gradient_check_costs_fifteen_forward_passes():
    call = caller()
    cases = [c for e, c in grad_cases(2021) if e == "lenet"]
    verdicts = [run_grad_case(c, call, oracle_forward, GRAD.rtol, GRAD.atol) for c in cases]
    assert all(v.passed for v in verdicts)
    # 2 of the oracle's forward passes per direction or coordinate; the student's backward
    # once per case here (the engine shares it between the cases of one point, by key).
    assert sum(v.forward_calls for v in verdicts) == 14
    assert call.counts == {"LeNet.backward": len(cases)}
    parameters = sum(np.prod(shape) for shape in oracle.LENET_PARAM_SHAPES.values())
    assert parameters == 61_706  # a per-coordinate check would need 2 * 61,706 = 123,412 forward passes


# --- the engine with an in-process stand-in for the sandbox ----------------------------------------------


class InProcessSession:
    """A SandboxSession look-alike running the reference with one planted in-place ReLU.

    Only for testing the engine's side of the input-mutation check in isolation.
    """

    def __init__(self, submission_dir, limits, allowed_modules, level="auto"):
        pass

    def load(self, modules):
        return CallOutcome("ok")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def call(self, target, *args, **kwargs):
        # Like the real sandbox, the child works on copies of the engine's arguments.
        args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
        return self._run(target, args, kwargs)

    def _run(self, target, args, kwargs):
        if target == "relu_forward":
            z = args[0]
            return CallOutcome("ok", np.maximum(z, 0, out=z))  # the planted mistake
        return CallOutcome("ok", reference_call(target, args, kwargs))

    def call_with_inputs(self, target, *args, **kwargs):
        args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
        outcome = self._run(target, args, kwargs)
        outcome.value = {"result": outcome.value, "args": list(args), "kwargs": kwargs}
        return outcome


def test_a_function_that_changes_its_input_fails_and_is_named(monkeypatch, tmp_path):
    import autograder.sandbox

    monkeypatch.setattr(autograder.sandbox, "SandboxSession", InProcessSession)
    result = grade_submission(tmp_path, seed=2021, only=["relu"])
    forward = result.exercises[0].checks[0]
    assert [c.passed for c in forward.cases] == [False, False, False]
    assert all(c.diagnosis == "input_mutated" for c in forward.cases)
    assert "your function changed its argument z in place" in forward.cases[0].message
    assert all(c.passed for check in result.exercises[0].checks[1:] for c in check.cases)


# --- whole gradings through the sandbox ----------------------------------------------------------------------

STRIP = {"seconds", "timings"}


def outline(result) -> dict:
    """The result without wall-clock times."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in STRIP}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(result.to_dict())


def failures(result) -> list[str]:
    return [
        f"{e.exercise_id}/{c.check_id}/{case.name}: {case.message}"
        for e in result.exercises
        for c in e.checks
        for case in c.cases
        if not case.passed
    ] + [f"{e.exercise_id}: {e.error}" for e in result.exercises if e.error]


@pytest.mark.slow
def test_the_reference_scores_full_marks(tmp_path):
    result = grade_submission(build_submission(tmp_path / "ref"), seed=31337)
    assert failures(result) == []
    assert [(t.assignment, t.points, t.points_possible) for t in result.assignment_totals] == [
        ("cnn", 100, 100), ("classic_networks", 100, 100)
    ]
    assert [e.exercise_id for e in result.exercises] == list(REGISTRY)
    assert (result.seed, result.seed_kind, result.submission) == (31337, "hidden", "ref")
    assert set(result.timings) == {"process_start", "oracle", "student_calls", "gradient_checks", "total"}
    assert result.environment["device"] == "cpu"
    assert set(result.environment["versions"]) == {"python", "numpy", "torch"}
    assert isinstance(result.environment["isolation"], dict)
    assert result.grader_version


def _stub_folder(tmp_path) -> Path:
    """assignments/ when it holds the stubs, else stubs made here from reference/."""
    if all((ASSIGNMENTS_DIR / f"{m}.py").is_file() for m in STUDENT_MODULES):
        return ASSIGNMENTS_DIR
    folder = build_submission(tmp_path / "stubs")
    pattern = re.compile(r"( *)### BEGIN SOLUTION\n.*?### END SOLUTION\n", re.S)
    for module in STUDENT_MODULES:
        path = folder / f"{module}.py"
        path.write_text(pattern.sub(lambda m: f"{m.group(1)}raise NotImplementedError\n", path.read_text()))
    return folder


@pytest.mark.slow
def test_the_stubs_score_zero_saying_not_implemented(tmp_path):
    result = grade_submission(_stub_folder(tmp_path), seed=2021, seed_kind="public")
    assert result.points == 0 and [(t.points, t.points_possible) for t in result.assignment_totals] == [(0, 100), (0, 100)]
    for exercise in result.exercises:
        messages = [case.message for check in exercise.checks for case in check.cases]
        assert any("not implemented" in m for m in messages), exercise.exercise_id


@pytest.mark.slow
def test_a_submission_of_parts_one_to_five_keeps_its_points(tmp_path):
    """Handed in before part 6 existed (no networks.py, no blocks.py): parts 1 to 5 keep every point."""
    config = load_config()
    folder = build_submission(tmp_path / "parts1to5", omit=("networks", "blocks"))
    alone = grade_submission(folder, seed=31337, config=config.for_assignment("cnn"))
    assert failures(alone) == [] and (alone.points, alone.points_possible) == (100, 100)
    everything = grade_submission(folder, seed=31337, config=config)
    cnn, part6 = everything.assignment_totals
    assert (cnn.assignment, cnn.points, cnn.points_possible) == ("cnn", 100, 100)
    assert (part6.assignment, part6.points, part6.points_possible) == ("classic_networks", 0, 100)
    assert outline(alone)["exercises"] == outline(everything)["exercises"][: len(alone.exercises)]
    missing = {e.error or e.checks[0].cases[0].message for e in everything.exercises if e.assignment == "classic_networks"}
    assert all("is missing from the submission" in text for text in missing), missing


PLANTED = {
    "conv_forward": [("    w = np.asarray(w)\n", "    w = np.asarray(w)[:, :, ::-1, ::-1]\n")],
    "conv_backward": [("rotated = rot180(w)", "rotated = w")],
    "pooling": list(BY_NAME["max_pool_overwrite"].replacements),
    "layers": [("return loss, dlogits / n", "return loss, dlogits")],
    "sizes": [("return (in_size - pool_size) // stride + 1", "return int((in_size - pool_size) / stride + 0.5) + 1")],
}
# exercise -> the mistake its failing cases must name.
NAMED = {
    "conv2d_forward": "kernel_flipped",
    "conv2d_backward": "delta_out_no_rot180",
    "max_pool": "max_pool_overwrite",
    "softmax_cross_entropy": "softmax_grad_no_mean",
    "pool_output_size": "size_rounded",
}
UNTOUCHED = ["conv1d_full", "relu", "rot180", "dilate"]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    return build_submission(tmp_path_factory.mktemp("planted") / "planted", PLANTED)


@pytest.mark.slow
def test_planted_mistakes_are_named_and_cost_only_their_exercises(planted):
    result = grade_submission(planted, seed=2021, only=[*NAMED, *UNTOUCHED])
    for exercise in result.exercises:
        if exercise.exercise_id in UNTOUCHED:
            assert exercise.points == exercise.points_possible, exercise.exercise_id
            continue
        assert exercise.points < exercise.points_possible
        failed = [case for check in exercise.checks for case in check.cases if not case.passed]
        mistake = NAMED[exercise.exercise_id]
        assert any(case.diagnosis == mistake for case in failed), (mistake, [c.diagnosis for c in failed])
        example = next(case for case in failed if case.diagnosis == mistake)
        assert "Likely cause: " in example.message
    conv = next(e for e in result.exercises if e.exercise_id == "conv2d_forward")
    lecture = next(c for c in conv.checks if c.check_id == "lecture").cases[0]
    assert lecture.message == (
        "4 of 4 values differ; the largest difference is at index (0, 0, 0, 0): expected -1, got 16. "
        "Likely cause: the kernel was flipped (true convolution); a conv layer uses cross-correlation: "
        "the kernel is not flipped."
    )


@pytest.mark.slow
def test_results_do_not_depend_on_order_concurrency_or_repetition(planted):
    chosen = ["max_pool", "conv2d_backward", "relu", "softmax_cross_entropy"]
    first = grade_submission(planted, seed=99, only=chosen)
    again = grade_submission(planted, seed=99, only=list(reversed(chosen)))
    one_at_a_time = grade_submission(planted, seed=99, only=chosen, exercise_threads=1)
    assert [e.exercise_id for e in first.exercises] == ["conv2d_backward", "max_pool", "relu", "softmax_cross_entropy"]
    assert outline(first) == outline(again) == outline(one_at_a_time)
    assert first.points < sum(e.points_possible for e in first.exercises)  # the planted mistakes were found
    other_seed = grade_submission(planted, seed=100, only=chosen)
    assert outline(other_seed) != outline(first)


@pytest.mark.slow
def test_messages_follow_the_language(planted):
    result = grade_submission(planted, seed=2021, only=["softmax_cross_entropy"], lang="zh")
    exercise = result.exercises[0]
    assert exercise.title == "Softmax 交叉熵损失及其梯度"
    failed = [case for check in exercise.checks for case in check.cases if not case.passed]
    assert any("可能的原因：dlogits 缺少平均带来的 1/N" in case.message for case in failed)


@pytest.mark.slow
def test_the_submission_time_limit_stops_further_calls(planted):
    config = dataclasses.replace(CONFIG, limits=dataclasses.replace(CONFIG.limits, submission_seconds=1e-6))
    result = grade_submission(planted, seed=2021, config=config, only=["relu"])
    cases = [case for check in result.exercises[0].checks for case in check.cases]
    assert result.points == 0
    assert all(case.message.startswith("not run: the whole submission reached its time limit of 1e-06 s") for case in cases)


@pytest.mark.slow
def test_a_forbidden_import_or_a_hang_costs_that_exercise_only(tmp_path):
    folder = build_submission(
        tmp_path / "hostile",
        {
            "warmup": [('import numpy as np\n', 'import numpy as np\nimport torch\n')],
            "layers": [('    z = np.asarray(z)\n    return np.maximum', '    import time\n    time.sleep(30)\n    z = np.asarray(z)\n    return np.maximum')],
        },
    )
    config = dataclasses.replace(CONFIG, limits=dataclasses.replace(CONFIG.limits, call_seconds=1.0))
    result = grade_submission(folder, seed=2021, config=config, only=["conv1d_full", "relu", "rot180"])
    warmup, rot, relu = result.exercises  # grading.toml's order, whatever the order of `only`
    assert warmup.points == 0 and "torch" in warmup.error
    forward = relu.checks[0].cases
    assert forward[0].message.startswith("did not finish within 1 s")
    assert all(c.message.startswith("not run: an earlier case of this check did not finish in time") for c in forward[1:])
    assert [c.status for c in forward] == ["timeout"] + ["skipped_timeout"] * (len(forward) - 1)  # feedback says "timed out"
    assert relu.checks[1].points == relu.checks[1].points_possible  # relu_backward still works
    assert rot.points == rot.points_possible


def test_a_mistake_that_cannot_happen_in_this_geometry_is_never_named():
    """Gradient to every tied maximum and whole-window overwriting give the same answer where
    windows do not overlap; only the first is possible there, and only it is named."""
    exercise = REGISTRY["max_pool"]
    prepared, _ = prepare(exercise, 2021)
    ties = prepared.checks["backward_ties"]
    check = ties.check
    seen = set()
    for index, case in enumerate(ties.cases):
        delta, x, size, stride = case.args
        outputs = dict((m.id, out) for m, out in mistake_outputs(exercise, prepared, check, index) if out is not None)
        student = outputs["max_pool_all_ties"]
        problems = compare(student, ties.expected[index], TOL)
        found = diagnose(student, ties.expected[index], [p.leaf for p in problems], mistake_outputs(exercise, prepared, check, index), TOL)
        assert found[0][1].id == "max_pool_all_ties"
        seen.add(stride < size)
        if stride >= size:
            assert "max_pool_window_overwrite" not in outputs and "max_pool_overwrite" not in outputs
    assert seen == {True, False}  # both geometries were tried


@pytest.mark.slow
def test_a_block_written_on_unwritten_layers_waits_for_them_instead_of_asking_to_be_written(tmp_path):
    from autograder.report.table import render_table
    from autograder.visible import run_check, unfinished, visible_checks

    # blocks.py written, layers.py (relu) still the stub: the blocks' calls meet relu's NotImplementedError.
    folder = build_submission(tmp_path / "mine", extra_files={"layers.py": (ASSIGNMENTS_DIR / "layers.py").read_text()})
    result = grade_submission(folder, seed=SEEDS[0], seed_kind="public", only=["relu", "residual_block", "batchnorm2d"])
    statuses = {e.exercise_id: {case.status for check in e.checks for case in check.cases} for e in result.exercises}
    assert statuses == {"relu": {"not_implemented"}, "residual_block": {"needs_unfinished"}, "batchnorm2d": {"ok"}}
    waiting = catalog("en").text("call.needs_unfinished")
    lines = {line.split()[1]: line for line in render_table(result, width=120).splitlines() if line.startswith("TODO ")}
    assert set(lines) == {"relu", "residual_block"}
    assert "write relu_forward, relu_backward in layers.py" in lines["relu"] and waiting in lines["residual_block"]
    assert "write residual_block_forward" not in render_table(result, width=120)
    # The visible test fails with the same words and says where the unwritten function raised.
    package = importable_package(folder, tmp_path / "packages")
    check = next(c for c in visible_checks() if c.exercise_id == "residual_block")
    visible = run_check(check, package)
    assert not unfinished(visible)
    assert {case.status for c in visible.checks for case in c.cases} == {"needs_unfinished"}
    assert all(case.message.startswith(waiting + " (NotImplementedError at layers.py:") for c in visible.checks for case in c.cases)
    # The stubs' own blocks raise first: there the exercise is simply not started.
    stubs = run_check(check, "assignments")
    assert unfinished(stubs) and {case.status for c in stubs.checks for case in c.cases} == {"not_implemented"}


def test_importing_the_grader_leaves_torch_to_the_oracles_own_thread():
    # grade_submission imports torch on a thread of its own while the sandbox children start;
    # a module that needs torch at import time would make every grading wait for it first.
    code = "import sys, autograder.cli, autograder.grade, autograder.commands.grade; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"
