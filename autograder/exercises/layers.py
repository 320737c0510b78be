"""relu (forward and backward) and softmax_cross_entropy (mean loss and its gradient)."""
from __future__ import annotations

import numpy as np

from .. import oracle
from ..cases import Label, away_from_zero, describe, direction, example, hidden, normal
from ..gradcheck import GradCase, GradProblem, objective_dot
from .spec import Check, Exercise, Mistake

# Inputs are at least 0.1 away from 0 and a step moves them by at most RELU_EPS * 1:
# ReLU stays linear along the step, so the central difference is exact up to rounding.
RELU_EPS = 1e-2
# Softmax is smooth: the central difference's error is about eps^2 * f''' / 6 (~1e-7
# here), and a float32 forward's rounding divided by eps stays near 1e-4 of the slope.
SOFTMAX_EPS = 1e-3
LARGE_LOGIT = 1000.0  # exp(1000) overflows float64: only a shifted softmax stays finite
LARGE_LOGIT_STEPS = 64
# A gap this wide inside a row: exp(small - max) underflows to 0 (below about -745), so a
# probability computed first and logged after is 0 for a label on the small logit.
LARGE_GAP = 900.0
UNDERFLOW_GAP = 745.0  # exp(-745) is float64's smallest subnormal: below it, 0
# The epsilons students add inside log(p + eps).
LOG_EPSILONS = (1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15)
LOSS_LEAVES = ("loss", "dlogits")

# --- relu ---------------------------------------------------------------------------------------------------


def _with_zeros(rng, shape):
    z = normal(rng, shape)
    z[rng.random(shape) < 0.25] = 0.0  # exact zeros: where relu_backward's rule (z > 0) matters
    return z


def _relu_forward_cases(rng):
    cases = [example(1, (np.array([-1.0, 0.0, 2.0]),), ("z",))]
    for n, shape in enumerate([(2, 3, 4, 5), (6, 7)], 1):
        z = _with_zeros(rng, shape)
        cases.append(hidden(n, describe(z=z), (z,), ("z",)))
    return cases


def _relu_backward_cases(rng):
    cases = [example(1, (np.array([5.0, 6.0, 7.0]), np.array([-1.0, 0.0, 2.0])), ("delta_in", "z"))]
    for n, shape in enumerate([(2, 3, 4, 5), (6, 7)], 1):
        z = _with_zeros(rng, shape)
        cases.append(hidden(n, describe(z=z), (direction(rng, shape), z), ("delta_in", "z")))
    return cases


def _relu_gradcheck(rng):
    z = away_from_zero(rng, (2, 3, 4, 5))
    u = direction(rng, z.shape)
    problem = GradProblem(
        key="relu_backward/1",
        point={"z": z},
        forward=lambda v: ("relu_forward", (v["z"],), {}),
        backward=lambda: ("relu_backward", (u, z), {}),
        objective=objective_dot(u),
        gradients=lambda value: {"z": value},
        grad_names={"z": "delta_out"},
    )
    index = tuple(int(rng.integers(0, d)) for d in z.shape)
    label = Label("case.gradient", {"name": "delta_out", "what": describe(z=z)})
    return [GradCase(label, problem, ("z",), RELU_EPS, directions=({"z": direction(rng, z.shape)},),
                     coordinates=(("z", index),), largest=True)]


def _gradient_at_zero_too(delta_in, z):
    # z >= 0: the right gradient, plus delta_in where z is exactly 0.
    z, delta_in = np.asarray(z, dtype=np.float64), np.asarray(delta_in, dtype=np.float64)
    return oracle.relu_backward(delta_in, z) + np.where(z == 0, delta_in, 0.0)


def _delta_through_relu(delta_in, z):
    # The mask taken from delta_in (delta_in > 0) instead of from z.
    delta_in, z = np.asarray(delta_in, dtype=np.float64), np.asarray(z, dtype=np.float64)
    if z.shape != delta_in.shape:
        raise ValueError("z and delta_in have different shapes")
    return oracle.relu_backward(delta_in, delta_in)


def _mask_only(delta_in, z):
    return (np.asarray(z) > 0).astype(np.float64)


RELU_MISTAKES = (
    Mistake("relu_forward_mask", {"relu_forward": lambda z: (np.asarray(z) > 0).astype(np.float64)}),
    Mistake("relu_grad_at_zero", {"relu_backward": _gradient_at_zero_too}),
    Mistake("relu_mask_from_delta", {"relu_backward": _delta_through_relu}),
    Mistake("relu_backward_mask_only", {"relu_backward": _mask_only}),
)

# --- softmax_cross_entropy ---------------------------------------------------------------------------------------


