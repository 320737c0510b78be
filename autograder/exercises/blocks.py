"""Global average pooling, batch normalization, and ResNet's and DenseNet's blocks: forward and backward.

Expected values: F.batch_norm in training mode, and the blocks written with F.conv2d,
torch.relu and torch.cat, differentiated by autograd (oracle.py). Each known mistake is
the same torch computation with one thing changed: the ReLU moved, a gradient path cut
with detach(), the variance made unbiased, the concatenation reversed.
"""
from __future__ import annotations

import numpy as np

from .. import oracle
from ..cases import Label, describe, direction, example, hidden, normal
from ..gradcheck import GradCase, GradProblem, objective_dot
from .spec import Check, Exercise, Mistake, Raises

BN_LEAVES = ("dx", "dgamma", "dbeta")
BN_AXES = (0, 2, 3)
# Steps of the gradient checks. Batch normalization and global average pooling are smooth,
# or linear; the blocks are polynomials in (x, weights) between ReLU kinks, and where a
# step crosses a kink the case allows the slope error the exact block has there (as
# LeNet's check does). What remains is a float32 forward's rounding divided by the step.
SMOOTH_EPS = 1e-3
BLOCK_EPS = 1e-3
# Batch-normalization cases keep N * H * W small: the unbiased variance then differs from
# the biased one by 1/(2M) or more of each value, far beyond the tolerance.
BN_SHAPES = ((2, 3, 3, 3), (3, 4, 2, 3), (4, 3, 3, 2))


def _torch():
    import torch

    return torch


def _weights(rng, c_out, c_in, k):
    """Weights with the spread of PyTorch's initialisation scaled up, so every ReLU has work to do."""
    return normal(rng, (c_out, c_in, k, k), scale=1.5 / np.sqrt(c_in * k * k))


def _bias(rng, c_out):
    return normal(rng, (c_out,), scale=0.3)


# --- global average pooling -----------------------------------------------------------------------------

GAP_SHAPES = ((2, 3, 4, 5), (3, 2, 1, 6), (1, 4, 3, 3))


def _gap_forward_cases(rng):
    cases = [example(1, (np.arange(8.0).reshape(1, 2, 2, 2),), ("x",))]
    for n, shape in enumerate(GAP_SHAPES, 1):
        x = normal(rng, shape)
        cases.append(hidden(n, describe(x=x), (x,), ("x",)))
    return cases


def _gap_backward_cases(rng):
    cases = [example(1, (np.array([[8.0]]), np.zeros((1, 1, 2, 2))), ("delta_in", "x"))]
    for n, shape in enumerate(GAP_SHAPES, 1):
        x = normal(rng, shape)
        cases.append(hidden(n, describe(x=x), (direction(rng, shape[:2]), x), ("delta_in", "x")))
    return cases


def _gap_gradcheck(rng):
    x = normal(rng, (2, 3, 4, 5))
    u = direction(rng, (2, 3))
    problem = GradProblem(
        key="global_avg_pool_backward/1",
        point={"x": x},
        forward=lambda v: ("global_avg_pool_forward", (v["x"],), {}),
        backward=lambda: ("global_avg_pool_backward", (u, x), {}),
        objective=objective_dot(u),
        gradients=lambda value: {"x": value},
        grad_names={"x": "delta_out"},
    )
    label = Label("case.gradient", {"name": "delta_out", "what": describe(x=x)})
    return [GradCase(label, problem, ("x",), SMOOTH_EPS, directions=({"x": direction(rng, x.shape)},), coordinates=(("x", (1, 2, 3, 4)),))]


def _gap_backward_scaled(factor):
    return lambda delta_in, x: oracle.global_avg_pool_backward(delta_in, x) * factor(np.shape(x))


GAP_MISTAKES = (
    Mistake("gap_sum", {"global_avg_pool_forward": lambda x: oracle.global_avg_pool_forward(x) * np.prod(np.shape(x)[2:])}),
    Mistake("gap_backward_no_divide", {"global_avg_pool_backward": _gap_backward_scaled(lambda shape: shape[2] * shape[3])}),
)


