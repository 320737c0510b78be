"""Global average pooling, batch normalization and the ResNet and DenseNet blocks, against PyTorch autograd."""
import numpy as np
import pytest

from . import classic_oracles as torch_blocks
from .feedback import call_student, check_array, describe_call, fail


def _rng(seed):
    return np.random.default_rng(seed)


def _conv_weight(rng, c_out, c_in, k):
    return rng.normal(size=(c_out, c_in, k, k)) * 1.5 / np.sqrt(c_in * k * k)


def residual_params(rng, c_in, c_out, projection):
    p = {"conv1.weight": _conv_weight(rng, c_out, c_in, 3), "conv1.bias": rng.normal(size=c_out) * 0.3,
         "conv2.weight": _conv_weight(rng, c_out, c_out, 3), "conv2.bias": rng.normal(size=c_out) * 0.3}
    if projection:
        p["shortcut.weight"] = _conv_weight(rng, c_out, c_in, 1)
    return p


def bottleneck_params(rng, c_in, c_mid, c_out):
    p = {"conv1.weight": _conv_weight(rng, c_mid, c_in, 1), "conv1.bias": rng.normal(size=c_mid) * 0.3,
         "conv2.weight": _conv_weight(rng, c_mid, c_mid, 3), "conv2.bias": rng.normal(size=c_mid) * 0.3,
         "conv3.weight": _conv_weight(rng, c_out, c_mid, 1), "conv3.bias": rng.normal(size=c_out) * 0.3}
    if c_in != c_out:
        p["shortcut.weight"] = _conv_weight(rng, c_out, c_in, 1)
    return p


def dense_params(rng, c, k, layers):
    p = {}
    for i in range(layers):
        p[f"layer{i}.weight"] = _conv_weight(rng, k, c + i * k, 3)
        p[f"layer{i}.bias"] = rng.normal(size=k) * 0.3
    return p


def check_grads(what, got, expected, mistakes=(), hint=None):
    """got and expected: dicts of gradients keyed like params, plus "x"."""
    if not isinstance(got, dict):
        fail(f"{what}: expected a dict of gradients with keys {list(expected)}, got {type(got).__name__}.")
    if set(got) != set(expected):
        fail(f"{what}: expected the keys {sorted(expected)}, got {sorted(got)} (every key of params, plus \"x\").")
    for name in expected:
        check_array(f"{what}['{name}']", got[name], expected[name], hint=hint,
                    mistakes=lambda name=name: [(why, wrong[name]) for why, wrong in mistakes() if name in wrong])


# --- global average pooling ----------------------------------------------------------------------


@pytest.mark.global_avg_pool_forward
def test_global_avg_pool_forward(impl):
    for x in (np.arange(8.0).reshape(1, 2, 2, 2), _rng(1).normal(size=(2, 3, 4, 5))):
        what = describe_call("global_avg_pool_forward", x=x)
        check_array(what, call_student(what, impl.global_avg_pool_forward, {"x": x}), x.mean(axis=(2, 3)),
                    hint="the mean of each (H, W) map: one number per image and channel, shape (N, C).")


@pytest.mark.global_avg_pool_backward
def test_global_avg_pool_backward(impl):
    rng = _rng(2)
    x, delta_in = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3))
    what = describe_call("global_avg_pool_backward", delta_in=delta_in, x=x)
    got = call_student(what, impl.global_avg_pool_backward, {"delta_in": delta_in, "x": x})
    expected = torch_blocks.block_backward(lambda x, p: x.mean(dim=(2, 3)), delta_in, x, {})["x"]
    check_array(what, got, expected, mistakes=[("delta was copied to every position without dividing by H * W.", expected * 20)])


# --- batch normalization -------------------------------------------------------------------------


