"""Numeric gradient checks: a student's backward pass against central differences of the CORRECT forward.

For a function y = f(p) (p: the inputs being differentiated, e.g. x, w and b of a
convolution, or all 61,706 parameters of LeNet) the backward pass, given an upstream
gradient u, returns g = d<u, f(p)>/dp. Instead of perturbing every coordinate
(2 forward passes per coordinate: 123,412 for LeNet) the check follows
torch.autograd.gradcheck's fast mode and compares directional derivatives:

    <g, v>   vs   (<u, f(p + eps v)> - <u, f(p - eps v)>) / (2 eps)

along a random direction v (2 forward passes), plus a few single coordinates, where
v is a unit vector and the message can name the index.

What the check trusts: only the student's backward pass is called, once, at the point
p; every forward value comes from the oracle (PyTorch, float64). A forward pass the
student controls could steer the slopes it is compared with (a forward that remembers
where backward was called and answers to match), so it is never asked. A mistake in the
student's forward pass therefore costs only the exercise that owns it, and a float32
backward pass is judged against exact slopes.

Each comparison passes when

    |numeric - analytic| <= rtol * scale + atol,    scale = max(|numeric|, |analytic|, ||g * s||)

where s is the per-input step scale (1, or LeNet's initialisation bound) and ||g * s||
is the size <g, v> has for a typical v (for a single coordinate: the RMS of g * s);
using it keeps a gradient of zeros (scale = |numeric|) or of garbage (|analytic|
large) from passing. grading.toml [gradcheck] holds rtol and atol.

Kinks. Where the function is piecewise linear and the inputs keep their distance from
every kink (convolution; ReLU inputs away from 0; pooling inputs without ties) the
central difference is exact up to rounding. A whole network cannot be kept away from all
its ReLU and max-pool kinks: a step sometimes crosses one, and then even the exact
gradient misses the central difference by a little. For such cases the case carries an
allowance per comparison: how far the exact gradient misses at the same point,
direction and step. It is 0 unless a kink is crossed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .cases import Label
from .compare import Problem, fmt, type_name

Call = tuple[str, tuple, dict]  # target, positional arguments, keyword arguments
# A direction through more inputs than this is named by its first and last (LeNet: 10 tensors).
NAMES_SHOWN = 3


@dataclass(frozen=True)
class GradProblem:
    """One point at which to check a backward pass, shared by several GradCases.

    point: the differentiable inputs by name. forward(values) and backward() build the
    calls; objective(forward value) reduces the forward's output to a float (<u, y>);
    gradients(backward value) picks the gradient of each input by name and raises
    ValueError when the value has the wrong structure. grad_names: how messages call
    each gradient ("delta_out" for x).
    """

    key: str
    point: dict[str, np.ndarray]
    forward: Callable[[dict], Call]
    backward: Callable[[], Call]
    objective: Callable[[Any], float]
    gradients: Callable[[Any], dict[str, Any]]
    grad_names: dict[str, str] = field(default_factory=dict)
    scales: dict[str, float] = field(default_factory=dict)

    def grad_name(self, name: str) -> str:
        return self.grad_names.get(name, name)


@dataclass(frozen=True)
class GradCase:
    """Checks of one gradient (or several at once) at one point.

    directions: random directions over `names` (dict name -> array like point[name]).
    coordinates: (name, index) unit directions chosen in advance.
    largest: also test the coordinate where the student's gradient is largest in size.
    allowances: per comparison (directions, then coordinates), the slope error the exact
        network itself has there (kinks crossed by the step); missing entries are 0.
    """

    label: Label
    problem: GradProblem
    names: tuple[str, ...]
    eps: float
    directions: tuple[dict, ...] = ()
    coordinates: tuple[tuple[str, tuple[int, ...]], ...] = ()
    largest: bool = False
    allowances: tuple[float, ...] = ()
    hidden: bool = True


@dataclass
class GradVerdict:
    passed: bool
    problems: list[Problem]
    forward_calls: int = 0  # the oracle's forward passes the check took
    failed_call: Any = None  # the CallOutcome that stopped the check, if a call failed
    worst: float = 0.0  # the largest |numeric - analytic| / scale seen (for measuring margins)


def objective_dot(cotangent: np.ndarray) -> Callable[[Any], float]:
    """<u, y> for a forward output y with u's shape."""

    def objective(value: Any) -> float:
        if type(value) is not np.ndarray or value.shape != cotangent.shape or value.dtype.kind != "f":
            raise ValueError(f"{type_name(value)}, expected an ndarray {tuple(cotangent.shape)} of floats")
        return float(np.sum(value.astype(np.float64) * cotangent))

    return objective


