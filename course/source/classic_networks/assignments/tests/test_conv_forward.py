"""pad2d and conv2d_forward: the lecture's worked examples, then random layers against PyTorch."""
import numpy as np
import pytest
import torch.nn.functional as F
from hypothesis import example, given
from hypothesis import strategies as st

from . import mistakes, oracles
from .feedback import call_student, check_array, describe_call, fail
from .strategies import PROPERTY_SETTINGS, ConvCase, conv_cases, seeds

LECTURE_X4 = np.array([[2, 5, 0, 1], [6, 7, 1, 2], [3, 0, 4, 0], [3, 9, 7, 4]], dtype=np.float64)
LECTURE_X5 = np.array(
    [[1, 3, 0, 2, 4], [4, 7, 4, 1, 0], [4, 6, 0, 0, 6], [3, 2, 8, 1, 2], [3, 5, 0, 7, 3]], dtype=np.float64
)
KERNEL_1 = np.array([[1, 0, 1], [-1, 1, 0], [0, 1, -1]], dtype=np.float64)
KERNEL_2 = np.array([[-1, 1, 0], [0, 1, -1], [1, 0, 1]], dtype=np.float64)


def image(plane):
    """(H, W) -> (1, 1, H, W)."""
    return plane[np.newaxis, np.newaxis].copy()


def run_conv(impl, what, x, w, b, stride=1, padding=0):
    return call_student(what, impl.conv2d_forward, {"x": x, "w": w, "b": b}, stride=stride, padding=padding)


def check_conv(what, got, x, w, b, stride, padding, expected=None):
    expected = oracles.conv2d(x, w, b, stride, padding) if expected is None else expected
    check_array(what, got, expected, mistakes=lambda: mistakes.conv2d_forward(x, w, b, stride, padding),
                hint="z[n, m, i, j] = b[m] + sum over c, u, v of A[n, c, i*S + u, j*S + v] * w[m, c, u, v].")


# pad2d


@pytest.mark.pad2d
def test_pad2d_docstring_example(impl):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    what = "pad2d([[1, 2], [3, 4]], 1)"
    got = call_student(what, impl.pad2d, {"x": x, "padding": 1})
    expected = np.array([[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0], [0, 0, 0, 0]], dtype=np.float64)
    check_array(what, got, expected, mistakes=lambda: mistakes.pad2d(x, 1))


@pytest.mark.pad2d
def test_pad2d_keeps_batch_and_channel_axes(impl):
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    what = describe_call("pad2d", x=x, padding=2)
    got = call_student(what, impl.pad2d, {"x": x, "padding": 2})
    check_array(what, got, oracles.numpy(F.pad(oracles.tensor(x), (2, 2, 2, 2))), mistakes=lambda: mistakes.pad2d(x, 2))


@pytest.mark.pad2d
def test_pad2d_zero_padding_returns_a_copy(impl):
    x = np.arange(12, dtype=np.float64).reshape(1, 1, 3, 4)
    what = describe_call("pad2d", x=x, padding=0)
    got = call_student(what, impl.pad2d, {"x": x, "padding": 0})
    check_array(what, got, x)
    if np.shares_memory(got, x):
        fail(f"{what} returned x itself (or a view of it); padding = 0 must return a copy, "
             "so that changing the result never changes x.")


