"""Max and mean pooling, forward and backward: lecture examples, the tie rule, overlaps, PyTorch."""
import numpy as np
import pytest
from hypothesis import example, given

from . import mistakes, oracles
from .feedback import call_student, check_array, describe_call
from .strategies import PROPERTY_SETTINGS, PoolCase, pool_cases

LECTURE_POOL_X = np.array([[1, 3, 0, 3], [2, 2, 4, 1], [4, 2, 0, 0], [3, 3, 3, 1]], dtype=np.float64)[None, None]
MAX_RULE = "the maximum of each window gets that window's delta (on ties the FIRST in row-major order), others 0."
MEAN_RULE = "each position of a window gets delta / (F*F); overlapping windows add up; uncovered positions get 0."


def forward(impl, name, x, size, stride):
    what = describe_call(name, x=x, size=size, stride=stride)
    return what, call_student(what, getattr(impl, name), {"x": x}, size=size, stride=stride)


def backward(impl, name, delta_in, x, size, stride):
    what = describe_call(name, delta_in=delta_in, x=x, size=size, stride=stride)
    return what, call_student(what, getattr(impl, name), {"delta_in": delta_in, "x": x}, size=size, stride=stride)


def check_max_backward(what, got, delta_in, x, size, stride):
    check_array(what, got, oracles.max_pool_grad(delta_in, x, size, stride),
                mistakes=lambda: mistakes.max_pool_backward(delta_in, x, size, stride), hint=MAX_RULE)


def check_avg_backward(what, got, delta_in, x, size, stride):
    check_array(what, got, oracles.avg_pool_grad(delta_in, x, size, stride),
                mistakes=lambda: mistakes.avg_pool_backward(delta_in, x, size, stride), hint=MEAN_RULE)


# The lecture's examples


@pytest.mark.max_pool_forward
def test_max_pool_lecture_example(impl):
    what, got = forward(impl, "max_pool_forward", LECTURE_POOL_X.copy(), 2, 2)
    check_array(what, got, np.array([[[[3.0, 4.0], [4.0, 3.0]]]]),
                mistakes=lambda: mistakes.max_pool_forward(LECTURE_POOL_X, 2, 2))


@pytest.mark.avg_pool_forward
def test_mean_pool_lecture_example(impl):
    what, got = forward(impl, "avg_pool_forward", LECTURE_POOL_X.copy(), 2, 2)
    check_array(what, got, np.array([[[[2.0, 2.0], [3.0, 1.0]]]]),
                mistakes=lambda: mistakes.avg_pool_forward(LECTURE_POOL_X, 2, 2))


@pytest.mark.parametrize(
    "name, expected",
    [
        pytest.param("max_pool_forward", [[3.0, 4.0], [4.0, 3.0]], marks=pytest.mark.max_pool_forward),
        pytest.param("avg_pool_forward", [[2.0, 2.0], [3.0, 1.0]], marks=pytest.mark.avg_pool_forward),
    ],
)
def test_pool_defaults_are_2x2_stride_2(impl, name, expected):
    what = f"{name}(x (1, 1, 4, 4)) with the default size and stride"
    got = call_student(what, getattr(impl, name), {"x": LECTURE_POOL_X.copy()})
    check_array(what, got, np.array([[expected]]), hint="the defaults are size=2, stride=2.")


@pytest.mark.max_pool_backward
def test_max_pool_backward_docstring_example(impl):
    x, delta_in = np.array([[[[1.0, 3.0], [2.0, 2.0]]]]), np.array([[[[5.0]]]])
    what, got = backward(impl, "max_pool_backward", delta_in, x, 2, 2)
    check_array(what, got, np.array([[[[0.0, 5.0], [0.0, 0.0]]]]),
                mistakes=lambda: mistakes.max_pool_backward(delta_in, x, 2, 2), hint=MAX_RULE)


@pytest.mark.avg_pool_backward
def test_mean_pool_backward_docstring_example(impl):
    x, delta_in = np.zeros((1, 1, 2, 2)), np.array([[[[8.0]]]])
    what, got = backward(impl, "avg_pool_backward", delta_in, x, 2, 2)
    check_array(what, got, np.full((1, 1, 2, 2), 2.0), mistakes=lambda: mistakes.avg_pool_backward(delta_in, x, 2, 2))


@pytest.mark.max_pool_backward
def test_max_pool_backward_lecture_example(impl):
    x, delta_in = LECTURE_POOL_X.copy(), np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    what, got = backward(impl, "max_pool_backward", delta_in, x, 2, 2)
    # Window maxima: 3 at (0, 1), 4 at (1, 2), 4 at (2, 0), 3 at (3, 2).
    expected = np.array([[[[0, 1, 0, 0], [0, 0, 2, 0], [3, 0, 0, 0], [0, 0, 4, 0]]]], dtype=np.float64)
    check_array(what, got, expected, mistakes=lambda: mistakes.max_pool_backward(delta_in, x, 2, 2), hint=MAX_RULE)


# The rules of max-pool backprop