def _checked_gradients(problem: GradProblem, value: Any, names: tuple[str, ...]) -> tuple[dict, list[Problem]]:
    try:
        grads = problem.gradients(value)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        return {}, [Problem("gradcheck.backward_output", {"detail": str(error)})]
    checked = {}
    for name in names:
        g, want = grads.get(name), problem.point[name]
        label = problem.grad_name(name)
        if type(g) is not np.ndarray or g.dtype.kind != "f":
            return {}, [Problem("gradcheck.gradient_type", {"name": label, "got": type_name(g)})]
        if g.shape != want.shape:
            return {}, [Problem("gradcheck.gradient_shape", {"name": label, "expected": want.shape, "got": g.shape})]
        if not np.isfinite(g).all():
            return {}, [Problem("gradcheck.gradient_not_finite", {"name": label})]
        checked[name] = g.astype(np.float64)
    return checked, []


def _unit(problem: GradProblem, name: str, index: tuple[int, ...]) -> dict:
    v = np.zeros_like(problem.point[name])
    v[index] = problem.scales.get(name, 1.0)
    return {name: v}


def run_grad_case(case: GradCase, call: Callable[..., Any], forward: Callable[[str, tuple, dict], Any],
                  rtol: float, atol: float) -> GradVerdict:
    """Run one GradCase.

    call(target, args, kwargs, key=None) -> CallOutcome: the student's backward pass (key
    shares the call between the cases of one point). forward(target, args, kwargs) -> the
    correct forward value (the oracle's).
    """
    problem = case.problem
    target, args, kwargs = problem.backward()
    outcome = call(target, args, kwargs, key=problem.key)
    if not outcome.ok:
        return GradVerdict(False, [], failed_call=outcome)
    grads, problems = _checked_gradients(problem, outcome.value, case.names)
    if problems:
        return GradVerdict(False, problems)
    forward_calls = 0

    tests: list[tuple[dict, tuple[str, tuple[int, ...]] | None]] = [(d, None) for d in case.directions]
    coordinates = list(case.coordinates)
    if case.largest:
        name = max(case.names, key=lambda n: np.abs(grads[n] * problem.scales.get(n, 1.0)).max())
        index = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(grads[name])), grads[name].shape))
        if (name, index) not in coordinates:
            coordinates.append((name, index))
    tests += [(_unit(problem, name, index), (name, index)) for name, index in coordinates]

    size_of_g = float(np.sqrt(sum(np.sum((grads[n] * problem.scales.get(n, 1.0)) ** 2) for n in case.names)))
    size = sum(grads[n].size for n in case.names)
    worst = 0.0
    for position, (v, coordinate) in enumerate(tests):
        allowance = case.allowances[position] if position < len(case.allowances) else 0.0
        sides = []
        for sign in (1.0, -1.0):
            values = dict(problem.point)
            for name, step in v.items():
                values[name] = problem.point[name] + sign * case.eps * step
            sides.append(problem.objective(forward(*problem.forward(values))))
            forward_calls += 1
        numeric = (sides[0] - sides[1]) / (2 * case.eps)
        analytic = float(sum(np.sum(grads[name] * step) for name, step in v.items()))
        typical = size_of_g if coordinate is None else size_of_g / np.sqrt(size)
        scale = max(abs(numeric), abs(analytic), typical)
        miss = max(abs(numeric - analytic) - allowance, 0.0)
        worst = max(worst, miss / scale if scale > 0 else 0.0)
        if not np.isfinite(numeric) or miss > rtol * scale + atol:
            params = {"analytic": fmt(analytic), "numeric": fmt(numeric), "eps": fmt(case.eps)}
            if coordinate is None:
                labels = [problem.grad_name(n) for n in case.names]
                names = ", ".join(labels) if len(labels) <= NAMES_SHOWN else f"{labels[0]} … {labels[-1]}"
                problems = [Problem("gradcheck.direction", {**params, "names": names})]
            else:
                name, index = coordinate
                problems = [Problem("gradcheck.coordinate", {**params, "name": problem.grad_name(name), "index": index})]
            return GradVerdict(False, problems, forward_calls, worst=worst)
    return GradVerdict(True, [], forward_calls, worst=worst)