def bn_inputs(seed, shape=(3, 2, 3, 4)):
    rng = _rng(seed)
    x = rng.normal(size=shape) * rng.uniform(0.5, 2.0, size=(1, shape[1], 1, 1)) + rng.uniform(-2, 2, size=(1, shape[1], 1, 1))
    return x, rng.uniform(0.5, 2.0, size=shape[1]) * rng.choice([-1, 1], size=shape[1]), rng.normal(size=shape[1]) * 0.3


UNBIASED = "the variance was divided by M - 1; batch normalization in training mode divides by M = N * H * W."


@pytest.mark.batchnorm2d_forward
def test_batchnorm2d_forward_matches_torch_in_training_mode(impl):
    for x, gamma, beta in [(np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 1, 2, 2), np.ones(1), np.zeros(1)), bn_inputs(3)]:
        what = describe_call("batchnorm2d_forward", x=x, gamma=gamma, beta=beta)
        got = call_student(what, impl.batchnorm2d_forward, {"x": x, "gamma": gamma, "beta": beta})
        check_array(what, got, torch_blocks.batchnorm_forward(x, gamma, beta),
                    mistakes=lambda x=x, gamma=gamma, beta=beta: [(UNBIASED, torch_blocks.batchnorm_forward(x, gamma, beta, unbiased=True))],
                    hint="statistics per channel, over N, H and W.")


@pytest.mark.batchnorm2d_backward
def test_batchnorm2d_backward_matches_torch_autograd(impl):
    x, gamma, beta = bn_inputs(4)
    delta_in = _rng(5).normal(size=x.shape) + 1.0  # a mean per channel: the gradient through the mean matters
    what = describe_call("batchnorm2d_backward", delta_in=delta_in, x=x, gamma=gamma, beta=beta)
    got = call_student(what, impl.batchnorm2d_backward, {"delta_in": delta_in, "x": x, "gamma": gamma, "beta": beta})
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        fail(f"{what}: expected (dx, dgamma, dbeta), got {type(got).__name__}.")
    expected = torch_blocks.batchnorm_grads(delta_in, x, gamma, beta)
    wrong = {
        "the gradient through the mean is missing: subtract mean(g).": dict(constant="mean"),
        "the gradient through the variance is missing: subtract x_hat * mean(g * x_hat).": dict(constant="variance"),
        UNBIASED: dict(unbiased=True),
    }
    for part, name in enumerate(("dx", "dgamma", "dbeta")):
        check_array(f"{what}: {name}", got[part], expected[part],
                    mistakes=lambda part=part: [(why, torch_blocks.batchnorm_grads(delta_in, x, gamma, beta, **change)[part]) for why, change in wrong.items()])


# --- ResNet's blocks -----------------------------------------------------------------------------

RELU_BEFORE_ADD = "the ReLU was applied to the branch before the addition; it applies to the sum: ReLU(F(x) + shortcut(x))."
SHORTCUT_GRADIENT = "dJ/dx came from the branch alone; add the shortcut's share too (the addition sends the gradient down both paths)."
CASES = [pytest.param(3, 3, 1, id="identity"), pytest.param(2, 4, 2, id="projection-stride-2")]


@pytest.mark.residual_block_forward
@pytest.mark.parametrize("c_in, c_out, stride", CASES)
def test_residual_block_forward(impl, c_in, c_out, stride):
    rng = _rng(6)
    x, params = rng.normal(size=(2, c_in, 7, 6)), residual_params(rng, c_in, c_out, c_in != c_out)
    what = describe_call("residual_block_forward", x=x, stride=stride) + f" with params {sorted(params)}"
    got = call_student(what, impl.residual_block_forward, {"x": x, "params": params}, stride=stride)
    check_array(what, got, torch_blocks.block_forward(torch_blocks.residual, x, params, stride),
                mistakes=lambda: [(RELU_BEFORE_ADD, torch_blocks.block_forward(torch_blocks.residual, x, params, stride, relu_before_add=True))])