@pytest.mark.max_pool_backward
def test_max_pool_tie_goes_to_first_maximum(impl):
    # Every window ties; only the first maximum in row-major order receives the gradient.
    x = np.array([[[[2, 2, 1, 7], [2, 2, 7, 7]]]], dtype=np.float64)
    delta_in = np.array([[[[3.0, -2.0]]]])
    what, got = backward(impl, "max_pool_backward", delta_in, x, 2, 2)
    expected = np.array([[[[3, 0, 0, -2], [0, 0, 0, 0]]]], dtype=np.float64)
    check_array(what, got, expected, mistakes=lambda: mistakes.max_pool_backward(delta_in, x, 2, 2), hint=MAX_RULE)


@pytest.mark.max_pool_backward
def test_max_pool_overlapping_windows_add_up(impl):
    # 3x3 input, 2x2 windows at stride 1: the centre 9 is the maximum of all four windows.
    x = np.array([[[[1, 2, 3], [4, 9, 5], [6, 7, 8]]]], dtype=np.float64)
    delta_in = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    what, got = backward(impl, "max_pool_backward", delta_in, x, 2, 1)
    expected = np.array([[[[0, 0, 0], [0, 10, 0], [0, 0, 0]]]], dtype=np.float64)
    check_array(what, got, expected, mistakes=lambda: mistakes.max_pool_backward(delta_in, x, 2, 1), hint=MAX_RULE)


@pytest.mark.max_pool_backward
def test_max_pool_uncovered_rows_and_columns_get_zero(impl):
    # 5x7 input, 2x2 windows at stride 2: row 4 and column 6 are in no window.
    rng = np.random.default_rng(5)
    x, delta_in = rng.normal(size=(2, 2, 5, 7)), rng.normal(size=(2, 2, 2, 3))
    x[:, :, 4, :] = 100.0
    x[:, :, :, 6] = 100.0
    what, got = backward(impl, "max_pool_backward", delta_in, x, 2, 2)
    check_max_backward(what, got, delta_in, x, 2, 2)


@pytest.mark.avg_pool_backward
def test_mean_pool_overlaps_and_uncovered_positions(impl):
    # 3x3 windows at stride 2 on 4x6: the two windows share column 2; row 3 and column 5 are uncovered.
    rng = np.random.default_rng(6)
    x, delta_in = rng.normal(size=(1, 2, 4, 6)), rng.normal(size=(1, 2, 1, 2))
    what, got = backward(impl, "avg_pool_backward", delta_in, x, 3, 2)
    check_avg_backward(what, got, delta_in, x, 3, 2)


# Random layers against PyTorch

POOL_EXAMPLES = [
    PoolCase(n=2, c=3, h=7, w=5, size=3, stride=2, ties=True, seed=1),  # overlapping, non-square, ties
    PoolCase(n=1, c=2, h=9, w=6, size=2, stride=3, ties=False, seed=2),  # gaps between windows
]


@pytest.mark.max_pool_forward
@PROPERTY_SETTINGS
@given(case=pool_cases())
@example(case=POOL_EXAMPLES[0])
@example(case=POOL_EXAMPLES[1])
def test_max_pool_forward_matches_torch(impl, case):
    x, _ = case.arrays()
    what, got = forward(impl, "max_pool_forward", x, case.size, case.stride)
    check_array(what, got, oracles.max_pool(x, case.size, case.stride),
                mistakes=lambda: mistakes.max_pool_forward(x, case.size, case.stride),
                hint="H_out = (H - F) // S + 1; windows start at i*S; channels are pooled separately.")


@pytest.mark.max_pool_backward
@PROPERTY_SETTINGS
@given(case=pool_cases())
@example(case=POOL_EXAMPLES[0])
@example(case=POOL_EXAMPLES[1])
def test_max_pool_backward_matches_torch(impl, case):
    x, delta_in = case.arrays()
    what, got = backward(impl, "max_pool_backward", delta_in, x, case.size, case.stride)
    check_max_backward(what, got, delta_in, x, case.size, case.stride)


@pytest.mark.avg_pool_forward
@PROPERTY_SETTINGS
@given(case=pool_cases())
@example(case=POOL_EXAMPLES[0])
@example(case=POOL_EXAMPLES[1])
def test_avg_pool_forward_matches_torch(impl, case):
    x, _ = case.arrays()
    what, got = forward(impl, "avg_pool_forward", x, case.size, case.stride)
    check_array(what, got, oracles.avg_pool(x, case.size, case.stride),
                mistakes=lambda: mistakes.avg_pool_forward(x, case.size, case.stride),
                hint="H_out = (H - F) // S + 1; windows start at i*S; channels are pooled separately.")


@pytest.mark.avg_pool_backward
@PROPERTY_SETTINGS
@given(case=pool_cases())
@example(case=POOL_EXAMPLES[0])
@example(case=POOL_EXAMPLES[1])
def test_avg_pool_backward_matches_torch(impl, case):
    x, delta_in = case.arrays()
    what, got = backward(impl, "avg_pool_backward", delta_in, x, case.size, case.stride)
    check_avg_backward(what, got, delta_in, x, case.size, case.stride)
