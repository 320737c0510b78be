"""LeNet: the lecture's network, forward (logits) and backward (every parameter's gradient)."""
from __future__ import annotations

import functools

import numpy as np

from .. import oracle
from ..cases import Label, describe, direction, hidden
from ..gradcheck import GradCase, GradProblem, objective_dot
from .spec import Check, Exercise, Mistake

DIGIT = 28  # MNIST digits, zero-padded to the lecture's 32x32 input
BORDER = 2
NAMES = ("params", "x")
BACKWARD_NAMES = ("params", "x", "dlogits")
# Steps, in units of each parameter's initialisation range. The network is piecewise
# polynomial in its parameters; where a step crosses a ReLU or max-pool kink, the case
# allows the slope error the exact network has there (gradcheck.py). What remains is a
# float32 forward's rounding divided by the step: measured over 20 seeds, at most 1e-3
# of the slope along a random direction at 1e-4, and 2e-3 for one coordinate at 3e-3
# (a single parameter moves the output far less than all of them).
DIRECTION_EPS = 1e-4
COORDINATE_EPS = 3e-3
GRADCHECK_DIRECTIONS = 3
# One coordinate in each kind of layer (first conv, second conv, the big fc1, the last
# bias), where the exact gradient is largest: there the slope stands far above rounding.
GRADCHECK_COORDINATES = ("conv1.weight", "conv2.weight", "fc1.weight", "fc3.bias")


def init_bound(name: str) -> float:
    """PyTorch's default initialisation range +-1/sqrt(fan_in) of a parameter."""
    weight = oracle.LENET_PARAM_SHAPES[name.split(".")[0] + ".weight"]
    return 1.0 / float(np.sqrt(np.prod(weight[1:])))


def random_params(rng) -> dict:
    return {name: rng.uniform(-1, 1, size=shape) * init_bound(name) for name, shape in oracle.LENET_PARAM_SHAPES.items()}


def digits(rng, n) -> np.ndarray:
    images = np.zeros((n, 1, DIGIT + 2 * BORDER, DIGIT + 2 * BORDER))
    images[:, :, BORDER:-BORDER, BORDER:-BORDER] = rng.uniform(0, 1, size=(n, 1, DIGIT, DIGIT))
    return images


def _forward_cases(rng):
    cases = []
    for n, batch in enumerate((2, 3), 1):
        x = digits(rng, batch)
        cases.append(hidden(n, describe(x=x), (random_params(rng), x), NAMES))
    return cases


def _backward_cases(rng):
    cases = []
    for n, batch in enumerate((2, 3), 1):
        x = digits(rng, batch)
        params = random_params(rng)
        cases.append(hidden(n, describe(x=x), (params, x, direction(rng, (batch, 10))), BACKWARD_NAMES))
    # One network, forward and backward on one batch, then on another of another size: the
    # second gradients must be the second batch's alone (nothing kept from the first call).
    for n, sizes in enumerate(((3, 3), (2, 4)), len(cases) + 1):
        batches = [(digits(rng, size), direction(rng, (size, 10))) for size in sizes]
        what = describe(steps=len(batches), x=batches[-1][0])
        cases.append(hidden(n, what, (random_params(rng), batches), ("params", "batches"), target="LeNet.steps"))
    return cases


def _gradients(value):
    if not isinstance(value, dict):
        raise ValueError(f"LeNet.backward must return a dict of gradients, got {type(value).__name__}")
    return value


def _exact_miss(params, x, u, grads, v, eps) -> float:
    """|central difference - <g, v>| of the exact network (the oracle): the slope error its kinks cause."""

    def objective(sign):
        moved = {name: value + sign * eps * v[name] if name in v else value for name, value in params.items()}
        return float(np.sum(oracle.lenet_forward(moved, x) * u))

    numeric = (objective(1.0) - objective(-1.0)) / (2 * eps)
    return abs(numeric - sum(float(np.sum(grads[name] * step)) for name, step in v.items()))


def _gradcheck_cases(rng):
    x = digits(rng, 2)
    params = random_params(rng)
    u = direction(rng, (2, 10))
    problem = GradProblem(
        key="lenet/1",
        point=params,
        forward=lambda v: ("LeNet.forward", (v, x), {}),
        backward=lambda: ("LeNet.backward", (params, x, u), {}),
        objective=objective_dot(u),
        gradients=_gradients,
        scales={name: init_bound(name) for name in params},
    )
    grads = oracle.lenet_backward(params, x, u)
    names = tuple(params)
    cases = []
    for n in range(1, GRADCHECK_DIRECTIONS + 1):
        v = {name: direction(rng, p.shape) * init_bound(name) for name, p in params.items()}
        allowance = _exact_miss(params, x, u, grads, v, DIRECTION_EPS)
        cases.append(GradCase(Label("case.lenet_direction", {"n": n}), problem, names, DIRECTION_EPS,
                              directions=(v,), allowances=(allowance,)))
    for name in GRADCHECK_COORDINATES:
        index = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(grads[name])), grads[name].shape))
        unit = np.zeros_like(params[name])
        unit[index] = init_bound(name)
        allowance = _exact_miss(params, x, u, grads, {name: unit}, COORDINATE_EPS)
        label = Label("case.lenet_coordinate", {"name": name, "index": index})
        cases.append(GradCase(label, problem, (name,), COORDINATE_EPS, coordinates=((name, index),), allowances=(allowance,)))
    return cases