# --- batch normalization ------------------------------------------------------------------------------------


def _bn_args(rng, shape):
    # Channels with their own offset and spread, as real feature maps have.
    c = shape[1]
    x = normal(rng, shape) * rng.uniform(0.7, 2.0, size=(1, c, 1, 1)) + rng.uniform(-1, 1, size=(1, c, 1, 1))
    gamma = rng.choice([-1.0, 1.0], size=c) * rng.uniform(0.5, 2.0, size=c)
    beta = normal(rng, (c,), scale=0.3)
    return x, gamma, beta


BN_EXAMPLE_X = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 1, 2, 2)


def _bn_forward_cases(rng):
    cases = [example(1, (BN_EXAMPLE_X, np.ones(1), np.zeros(1)), ("x", "gamma", "beta"))]
    for n, shape in enumerate(BN_SHAPES, 1):
        x, gamma, beta = _bn_args(rng, shape)
        cases.append(hidden(n, describe(x=x), (x, gamma, beta), ("x", "gamma", "beta")))
    return cases


def _bn_backward_cases(rng):
    names = ("delta_in", "x", "gamma", "beta")
    delta = np.array([1.0, 0.0, 0.0, 0.0]).reshape(1, 1, 2, 2)
    cases = [example(1, (delta, BN_EXAMPLE_X, np.ones(1), np.zeros(1)), names)]
    for n, shape in enumerate(BN_SHAPES, 1):
        x, gamma, beta = _bn_args(rng, shape)
        cases.append(hidden(n, describe(x=x), (direction(rng, shape), x, gamma, beta), names))
    return cases


def _bn_gradients(value):
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise ValueError("batchnorm2d_backward must return (dx, dgamma, dbeta)")
    return dict(zip(("x", "gamma", "beta"), value))


def _bn_gradcheck(rng):
    cases = []
    for n, shape in enumerate(BN_SHAPES[:2], 1):
        x, gamma, beta = _bn_args(rng, shape)
        # Batch normalization ignores a shift of a channel and (but for eps) a scaling of it.
        # The upstream gradient and the direction both move along these too: there a backward
        # pass without the gradient through the mean or the variance is far off.
        per_channel = (1, shape[1], 1, 1)
        centred = (x - x.mean(axis=BN_AXES, keepdims=True)) / x.std(axis=BN_AXES, keepdims=True)
        u = direction(rng, shape) + direction(rng, per_channel) + direction(rng, per_channel) * centred
        problem = GradProblem(
            key=f"batchnorm2d_backward/{n}",
            point={"x": x, "gamma": gamma, "beta": beta},
            forward=lambda v: ("batchnorm2d_forward", (v["x"], v["gamma"], v["beta"]), {}),
            backward=lambda u=u, x=x, gamma=gamma, beta=beta: ("batchnorm2d_backward", (u, x, gamma, beta), {}),
            objective=objective_dot(u),
            gradients=_bn_gradients,
            grad_names={"x": "dx", "gamma": "dgamma", "beta": "dbeta"},
        )
        moves = direction(rng, shape) + direction(rng, per_channel) + direction(rng, per_channel) * centred
        v = {"x": moves, "gamma": direction(rng, gamma.shape), "beta": direction(rng, beta.shape)}
        dx = oracle.batchnorm2d_backward(u, x, gamma, beta)[0]
        index = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(dx)), dx.shape))
        label = Label("case.gradient", {"name": "dx, dgamma, dbeta", "what": describe(x=x)})
        cases.append(GradCase(label, problem, ("x", "gamma", "beta"), SMOOTH_EPS, directions=(v,), coordinates=(("x", index),)))
    return cases


def _bn_with(mean=lambda x: x.mean(dim=BN_AXES, keepdim=True), variance=None, axes=BN_AXES):
    """Batch normalization with its mean or variance computed another way (a torch function of x)."""

    def norm(x, gamma, beta, eps):
        m = mean(x) if axes == BN_AXES else x.mean(dim=axes, keepdim=True)
        v = variance(x, m) if variance is not None else ((x - m) ** 2).mean(dim=axes, keepdim=True)
        shape = (1, -1, 1, 1)
        return gamma.view(shape) * (x - m) / (v + eps).sqrt() + beta.view(shape)

    return norm