@pytest.mark.residual_block_backward
@pytest.mark.parametrize("c_in, c_out, stride", CASES)
def test_residual_block_backward(impl, c_in, c_out, stride):
    rng = _rng(7)
    x, params = rng.normal(size=(2, c_in, 7, 6)), residual_params(rng, c_in, c_out, c_in != c_out)
    delta_in = rng.normal(size=torch_blocks.block_forward(torch_blocks.residual, x, params, stride).shape)
    what = describe_call("residual_block_backward", delta_in=delta_in, x=x, stride=stride)
    got = call_student(what, impl.residual_block_backward, {"delta_in": delta_in, "x": x, "params": params}, stride=stride)
    check_grads(what, got, torch_blocks.block_backward(torch_blocks.residual, delta_in, x, params, stride),
                mistakes=lambda: [(SHORTCUT_GRADIENT, torch_blocks.block_backward(torch_blocks.residual, delta_in, x, params, stride, detach_shortcut=True)),
                                  (RELU_BEFORE_ADD, torch_blocks.block_backward(torch_blocks.residual, delta_in, x, params, stride, relu_before_add=True))])


@pytest.mark.bottleneck_block_forward
@pytest.mark.bottleneck_block_backward
@pytest.mark.parametrize("c_in, c_out", [(6, 6), (3, 5)], ids=["identity", "projection"])
def test_bottleneck_block_forward_and_backward(impl, c_in, c_out):
    rng = _rng(8)
    x, params = rng.normal(size=(2, c_in, 5, 4)), bottleneck_params(rng, c_in, 2, c_out)
    what = describe_call("bottleneck_block_forward", x=x)
    out = call_student(what, impl.bottleneck_block_forward, {"x": x, "params": params})
    check_array(what, out, torch_blocks.block_forward(torch_blocks.bottleneck, x, params),
                hint="1x1 -> ReLU -> 3x3 (padding 1) -> ReLU -> 1x1, add the shortcut, then ReLU.")
    delta_in = rng.normal(size=(2, c_out, 5, 4))
    what = describe_call("bottleneck_block_backward", delta_in=delta_in, x=x)
    got = call_student(what, impl.bottleneck_block_backward, {"delta_in": delta_in, "x": x, "params": params})
    check_grads(what, got, torch_blocks.block_backward(torch_blocks.bottleneck, delta_in, x, params))


# --- DenseNet's dense block ------------------------------------------------------------------------

NOT_SUMMED = ("a feature's gradient did not add up the shares of the later layers that read it; "
              "add (+=) each layer's share to the feature's slice of delta_in.")
NEWEST_FIRST = "the features were concatenated newest first; the order is x, out_0, out_1, ..."


@pytest.mark.dense_block_forward
def test_dense_block_forward(impl):
    rng = _rng(9)
    x, params = rng.normal(size=(2, 4, 3, 5)), dense_params(rng, 4, 2, 3)
    what = describe_call("dense_block_forward", x=x, num_layers=3) + " with growth rate 2"
    got = call_student(what, impl.dense_block_forward, {"x": x, "params": params, "num_layers": 3})
    check_array(what, got, torch_blocks.block_forward(torch_blocks.dense, x, params, 3),
                mistakes=lambda: [(NEWEST_FIRST, torch_blocks.block_forward(torch_blocks.dense, x, params, 3, newest_first=True))])


@pytest.mark.dense_block_backward
def test_dense_block_backward(impl):
    rng = _rng(10)
    x, params = rng.normal(size=(2, 3, 4, 4)), dense_params(rng, 3, 2, 3)
    delta_in = rng.normal(size=(2, 9, 4, 4))
    what = describe_call("dense_block_backward", delta_in=delta_in, x=x, num_layers=3)
    got = call_student(what, impl.dense_block_backward, {"delta_in": delta_in, "x": x, "params": params, "num_layers": 3})
    check_grads(what, got, torch_blocks.block_backward(torch_blocks.dense, delta_in, x, params, 3),
                mistakes=lambda: [(NOT_SUMMED, torch_blocks.block_backward(torch_blocks.dense, delta_in, x, params, 3, read_detached=True))])