# --- wrong networks: the lecture's LeNet with one step changed -----------------------------------------------


def _flatten_hwc(self, s):
    return s.permute(0, 2, 3, 1).reshape(s.shape[0], -1)


def _without_relu(layer):
    def activation(self, z, name):
        import torch

        return z if name == layer else torch.relu(z)

    return activation


def _avg_pool(self, a):
    from torch.nn.functional import avg_pool2d

    return avg_pool2d(a, 2, 2)


def _softmax_head(self, logits):
    return logits.softmax(dim=1)


def _relu_head(self, logits):
    import torch

    return torch.relu(logits)


@functools.lru_cache(maxsize=1)
def _hwc_gradient():
    import torch

    class FlattenChwUnflattenHwc(torch.autograd.Function):
        """Flattens in (C, H, W) order but un-flattens the gradient in (H, W, C) order."""

        @staticmethod
        def forward(ctx, s):
            ctx.shape = s.shape
            return s.reshape(s.shape[0], -1)

        @staticmethod
        def backward(ctx, grad):
            n, c, h, w = ctx.shape
            return grad.reshape(n, h, w, c).permute(0, 3, 1, 2)

    return FlattenChwUnflattenHwc


def _unflatten_hwc(self, s):
    return _hwc_gradient().apply(s)


def _network(**steps):
    """A lazily built nn.Module class: the oracle's LeNet with `steps` (method name -> function) replaced."""

    @functools.lru_cache(maxsize=1)
    def build():
        return type("WrongLeNet", (oracle.lenet_class(),), steps)

    return build


def _both(build):
    return {
        "LeNet.forward": lambda params, x: oracle.lenet_forward(params, x, build()),
        "LeNet.backward": lambda params, x, dlogits: oracle.lenet_backward(params, x, dlogits, build()),
        "LeNet.steps": lambda params, batches: oracle.lenet_steps(params, batches, build()),
    }


def _accumulated(params, batches):
    # The gradients of every step added up: backward adds into buffers it never resets.
    steps = [oracle.lenet_backward(params, x, dlogits) for x, dlogits in batches]
    return {name: sum(step[name] for step in steps) for name in params}


def _stale_cache(params, batches):
    # The last dlogits sent back through the first step's cache: forward kept its first batch.
    return oracle.lenet_backward(params, batches[0][0], batches[-1][1])


def _grads_changed(change):
    def wrong(params, x, dlogits):
        grads = oracle.lenet_backward(params, x, dlogits)
        return {name: change(name, g, len(x)) for name, g in grads.items()}

    return wrong


def _missing_relu(layer: str) -> Mistake:
    return Mistake("lenet_missing_relu", _both(_network(activation=_without_relu(layer))), params={"layer": layer})


def _bias_averaged(names):
    return _grads_changed(lambda name, g, n: g / n if name in names else g)


BIASES = tuple(name for name in oracle.LENET_PARAM_SHAPES if name.endswith(".bias"))

LENET_MISTAKES = (
    Mistake("flatten_order", _both(_network(flatten=_flatten_hwc))),
    *(_missing_relu(layer) for layer in ("conv1", "conv2", "fc1", "fc2")),
    Mistake("lenet_relu_on_logits", _both(_network(head=_relu_head))),
    Mistake("lenet_softmax_output", _both(_network(head=_softmax_head))),
    Mistake("lenet_avg_pool", _both(_network(pool=_avg_pool))),
    Mistake("flatten_order", {"LeNet.backward": _both(_network(flatten=_unflatten_hwc))["LeNet.backward"]}, message="unflatten_order"),
    Mistake("lenet_grads_averaged", {"LeNet.backward": _grads_changed(lambda name, g, n: g / n)}),
    Mistake("bias_grad_averaged", {"LeNet.backward": _bias_averaged(("fc3.bias",))}),
    Mistake("bias_grad_averaged", {"LeNet.backward": _bias_averaged(BIASES)}),
    Mistake(
        "lenet_fc_grad_transposed",
        {"LeNet.backward": _grads_changed(lambda name, g, n: g.T.copy() if name.startswith("fc") and g.ndim == 2 else g)},
    ),
    Mistake("lenet_grads_accumulate", {"LeNet.steps": _accumulated}),
    Mistake("lenet_stale_cache", {"LeNet.steps": _stale_cache}),
)

EXERCISES = (
    Exercise(
        id="lenet",
        api=("LeNet",),
        checks=(
            Check("forward", _forward_cases, target="LeNet.forward"),
            Check("backward", _backward_cases, target="LeNet.backward"),
            Check("gradcheck", _gradcheck_cases, gradcheck=True),
        ),
        mistakes=LENET_MISTAKES,
    ),
)