def _bn_both(norm):
    # torch is imported when a mistake is computed, not when this module is: the grader imports
    # torch on a thread of its own while the sandbox children start.
    def forward(x, gamma, beta, eps=1e-5):
        with _torch().no_grad():
            return oracle.to_numpy(norm(oracle.tensor(x), oracle.tensor(gamma), oracle.tensor(beta), eps))

    def backward(delta_in, x, gamma, beta, eps=1e-5):
        return oracle.batchnorm2d_backward(delta_in, x, gamma, beta, eps, norm=norm)

    return {"batchnorm2d_forward": forward, "batchnorm2d_backward": backward}


BN_MISTAKES = (
    Mistake("bn_unbiased_variance", _bn_both(_bn_with(variance=lambda x, m: x.var(dim=BN_AXES, keepdim=True, unbiased=True)))),
    Mistake("bn_per_image", _bn_both(_bn_with(axes=(2, 3)))),
    Mistake("bn_per_layer", _bn_both(_bn_with(axes=(1, 2, 3)))),
    # The gradient through the mean (or the variance) left out: that statistic as a constant.
    Mistake("bn_backward_no_mean_term", {"batchnorm2d_backward": _bn_both(_bn_with(mean=lambda x: x.mean(dim=BN_AXES, keepdim=True).detach()))["batchnorm2d_backward"]}),
    Mistake(
        "bn_backward_no_variance_term",
        {"batchnorm2d_backward": _bn_both(_bn_with(variance=lambda x, m: ((x - m) ** 2).mean(dim=BN_AXES, keepdim=True).detach()))["batchnorm2d_backward"]},
    ),
)


# --- the blocks: cases and gradient checks shared by residual, bottleneck and dense ----------------------------


def _gradients(value):
    if not isinstance(value, dict):
        raise ValueError(f"the backward pass must return a dict of gradients, got {type(value).__name__}")
    return value


def _exact_miss(block, point, names, options, u, grads, v, eps) -> float:
    """|central difference - <g, v>| of the exact block (the oracle): the slope error its ReLU kinks cause."""
    torch = _torch()

    def objective(sign):
        moved = {name: value + sign * eps * v[name] if name in v else value for name, value in point.items()}
        x = oracle.tensor(moved["x"])
        params = {name: oracle.tensor(moved[name]) for name in names}
        with torch.no_grad():
            return float(np.sum(oracle.to_numpy(block(x, params, *options)) * u))

    numeric = (objective(1.0) - objective(-1.0)) / (2 * eps)
    return abs(numeric - sum(float(np.sum(grads[name] * step)) for name, step in v.items()))


def block_grad_cases(rng, kind: str, block, number: int, x, params, options=()) -> list[GradCase]:
    """Three gradient checks of a block at one point: dJ/dx (a random direction through x and its
    largest coordinate), each parameter at its largest coordinate, and a random direction through
    all parameters; each comparison with the allowance the exact block needs there."""
    names = tuple(params)
    output = oracle.block_forward(block, x, params, *options)
    u = direction(rng, output.shape)
    point = {"x": x, **params}
    problem = GradProblem(
        key=f"{kind}_backward/{number}",
        point=point,
        forward=lambda v: (f"{kind}_forward", (v["x"], {name: v[name] for name in names}, *options), {}),
        backward=lambda: (f"{kind}_backward", (u, x, params, *options), {}),
        objective=objective_dot(u),
        gradients=_gradients,
    )
    grads = oracle.block_backward(block, u, x, params, *options)
    through_x = {"x": direction(rng, x.shape)}
    through_params = {name: direction(rng, value.shape) for name, value in params.items()}
    index = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(grads["x"])), x.shape))
    unit = np.zeros_like(x)
    unit[index] = 1.0

    def allowance(v):
        return _exact_miss(block, point, names, options, u, grads, v, BLOCK_EPS)

    largest = []
    for name in names:
        at = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(grads[name])), grads[name].shape))
        step = np.zeros_like(params[name])
        step[at] = 1.0
        largest.append(((name, at), allowance({name: step})))
    what = describe(x=x, **({"S": options[0]} if kind == "residual_block" else {}))
    return [
        GradCase(Label("case.block_gradient_x", {"n": number, "what": what}), problem, ("x",), BLOCK_EPS,
                 directions=(through_x,), coordinates=(("x", index),), allowances=(allowance(through_x), allowance({"x": unit}))),
        GradCase(Label("case.block_gradient_largest", {"n": number, "what": what}), problem, names, BLOCK_EPS,
                 coordinates=tuple(c for c, _ in largest), allowances=tuple(a for _, a in largest)),
        GradCase(Label("case.block_gradient_params", {"n": number, "what": what}), problem, names, BLOCK_EPS,
                 directions=(through_params,), allowances=(allowance(through_params),)),
    ]