def _logits_case(rng, n, *, batch, classes, offset=0.0):
    logits = normal(rng, (batch, classes), scale=3.0)
    labels = rng.integers(0, classes, size=batch)
    if offset:
        # Steps of 1/64 around +-1000 are exact in float32 (whose spacing there is 1/16384):
        # a float32 implementation then loses nothing on the way in, and the case tests
        # only what it is for, the subtraction of each row's maximum.
        logits = np.round(logits * LARGE_LOGIT_STEPS) / LARGE_LOGIT_STEPS
        logits += offset * rng.choice([-1.0, 1.0], size=(batch, 1))
    return hidden(n, describe(logits=logits), (logits, labels), ("logits", "labels"))


def _softmax_example(rng):
    return [example(1, (np.array([[0.0, 0.0]]), np.array([1])), ("logits", "labels"))]


def _softmax_hidden(rng):
    return [_logits_case(rng, n, batch=b, classes=k) for n, (b, k) in enumerate([(2, 3), (3, 10), (4, 5)], 1)]


def _logits_gap_case(rng, n, *, batch, classes):
    """Rows with one logit LARGE_GAP above the rest, and every label on one of the small ones."""
    logits = np.round(normal(rng, (batch, classes), scale=3.0) * LARGE_LOGIT_STEPS) / LARGE_LOGIT_STEPS
    labels = rng.integers(0, classes, size=batch)
    big = (labels + rng.integers(1, classes, size=batch)) % classes  # never the label
    logits[np.arange(batch), big] += LARGE_GAP
    return hidden(n, describe(logits=logits), (logits, labels), ("logits", "labels"))


def _softmax_large(rng):
    shifted = [_logits_case(rng, n, batch=b, classes=k, offset=LARGE_LOGIT) for n, (b, k) in enumerate([(3, 4), (2, 6)], 1)]
    gaps = [_logits_gap_case(rng, n, batch=b, classes=k) for n, (b, k) in enumerate([(3, 5), (4, 3)], len(shifted) + 1)]
    return shifted + gaps


def _loss_and_grad(value):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError("softmax_cross_entropy must return (loss, dlogits)")
    return value


def _loss_value(value) -> float:
    loss = _loss_and_grad(value)[0]
    if isinstance(loss, (bool, np.bool_)) or not isinstance(loss, (int, float, np.number, np.ndarray)) or np.ndim(loss):
        raise ValueError(f"the loss is {type(loss).__name__}, not a number")
    return float(loss)


def _softmax_gradcheck(rng):
    cases = []
    for n, (batch, classes) in enumerate([(3, 4), (2, 6)], 1):
        logits = normal(rng, (batch, classes), scale=2.0)
        labels = rng.integers(0, classes, size=batch)
        problem = GradProblem(
            key=f"softmax_cross_entropy/{n}",
            point={"logits": logits},
            forward=lambda v, labels=labels: ("softmax_cross_entropy", (v["logits"], labels), {}),
            backward=lambda logits=logits, labels=labels: ("softmax_cross_entropy", (logits, labels), {}),
            objective=_loss_value,
            gradients=lambda value: {"logits": _loss_and_grad(value)[1]},
            grad_names={"logits": "dlogits"},
        )
        index = tuple(int(rng.integers(0, d)) for d in logits.shape)
        label = Label("case.gradient", {"name": "dlogits", "what": describe(logits=logits)})
        direction_ = {"logits": direction(rng, logits.shape)}
        cases.append(GradCase(label, problem, ("logits",), SOFTMAX_EPS, directions=(direction_,),
                              coordinates=(("logits", index),), largest=True))
    return cases


OVERFLOW = 709.0  # exp() of more than this is inf in float64


