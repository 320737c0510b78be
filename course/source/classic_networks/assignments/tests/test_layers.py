"""relu_forward, relu_backward and softmax_cross_entropy against PyTorch."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from . import mistakes, oracles
from .feedback import call_student, check_array, check_scalar, describe_call, fail
from .strategies import PROPERTY_SETTINGS, seeds

STABLE = "subtract each row's maximum before exp(), and take log p = shifted - log(sum(exp(shifted)))."


def random_z(seed, shape):
    """Normal values with about a quarter exact zeros, where ReLU's gradient is decided."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=shape)
    z[rng.random(shape) < 0.25] = 0.0
    return z


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)


# ReLU


@pytest.mark.relu_forward
def test_relu_forward_docstring_example(impl):
    z = np.array([-1.0, 0.0, 2.0])
    got = call_student("relu_forward([-1, 0, 2])", impl.relu_forward, {"z": z})
    check_array("relu_forward([-1, 0, 2])", got, np.array([0.0, 0.0, 2.0]), hint="max(z, 0) elementwise.")


@pytest.mark.relu_forward
@PROPERTY_SETTINGS
@given(shape=shapes, seed=seeds())
def test_relu_forward_matches_torch(impl, shape, seed):
    z = random_z(seed, shape)
    what = describe_call("relu_forward", z=z)
    check_array(what, call_student(what, impl.relu_forward, {"z": z}), oracles.relu(z), hint="max(z, 0) elementwise.")


@pytest.mark.relu_backward
def test_relu_backward_is_zero_at_zero(impl):
    delta_in, z = np.array([5.0, 6.0, 7.0]), np.array([-1.0, 0.0, 2.0])
    what = "relu_backward([5, 6, 7], z=[-1, 0, 2])"
    got = call_student(what, impl.relu_backward, {"delta_in": delta_in, "z": z})
    check_array(what, got, np.array([0.0, 0.0, 7.0]), mistakes=lambda: mistakes.relu_backward(delta_in, z))


@pytest.mark.relu_backward
@PROPERTY_SETTINGS
@given(shape=shapes, seed=seeds())
def test_relu_backward_matches_torch_autograd(impl, shape, seed):
    z = random_z(seed, shape)
    delta_in = np.random.default_rng(seed + 1).normal(size=shape)
    what = describe_call("relu_backward", delta_in=delta_in, z=z)
    got = call_student(what, impl.relu_backward, {"delta_in": delta_in, "z": z})
    check_array(what, got, oracles.relu_grad(delta_in, z), mistakes=lambda: mistakes.relu_backward(delta_in, z),
                hint="delta_in where z > 0, else 0.")


# Softmax cross-entropy


def run_loss(impl, what, logits, labels):
    result = call_student(what, impl.softmax_cross_entropy, {"logits": logits, "labels": labels})
    if not isinstance(result, tuple) or len(result) != 2:
        fail(f"{what}: expected a tuple (loss, dlogits), got {type(result).__name__}.")
    return result


def check_loss(what, result, logits, labels):
    loss, dlogits = result
    expected_loss, expected_grad = oracles.softmax_cross_entropy(logits, labels)
    check_scalar(f"{what}: loss", loss, expected_loss,
                 mistakes=lambda: mistakes.softmax_cross_entropy_loss(logits, labels),
                 hint=f"loss = -mean over n of log p[n, labels[n]]; {STABLE}")
    check_array(f"{what}: dlogits", dlogits, expected_grad,
                mistakes=lambda: mistakes.softmax_cross_entropy_grad(logits, labels),
                hint=f"dlogits = (p - onehot(labels)) / N; {STABLE}")


@pytest.mark.softmax_cross_entropy
def test_softmax_cross_entropy_docstring_example(impl):
    logits, labels = np.array([[0.0, 0.0]]), np.array([1])
    what = "softmax_cross_entropy([[0, 0]], [1])"
    loss, dlogits = run_loss(impl, what, logits, labels)
    check_scalar(f"{what}: loss (log 2)", loss, np.log(2.0))
    check_array(f"{what}: dlogits", dlogits, np.array([[0.5, -0.5]]))


@pytest.mark.softmax_cross_entropy
def test_softmax_cross_entropy_is_finite_for_logits_in_the_thousands(impl):
    logits = np.array([[1000.0, 0.0, -1000.0], [3000.0, 3001.0, 2999.0], [-2000.0, -2000.5, -1999.0]])
    labels = np.array([2, 0, 1])
    what = "softmax_cross_entropy(logits in the thousands, e.g. [[1000, 0, -1000], [3000, 3001, 2999], ...])"
    loss, dlogits = run_loss(impl, what, logits, labels)
    if not np.isfinite(loss) or not np.all(np.isfinite(np.asarray(dlogits, dtype=np.float64))):
        fail(f"{what}: got loss {loss} and non-finite dlogits; exp(1000) overflows to inf. Hint: {STABLE}")
    check_loss(what, (loss, dlogits), logits, labels)


@pytest.mark.softmax_cross_entropy
@PROPERTY_SETTINGS
@given(n=st.integers(1, 5), k=st.integers(2, 6), scale=st.sampled_from([1.0, 10.0, 500.0]), seed=seeds())
def test_softmax_cross_entropy_matches_torch(impl, n, k, scale, seed):
    rng = np.random.default_rng(seed)
    logits, labels = rng.normal(size=(n, k)) * scale, rng.integers(0, k, size=n)
    what = describe_call("softmax_cross_entropy", logits=logits, labels=labels)
    check_loss(what, run_loss(impl, what, logits, labels), logits, labels)