def _forward_and_backward(block):
    """The (forward, backward) mistake functions of a wrong torch block."""
    return (
        lambda x, params, *options: oracle.block_forward(block, x, params, *options),
        lambda delta_in, x, params, *options: oracle.block_backward(block, delta_in, x, params, *options),
    )


def _targets(kind, block, *, forward=True):
    fwd, bwd = _forward_and_backward(block)
    return {f"{kind}_forward": fwd, f"{kind}_backward": bwd} if forward else {f"{kind}_backward": bwd}


def _relu():
    return _torch().relu


def _relu_before_add(branch):
    return lambda x, params, *options: _relu()(branch(x, params, *options)) + oracle.shortcut(x, params, *options)


def _final_relu_missing(branch):
    return lambda x, params, *options: branch(x, params, *options) + oracle.shortcut(x, params, *options)


def _shortcut_not_differentiated(branch):
    return lambda x, params, *options: _relu()(branch(x, params, *options) + oracle.shortcut(x.detach(), params, *options))


def _no_projection(kind, branch):
    """x added as it is, shortcut.weight ignored, with numpy's broadcasting: ValueError where the
    shapes cannot broadcast; where they can (C_in = 1) a wrong answer, and in the backward pass
    dJ/dx = (the branch's dJ/dx) + d, broadcast to d's shape (N, C_out, H_out, W_out)."""

    def forward(x, params, *options):
        try:
            return oracle.block_forward(lambda x, p, *o: _relu()(branch(x, p, *o) + x), x, params, *options)
        except RuntimeError:
            raise Raises("ValueError") from None

    def backward(delta_in, x, params, *options):
        torch = _torch()
        xt = oracle.tensor(x, grad=True)
        tensors = {name: oracle.tensor(value, grad=True) for name, value in params.items() if name != "shortcut.weight"}
        z = branch(xt, tensors, *options)
        try:
            s = z + xt.detach()
        except RuntimeError:
            raise Raises("ValueError") from None
        d = torch.where(s > 0, oracle.tensor(delta_in), torch.zeros_like(s))
        grads = torch.autograd.grad(z, [*tensors.values(), xt], grad_outputs=d)
        result = {name: oracle.to_numpy(g) for name, g in zip(tensors, grads)}
        result["x"] = oracle.to_numpy(grads[-1] + d)
        return result

    return {f"{kind}_forward": forward, f"{kind}_backward": backward}


def _shortcut_mistakes(kind, branch):
    return (
        Mistake("relu_before_add", _targets(kind, _relu_before_add(branch))),
        Mistake("final_relu_missing", _targets(kind, _final_relu_missing(branch))),
        Mistake("no_projection", _no_projection(kind, branch)),
        Mistake("shortcut_gradient_missing", _targets(kind, _shortcut_not_differentiated(branch), forward=False)),
    )


# --- the residual block ---------------------------------------------------------------------------------------


def residual_params(rng, c_in, c_out, *, projection):
    params = {
        "conv1.weight": _weights(rng, c_out, c_in, 3),
        "conv1.bias": _bias(rng, c_out),
        "conv2.weight": _weights(rng, c_out, c_out, 3),
        "conv2.bias": _bias(rng, c_out),
    }
    if projection:
        params["shortcut.weight"] = _weights(rng, c_out, c_in, 1)
    return params