def _unshifted(logits, labels, *, via_log: bool):
    """Softmax without subtracting the row maximum, where exp() overflows (a logit past ~709).

    via_log=False divides exp by its sum (inf / inf = nan); via_log=True computes
    log p = logits - log(sum(exp(logits))) (inf and -inf appear instead). Below the
    overflow both are right, so the mistake cannot show there.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if np.max(np.abs(logits)) <= OVERFLOW:
        raise ValueError("no logit overflows exp(): the unshifted softmax is right here")
    rows = np.arange(len(labels))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(logits)
        if via_log:
            log_p = logits - np.log(e.sum(axis=1, keepdims=True))
            p = np.exp(log_p)
        else:
            p = e / e.sum(axis=1, keepdims=True)
            log_p = np.log(p)
        loss = float(-np.mean(log_p[rows, labels]))
        grad = p.copy()
        grad[rows, labels] -= 1.0
    return loss, grad / len(labels)


def _softmax_variant(loss=None, grad=None):
    """The right loss and gradient, each passed through one wrong step (at least one of them)."""
    if loss is None and grad is None:
        raise TypeError("a variant changes the loss, the gradient or both")
    loss = loss or (lambda value, n: value)
    grad = grad or (lambda dlogits, labels, n: dlogits)

    def wrong(logits, labels):
        right_loss, right_grad = oracle.softmax_cross_entropy(logits, labels)
        n = len(labels)
        return loss(right_loss, n), grad(right_grad, labels, n)

    return wrong


def _label_underflows(logits, labels):
    """Whether some label's probability underflows to 0 (a logit far below its row's maximum).

    Elsewhere log(p) is right and log(p + eps) off by about eps / p: too little to name.
    """
    logits = np.asarray(logits, dtype=np.float64)
    gaps = logits.max(axis=1) - logits[np.arange(len(labels)), labels]
    return bool(np.any(gaps > UNDERFLOW_GAP))


def _logged_probabilities(logits, labels, *, eps: float = 0.0):
    """The loss as -log(softmax)[y] (shifted by the row maximum, so nothing overflows), eps added inside the log.

    With eps = 0 a probability that underflows gives log(0) = -inf; with eps > 0 a finite
    but wrong loss. The gradient p - onehot is right either way, and so is everything
    where no label's probability underflows: the mistake cannot show there.
    """
    if not _label_underflows(logits, labels):
        raise ValueError("no label's probability underflows: log(softmax) is right here")
    logits = np.asarray(logits, dtype=np.float64)
    rows = np.arange(len(labels))
    shifted = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        loss = float(-np.mean(np.log(p[rows, labels] + eps)))
    grad = p.copy()
    grad[rows, labels] -= 1.0
    return loss, grad / len(labels)


def _onehot(labels, shape):
    out = np.zeros(shape)
    out[np.arange(len(labels)), labels] = 1.0
    return out


def _wrong_axis(logits, labels):
    # Softmax down the batch (axis 0) instead of across the classes.
    shifted = np.asarray(logits) - np.max(logits, axis=0, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=0, keepdims=True)
    rows = np.arange(len(labels))
    with np.errstate(divide="ignore"):  # a probability that underflows to 0 gives an infinite loss
        loss = float(-np.mean(np.log(p[rows, labels])))
    return loss, (p - _onehot(labels, p.shape)) / len(labels)


SOFTMAX_MISTAKES = (
    Mistake("softmax_unstable", {"softmax_cross_entropy": lambda logits, labels: _unshifted(logits, labels, via_log=False)}),
    Mistake("softmax_unstable", {"softmax_cross_entropy": lambda logits, labels: _unshifted(logits, labels, via_log=True)}),
    Mistake("softmax_grad_no_mean", {"softmax_cross_entropy": _softmax_variant(grad=lambda d, labels, n: d * n)}),
    Mistake("softmax_loss_sum", {"softmax_cross_entropy": _softmax_variant(loss=lambda loss, n: loss * n)}),
    Mistake(
        "softmax_sum",
        {"softmax_cross_entropy": _softmax_variant(loss=lambda loss, n: loss * n, grad=lambda d, labels, n: d * n)},
    ),
    Mistake("softmax_grad_sign", {"softmax_cross_entropy": _softmax_variant(grad=lambda d, labels, n: -d)}),
    Mistake(
        "softmax_onehot_missing",
        {"softmax_cross_entropy": _softmax_variant(grad=lambda d, labels, n: d + _onehot(labels, d.shape) / n)},
    ),
    Mistake("softmax_wrong_axis", {"softmax_cross_entropy": _wrong_axis}),
    Mistake("softmax_log_of_softmax", {"softmax_cross_entropy": _logged_probabilities}, applies=_label_underflows),
    *(Mistake("softmax_log_eps", {"softmax_cross_entropy": lambda logits, labels, eps=eps: _logged_probabilities(logits, labels, eps=eps)},
              applies=_label_underflows)
      for eps in LOG_EPSILONS),
)

EXERCISES = (
    Exercise(
        id="relu",
        api=("relu_forward", "relu_backward"),
        checks=(
            Check("forward", _relu_forward_cases, target="relu_forward"),
            Check("backward", _relu_backward_cases, target="relu_backward"),
            Check("gradcheck", _relu_gradcheck, gradcheck=True),
        ),
        mistakes=RELU_MISTAKES,
    ),
    Exercise(
        id="softmax_cross_entropy",
        api=("softmax_cross_entropy",),
        checks=(
            Check("example", _softmax_example, target="softmax_cross_entropy", leaves=LOSS_LEAVES),
            Check("hidden", _softmax_hidden, target="softmax_cross_entropy", leaves=LOSS_LEAVES),
            Check("large_logits", _softmax_large, target="softmax_cross_entropy", leaves=LOSS_LEAVES),
            Check("gradcheck", _softmax_gradcheck, gradcheck=True),
        ),
        mistakes=SOFTMAX_MISTAKES,
    ),
)
