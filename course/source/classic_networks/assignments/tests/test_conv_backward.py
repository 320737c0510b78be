"""rot180, dilate and conv2d_backward: the lecture's backward pass, checked against PyTorch autograd."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given

from . import mistakes, oracles
from .feedback import call_student, check_array, describe_call, fail
from .strategies import PROPERTY_SETTINGS, ConvCase, conv_cases

LECTURE_X5 = np.array(
    [[1, 3, 0, 2, 4], [4, 7, 4, 1, 0], [4, 6, 0, 0, 6], [3, 2, 8, 1, 2], [3, 5, 0, 7, 3]], dtype=np.float64
)
KERNEL_1 = np.array([[1, 0, 1], [-1, 1, 0], [0, 1, -1]], dtype=np.float64)


# rot180


@pytest.mark.rot180
def test_rot180_docstring_example(impl):
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    got = call_student("rot180([[1, 2], [3, 4]])", impl.rot180, {"w": w})
    check_array("rot180([[1, 2], [3, 4]])", got, np.array([[4.0, 3.0], [2.0, 1.0]]),
                mistakes=lambda: mistakes.rot180(w))


@pytest.mark.rot180
def test_rot180_rotates_every_kernel_of_a_layer(impl):
    w = np.arange(2 * 3 * 2 * 3, dtype=np.float64).reshape(2, 3, 2, 3)
    what = describe_call("rot180", w=w)
    got = call_student(what, impl.rot180, {"w": w})
    expected = oracles.numpy(torch.flip(oracles.tensor(w), dims=(-2, -1)))
    check_array(what, got, expected, mistakes=lambda: mistakes.rot180(w),
                hint="rotate only the last two axes; (C_out, C_in) keep their order.")


# dilate


def torch_dilate(delta, stride):
    """Zeros between values: a transposed convolution with a single 1 as kernel, stride S."""
    d = oracles.tensor(delta)
    flat = d.reshape(-1, 1, *d.shape[-2:])
    spread = F.conv_transpose2d(flat, torch.ones(1, 1, 1, 1, dtype=torch.float64), stride=stride)
    return oracles.numpy(spread.reshape(*d.shape[:-2], *spread.shape[-2:]))


@pytest.mark.dilate
def test_dilate_lecture_2x3_to_4x7(impl):
    delta = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    what = "dilate([[1, 2, 3], [4, 5, 6]], 3) (lecture: 2x3 -> 4x7)"
    got = call_student(what, impl.dilate, {"delta": delta, "stride": 3})
    expected = np.array([[1, 0, 0, 2, 0, 0, 3], [0] * 7, [0] * 7, [4, 0, 0, 5, 0, 0, 6]], dtype=np.float64)
    check_array(what, got, expected, mistakes=lambda: mistakes.dilate(delta, 3))


@pytest.mark.dilate
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_dilate_keeps_leading_axes(impl, stride):
    delta = np.random.default_rng(stride).normal(size=(2, 3, 3, 2))
    what = describe_call("dilate", delta=delta, stride=stride)
    got = call_student(what, impl.dilate, {"delta": delta, "stride": stride})
    check_array(what, got, torch_dilate(delta, stride), mistakes=lambda: mistakes.dilate(delta, stride),
                hint="(..., M, N) -> (..., (M-1)*S + 1, (N-1)*S + 1); leading axes unchanged.")
    if stride == 1 and np.shares_memory(got, delta):
        fail(f"{what} returned delta itself (or a view); stride = 1 must return a copy.")


# conv2d_backward


def run_backward(impl, what, delta_in, x, w, stride=1, padding=0):
    result = call_student(what, impl.conv2d_backward, {"delta_in": delta_in, "x": x, "w": w},
                          stride=stride, padding=padding)
    if not isinstance(result, tuple) or len(result) != 3:
        fail(f"{what}: expected a tuple (delta_out, dw, db), got {type(result).__name__}.")
    return result


def delta_out_hint(x, w, stride, padding):
    h, wid = x.shape[2:]
    kh, kw = w.shape[2:]
    hints = ["delta_out = sum over m of pad(D_m, K - 1) * rot180(w[m]), then crop P from each side"]
    if stride > 1:
        hints.append(f"with stride {stride}, first dilate delta_in ({stride - 1} zeros between values)")
    if (h + 2 * padding - kh) % stride or (wid + 2 * padding - kw) % stride:
        hints.append("(H + 2P - KH) is not divisible by S here: the last rows/columns never reach the output, "
                     "so pad the dilated delta with extra zeros at the bottom/right; their gradient is 0")
    return "; ".join(hints) + "."


def check_backward(what, result, delta_in, x, w, stride=1, padding=0):
    delta_out, dw, db = result
    expected = oracles.conv2d_grads(delta_in, x, w, stride, padding)
    check_array(f"{what}: delta_out", delta_out, expected[0],
                mistakes=lambda: mistakes.conv2d_backward_delta_out(delta_in, x, w, stride, padding),
                hint=delta_out_hint(x, w, stride, padding))
    check_array(f"{what}: dw", dw, expected[1],
                mistakes=lambda: mistakes.conv2d_backward_dw(delta_in, x, w, stride, padding),
                hint="dw[m, c] = A_c * D_m: the PADDED input cross-correlated with the (dilated) delta, "
                     "summed over the batch.")
    check_array(f"{what}: db", db, expected[2], mistakes=lambda: mistakes.conv2d_backward_db(delta_in),
                hint="db[m] = sum of delta_in[:, m] over the batch and all positions.")


@pytest.mark.conv2d_backward
def test_docstring_example_single_output(impl):
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    delta_in = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])
    what = "conv2d_backward(delta_in [[1, 0], [0, 0]], x 3x3, w [[1, 2], [3, 4]])"
    delta_out, dw, db = run_backward(impl, what, delta_in, x, w)
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, :2, :2] = w[0, 0]
    check_array(f"{what}: delta_out (only z[0, 0] matters: w lands in the top-left corner)", delta_out, expected,
                mistakes=lambda: mistakes.conv2d_backward_delta_out(delta_in, x, w, 1, 0))
    check_array(f"{what}: dw (= x[:2, :2])", dw, x[:, :, :2, :2],
                mistakes=lambda: mistakes.conv2d_backward_dw(delta_in, x, w, 1, 0))
    check_array(f"{what}: db", db, np.array([1.0]), mistakes=lambda: mistakes.conv2d_backward_db(delta_in))


@pytest.mark.conv2d_backward
def test_lecture_5x5_stride_2(impl):
    x, w = LECTURE_X5[None, None].copy(), KERNEL_1[None, None].copy()
    delta_in = np.array([[[[1.0, -2.0], [0.5, 3.0]]]])
    what = "conv2d_backward on the lecture's 5x5 input and kernel, stride 2"
    check_backward(what, run_backward(impl, what, delta_in, x, w, stride=2), delta_in, x, w, stride=2)


@pytest.mark.conv2d_backward
def test_stride_remainder_rows_and_columns_get_zero(impl):
    # H: (6 - 3) / 2 truncates, so row 5 is never used; W: (8 - 3) / 2 truncates, so column 7 is never used.
    rng = np.random.default_rng(11)
    x, w = rng.normal(size=(2, 2, 6, 8)), rng.normal(size=(3, 2, 3, 3))
    delta_in = rng.normal(size=(2, 3, 2, 3))
    what = describe_call("conv2d_backward", delta_in=delta_in, x=x, w=w, stride=2)
    result = run_backward(impl, what, delta_in, x, w, stride=2)
    check_backward(what, result, delta_in, x, w, stride=2)
    delta_out = result[0]
    if np.any(delta_out[:, :, 5, :]) or np.any(delta_out[:, :, :, 7]):
        fail(f"{what}: row 5 and column 7 never reach the output, so their gradient must be 0.")


@pytest.mark.conv2d_backward
@pytest.mark.parametrize("padding", [1, 2])
def test_padding_is_cropped_from_each_side(impl, padding):
    rng = np.random.default_rng(20 + padding)
    x, w = rng.normal(size=(1, 2, 5, 4)), rng.normal(size=(2, 2, 3, 2))
    delta_in = rng.normal(size=(1, 2, 3 + 2 * padding, 3 + 2 * padding))
    what = describe_call("conv2d_backward", delta_in=delta_in, x=x, w=w, padding=padding)
    check_backward(what, run_backward(impl, what, delta_in, x, w, padding=padding), delta_in, x, w, padding=padding)


@pytest.mark.conv2d_backward
def test_gradients_are_summed_over_the_batch(impl):
    rng = np.random.default_rng(30)
    x, w = rng.normal(size=(4, 3, 5, 5)), rng.normal(size=(2, 3, 3, 3))
    delta_in = rng.normal(size=(4, 2, 3, 3))
    what = describe_call("conv2d_backward", delta_in=delta_in, x=x, w=w)
    check_backward(what, run_backward(impl, what, delta_in, x, w), delta_in, x, w)


@pytest.mark.conv2d_backward
@PROPERTY_SETTINGS
@given(case=conv_cases())
@example(case=ConvCase(n=2, c_in=3, c_out=2, h=7, w=5, kh=2, kw=3, stride=2, padding=1, seed=3))
@example(case=ConvCase(n=1, c_in=2, c_out=3, h=8, w=6, kh=3, kw=1, stride=3, padding=2, seed=4))
def test_conv2d_backward_matches_torch_autograd(impl, case):
    x, w, _, delta_in = case.arrays()
    what = describe_call("conv2d_backward", delta_in=delta_in, x=x, w=w, stride=case.stride, padding=case.padding)
    result = run_backward(impl, what, delta_in, x, w, case.stride, case.padding)
    check_backward(what, result, delta_in, x, w, case.stride, case.padding)