# (N, C_in, C_out, H, W, S): the identity shortcut, then projections for more channels, a stride
# with a remainder, or both.
RESIDUAL_IDENTITY = ((2, 3, 3, 5, 6), (1, 2, 2, 7, 4), (3, 4, 4, 4, 5))
# The first has one input channel: there x + F(x) broadcasts in numpy without the projection.
RESIDUAL_PROJECTION = ((2, 1, 3, 5, 4, 1), (2, 2, 4, 6, 5, 1), (2, 3, 3, 7, 6, 2), (1, 2, 5, 5, 8, 3))


def _residual_case(rng, number, spec, delta: bool):
    n, c_in, c_out, h, w, *stride = spec
    stride = stride[0] if stride else 1
    x = normal(rng, (n, c_in, h, w))
    params = residual_params(rng, c_in, c_out, projection=c_in != c_out or stride != 1)
    args = (x, params, stride)
    names = ("x", "params", "stride")
    if delta:
        out = oracle.residual_block_forward(*args)
        args, names = (direction(rng, out.shape), *args), ("delta_in", *names)
    return hidden(number, describe(x=x, C_out=c_out, S=stride), args, names)


def _residual_example(rng):
    x = np.array([[[[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0], [7.0, -8.0, 9.0]]]]).repeat(2, axis=1) * [[[[1.0]], [[-0.5]]]]
    params = {name: np.zeros_like(value) for name, value in residual_params(rng, 2, 2, projection=False).items()}
    return [example(1, (x, params, 1), ("x", "params", "stride"))]


def _residual_cases(specs, *, delta, visible=None):
    def cases(rng):
        shown = visible(rng) if visible is not None else []
        return shown + [_residual_case(rng, n, spec, delta) for n, spec in enumerate(specs, 1)]

    return cases


def _residual_gradcheck(rng):
    cases = []
    for number, (n, c_in, c_out, h, w, stride) in enumerate(((2, 2, 2, 5, 4, 1), (2, 2, 3, 6, 5, 2)), 1):
        x = normal(rng, (n, c_in, h, w))
        params = residual_params(rng, c_in, c_out, projection=c_in != c_out or stride != 1)
        cases += block_grad_cases(rng, "residual_block", oracle.residual_block, number, x, params, (stride,))
    return cases


def _stride_on_conv2(x, params, stride=1):
    torch = _torch()
    a1 = torch.relu(oracle._conv(x, params, "conv1", 1, 1))
    return torch.relu(oracle._conv(a1, params, "conv2", stride, 1) + oracle.shortcut(x, params, stride))


def _inner_relu_missing(x, params, stride=1):
    branch = oracle._conv(oracle._conv(x, params, "conv1", stride, 1), params, "conv2", 1, 1)
    return _relu()(branch + oracle.shortcut(x, params, stride))


RESIDUAL_MISTAKES = (
    *_shortcut_mistakes("residual_block", oracle.residual_branch),
    Mistake("residual_stride_on_conv2", _targets("residual_block", _stride_on_conv2)),
    Mistake("inner_relu_missing", _targets("residual_block", _inner_relu_missing)),
)


# --- the bottleneck block ---------------------------------------------------------------------------------------


def bottleneck_params(rng, c_in, c_mid, c_out):
    params = {
        "conv1.weight": _weights(rng, c_mid, c_in, 1),
        "conv1.bias": _bias(rng, c_mid),
        "conv2.weight": _weights(rng, c_mid, c_mid, 3),
        "conv2.bias": _bias(rng, c_mid),
        "conv3.weight": _weights(rng, c_out, c_mid, 1),
        "conv3.bias": _bias(rng, c_out),
    }
    if c_in != c_out:
        params["shortcut.weight"] = _weights(rng, c_out, c_in, 1)
    return params