@pytest.mark.pad2d
@PROPERTY_SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=4), padding=st.integers(0, 3), seed=seeds())
def test_pad2d_matches_torch(impl, shape, padding, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    what = describe_call("pad2d", x=x, padding=padding)
    got = call_student(what, impl.pad2d, {"x": x, "padding": padding})
    expected = oracles.numpy(F.pad(oracles.tensor(x), (padding,) * 4))
    check_array(what, got, expected, mistakes=lambda: mistakes.pad2d(x, padding))


# conv2d_forward: the lecture's examples


@pytest.mark.conv2d_forward
def test_lecture_4x4_example(impl):
    x, w, b = image(LECTURE_X4), image(KERNEL_1), np.zeros(1)
    what = "conv2d_forward on the lecture's 4x4 input and kernel [[1,0,1],[-1,1,0],[0,1,-1]], stride 1"
    got = run_conv(impl, what, x, w, b)
    check_conv(what, got, x, w, b, 1, 0, expected=np.array([[[[-1.0, 4.0], [6.0, 16.0]]]]))


@pytest.mark.conv2d_forward
def test_lecture_two_output_channels(impl):
    x, w, b = image(LECTURE_X4), np.stack([KERNEL_1, KERNEL_2])[:, np.newaxis], np.zeros(2)
    what = "conv2d_forward on the lecture's 4x4 input with two filters (w of shape (2, 1, 3, 3))"
    got = run_conv(impl, what, x, w, b)
    expected = np.array([[[[-1.0, 4.0], [6.0, 16.0]], [[16.0, -6.0], [7.0, 11.0]]]])
    check_conv(what, got, x, w, b, 1, 0, expected=expected)


@pytest.mark.conv2d_forward
def test_lecture_5x5_stride_1(impl):
    x, w, b = image(LECTURE_X5), image(KERNEL_1), np.zeros(1)
    what = "conv2d_forward on the lecture's 5x5 input, stride 1"
    got = run_conv(impl, what, x, w, b, stride=1)
    expected = np.array([[[[10.0, 2.0, -5.0], [4.0, 9.0, 3.0], [8.0, 5.0, 3.0]]]])
    check_conv(what, got, x, w, b, 1, 0, expected=expected)


@pytest.mark.conv2d_forward
def test_lecture_5x5_stride_2(impl):
    x, w, b = image(LECTURE_X5), image(KERNEL_1), np.zeros(1)
    what = "conv2d_forward on the lecture's 5x5 input, stride 2"
    got = run_conv(impl, what, x, w, b, stride=2)
    check_conv(what, got, x, w, b, 2, 0, expected=np.array([[[[10.0, -5.0], [8.0, 3.0]]]]))


@pytest.mark.conv2d_forward
def test_padding_keeps_the_size(impl):
    x, w, b = image(LECTURE_X4), image(KERNEL_1), np.array([0.5])
    what = "conv2d_forward on the lecture's 4x4 input, padding 1 (size (4 - 3 + 2) / 1 + 1 = 4), bias 0.5"
    got = run_conv(impl, what, x, w, b, padding=1)
    check_conv(what, got, x, w, b, 1, 1)


@pytest.mark.conv2d_forward
def test_filter_sums_input_channels_and_adds_one_bias(impl):
    rng = np.random.default_rng(7)
    x, w, b = rng.normal(size=(2, 3, 5, 6)), rng.normal(size=(4, 3, 3, 2)), np.array([1.0, -2.0, 0.5, 3.0])
    what = describe_call("conv2d_forward", x=x, w=w, b=b)
    got = run_conv(impl, what, x, w, b)
    check_conv(what, got, x, w, b, 1, 0)


@pytest.mark.conv2d_forward
def test_stride_that_does_not_divide(impl):
    # (7 + 2 - 3) / 2 + 1 = 4 rows and (6 + 2 - 2) / 2 + 1 = 4 columns: fractions truncated.
    rng = np.random.default_rng(8)
    x, w, b = rng.normal(size=(1, 2, 7, 6)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    what = describe_call("conv2d_forward", x=x, w=w, b=b, stride=2, padding=1)
    got = run_conv(impl, what, x, w, b, stride=2, padding=1)
    check_conv(what, got, x, w, b, 2, 1)


# conv2d_forward: random layers


@pytest.mark.conv2d_forward
@PROPERTY_SETTINGS
@given(case=conv_cases())
@example(case=ConvCase(n=2, c_in=3, c_out=2, h=7, w=5, kh=2, kw=3, stride=2, padding=1, seed=1))
@example(case=ConvCase(n=1, c_in=1, c_out=3, h=4, w=9, kh=4, kw=1, stride=3, padding=2, seed=2))
def test_conv2d_forward_matches_torch(impl, case):
    x, w, b, _ = case.arrays()
    what = describe_call("conv2d_forward", x=x, w=w, b=b, stride=case.stride, padding=case.padding)
    got = run_conv(impl, what, x, w, b, case.stride, case.padding)
    check_conv(what, got, x, w, b, case.stride, case.padding)