# (N, C_in, C_mid, C_out, H, W): the identity shortcut (C_out = C_in), then projections (one
# from a single input channel, which numpy would broadcast without the projection).
BOTTLENECK_SPECS = ((2, 4, 2, 4, 5, 6), (1, 6, 3, 6, 4, 4), (2, 3, 2, 5, 6, 5), (3, 4, 2, 6, 3, 5), (2, 1, 2, 3, 4, 5))


def _bottleneck_cases(*, delta):
    def cases(rng):
        result = []
        for number, (n, c_in, c_mid, c_out, h, w) in enumerate(BOTTLENECK_SPECS, 1):
            x = normal(rng, (n, c_in, h, w))
            args, names = (x, bottleneck_params(rng, c_in, c_mid, c_out)), ("x", "params")
            if delta:
                out = oracle.bottleneck_block_forward(*args)
                args, names = (direction(rng, out.shape), *args), ("delta_in", *names)
            result.append(hidden(number, describe(x=x, C_mid=c_mid, C_out=c_out), args, names))
        return result

    return cases


def _bottleneck_gradcheck(rng):
    cases = []
    for number, (n, c_in, c_mid, c_out, h, w) in enumerate(((2, 4, 2, 4, 4, 5), (2, 3, 2, 4, 5, 4)), 1):
        x = normal(rng, (n, c_in, h, w))
        cases += block_grad_cases(rng, "bottleneck_block", oracle.bottleneck_block, number, x, bottleneck_params(rng, c_in, c_mid, c_out))
    return cases


def _bottleneck_inner_relu_missing(x, params):
    a1 = oracle._conv(x, params, "conv1")
    branch = oracle._conv(oracle._conv(a1, params, "conv2", 1, 1), params, "conv3")
    return _relu()(branch + oracle.shortcut(x, params))


BOTTLENECK_MISTAKES = (
    *_shortcut_mistakes("bottleneck_block", oracle.bottleneck_branch),
    Mistake("inner_relu_missing", _targets("bottleneck_block", _bottleneck_inner_relu_missing)),
)


# --- the dense block -------------------------------------------------------------------------------------------


def dense_params(rng, channels, growth, num_layers):
    params = {}
    for i in range(num_layers):
        params[f"layer{i}.weight"] = _weights(rng, growth, channels + i * growth, 3)
        params[f"layer{i}.bias"] = _bias(rng, growth)
    return params


# (N, C, H, W, growth rate k, layers): one layer, then several.
DENSE_SPECS = ((2, 3, 4, 5, 2, 1), (1, 2, 5, 4, 3, 2), (2, 4, 3, 5, 2, 3), (3, 2, 4, 4, 2, 4))


def _dense_case(rng, number, spec, delta, make=hidden):
    n, c, h, w, k, layers = spec
    x = normal(rng, (n, c, h, w))
    args, names = (x, dense_params(rng, c, k, layers), layers), ("x", "params", "num_layers")
    if delta:
        out = oracle.dense_block_forward(*args)
        args, names = (direction(rng, out.shape), *args), ("delta_in", *names)
    if make is example:
        return example(number, args, names)
    return hidden(number, describe(x=x, k=k, layers=layers), args, names)


def _dense_cases(*, delta):
    def cases(rng):
        shown = [] if delta else [_dense_case(rng, 1, (1, 4, 3, 3, 2, 3), delta, make=example)]
        return shown + [_dense_case(rng, n, spec, delta) for n, spec in enumerate(DENSE_SPECS, 1)]

    return cases


def _dense_gradcheck(rng):
    cases = []
    for number, (n, c, h, w, k, layers) in enumerate(((2, 2, 4, 3, 2, 2), (1, 3, 3, 4, 2, 3)), 1):
        x = normal(rng, (n, c, h, w))
        cases += block_grad_cases(rng, "dense_block", oracle.dense_block, number, x, dense_params(rng, c, k, layers), (layers,))
    return cases


def _dense_variant(*, order=lambda features: features, post_activation=False, keep_input=True, reads=None, returns=None):
    """The dense block with one step changed.

    order: the order features are concatenated in; post_activation: ReLU after the conv;
    keep_input=False: the block's output leaves x out; reads(i, j) / returns(j): whether
    layer i's input, or the block's output, passes the gradient of feature j (False: detached).
    """

    def block(x, params, num_layers):
        torch = _torch()
        features = [x]

        def joined(live):
            return torch.cat(order([f if live(j) else f.detach() for j, f in enumerate(features)]), dim=1)

        for i in range(num_layers):
            z = joined(lambda j: reads is None or reads(i, j))
            out = oracle._conv(z if post_activation else torch.relu(z), params, f"layer{i}", 1, 1)
            features.append(torch.relu(out) if post_activation else out)
        if not keep_input:
            return torch.cat(order(features[1:]), dim=1)
        return joined(lambda j: returns is None or returns(j, num_layers))

    return block


DENSE_MISTAKES = (
    # Accumulating with = instead of +=: each feature keeps the share of the first layer that
    # reads it (the last one the backward pass visits); or no share of any later layer at all.
    Mistake("dense_grad_not_summed", _targets("dense_block", _dense_variant(reads=lambda i, j: i == j, returns=lambda j, last: j == last), forward=False)),
    Mistake("dense_grad_not_summed", _targets("dense_block", _dense_variant(reads=lambda i, j: False), forward=False)),
    Mistake("dense_concat_order", _targets("dense_block", _dense_variant(order=lambda features: features[::-1]))),
    Mistake("dense_post_activation", _targets("dense_block", _dense_variant(post_activation=True))),
    Mistake("dense_output_without_input", _targets("dense_block", _dense_variant(keep_input=False))),
)


EXERCISES = (
    Exercise(
        id="global_avg_pool",
        api=("global_avg_pool_forward", "global_avg_pool_backward"),
        checks=(
            Check("forward", _gap_forward_cases, target="global_avg_pool_forward"),
            Check("backward", _gap_backward_cases, target="global_avg_pool_backward"),
            Check("gradcheck", _gap_gradcheck, gradcheck=True),
        ),
        mistakes=GAP_MISTAKES,
    ),
    Exercise(
        id="batchnorm2d",
        api=("batchnorm2d_forward", "batchnorm2d_backward"),
        checks=(
            Check("forward", _bn_forward_cases, target="batchnorm2d_forward"),
            Check("backward", _bn_backward_cases, target="batchnorm2d_backward", leaves=BN_LEAVES),
            Check("gradcheck", _bn_gradcheck, gradcheck=True),
        ),
        mistakes=BN_MISTAKES,
    ),
    Exercise(
        id="residual_block",
        api=("residual_block_forward", "residual_block_backward"),
        checks=(
            Check("forward_identity", _residual_cases(RESIDUAL_IDENTITY, delta=False, visible=_residual_example), target="residual_block_forward"),
            Check("forward_projection", _residual_cases(RESIDUAL_PROJECTION, delta=False), target="residual_block_forward"),
            Check("backward_identity", _residual_cases(RESIDUAL_IDENTITY, delta=True), target="residual_block_backward"),
            Check("backward_projection", _residual_cases(RESIDUAL_PROJECTION, delta=True), target="residual_block_backward"),
            Check("gradcheck", _residual_gradcheck, gradcheck=True),
        ),
        mistakes=RESIDUAL_MISTAKES,
    ),
    Exercise(
        id="bottleneck_block",
        api=("bottleneck_block_forward", "bottleneck_block_backward"),
        checks=(
            Check("forward", _bottleneck_cases(delta=False), target="bottleneck_block_forward"),
            Check("backward", _bottleneck_cases(delta=True), target="bottleneck_block_backward"),
            Check("gradcheck", _bottleneck_gradcheck, gradcheck=True),
        ),
        mistakes=BOTTLENECK_MISTAKES,
    ),
    Exercise(
        id="dense_block",
        api=("dense_block_forward", "dense_block_backward"),
        checks=(
            Check("forward", _dense_cases(delta=False), target="dense_block_forward"),
            Check("backward", _dense_cases(delta=True), target="dense_block_backward"),
            Check("gradcheck", _dense_gradcheck, gradcheck=True),
        ),
        mistakes=DENSE_MISTAKES,
    ),
)
