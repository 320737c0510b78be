"""conv_output_size and pool_output_size: the lecture's size formulas, and what they reject."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from .feedback import check_integer, check_value_error, fail
from .strategies import PROPERTY_SETTINGS

TRUNCATE = "truncate the fraction with //, never round it."
NUMPY_INTEGERS = "numpy integers are integers too: test with isinstance(value, numbers.Integral), not int."


def call_accepting(what, call):
    """call(), failing with a message when it raises ValueError for valid arguments."""
    try:
        return call()
    except ValueError as error:
        fail(f"{what} raised ValueError ({error}), but these are valid arguments. Hint: {NUMPY_INTEGERS}")


@pytest.mark.conv_output_size
@pytest.mark.parametrize(
    "in_size, kernel_size, stride, padding, expected",
    [
        (5, 3, 2, 0, 2),  # lecture: (5 - 3 + 0) / 2 + 1
        (4, 3, 1, 1, 4),  # lecture: (4 - 3 + 2) / 1 + 1
        (6, 3, 2, 0, 2),  # 3 // 2 = 1: not 1.5, not 2
        (5, 3, 1, 0, 3),
        (32, 5, 1, 0, 28),  # LeNet's first layer
        (7, 2, 3, 2, 4),  # (7 - 2 + 4) // 3 + 1 = 9 // 3 + 1
    ],
)
def test_conv_output_size_examples(impl, in_size, kernel_size, stride, padding, expected):
    got = impl.conv_output_size(in_size, kernel_size, stride=stride, padding=padding)
    check_integer(
        f"conv_output_size({in_size}, {kernel_size}, stride={stride}, padding={padding})", got, expected,
        hint=f"(in_size - kernel_size + 2 * padding) // stride + 1: padding is added on BOTH sides; {TRUNCATE}",
    )


@pytest.mark.conv_output_size
def test_conv_output_size_defaults(impl):
    check_integer("conv_output_size(5, 3)", impl.conv_output_size(5, 3), 3,
                  hint="the defaults are stride=1, padding=0.")


@pytest.mark.pool_output_size
@pytest.mark.parametrize(
    "in_size, pool_size, stride, expected",
    [
        (4, 2, 2, 2),  # lecture's pooling example
        (5, 3, 1, 3),
        (7, 2, 2, 3),  # the last row is never covered
        (28, 2, 2, 14),  # LeNet
        (5, 2, 2, 2),  # 1.5 truncates to 1
    ],
)
def test_pool_output_size_examples(impl, in_size, pool_size, stride, expected):
    got = impl.pool_output_size(in_size, pool_size, stride)
    check_integer(f"pool_output_size({in_size}, {pool_size}, {stride})", got, expected,
                  hint=f"(in_size - pool_size) // stride + 1 (no padding in pooling); {TRUNCATE}")


@pytest.mark.conv_output_size
@PROPERTY_SETTINGS
@given(kernel_size=st.integers(1, 5), stride=st.integers(1, 3), padding=st.integers(0, 2), extra=st.integers(0, 8))
def test_conv_output_size_matches_torch(impl, kernel_size, stride, padding, extra):
    in_size = max(1, kernel_size - 2 * padding) + extra
    x = torch.zeros(1, 1, in_size, 1, dtype=torch.float64)
    w = torch.zeros(1, 1, kernel_size, 1, dtype=torch.float64)
    expected = F.conv2d(x, w, stride=(stride, 1), padding=(padding, 0)).shape[2]
    got = impl.conv_output_size(in_size, kernel_size, stride=stride, padding=padding)
    check_integer(f"conv_output_size({in_size}, {kernel_size}, stride={stride}, padding={padding})", got, expected,
                  hint=f"padding counts twice (both sides); {TRUNCATE}")


@pytest.mark.pool_output_size
@PROPERTY_SETTINGS
@given(pool_size=st.integers(1, 5), stride=st.integers(1, 3), extra=st.integers(0, 8))
def test_pool_output_size_matches_torch(impl, pool_size, stride, extra):
    in_size = pool_size + extra
    expected = F.max_pool2d(torch.zeros(1, 1, in_size, 1), (pool_size, 1), (stride, 1)).shape[2]
    got = impl.pool_output_size(in_size, pool_size, stride)
    check_integer(f"pool_output_size({in_size}, {pool_size}, {stride})", got, expected, hint=TRUNCATE)


CONV_INVALID = [
    ((0, 1, 1, 0), "in_size < 1"),
    ((-3, 1, 1, 2), "in_size < 1"),
    ((5, 0, 1, 0), "kernel_size < 1"),
    ((5, 3, 0, 0), "stride < 1"),
    ((5, 3, -1, 0), "stride < 1"),
    ((5, 3, 1, -1), "padding < 0"),
    ((3, 5, 1, 0), "kernel larger than the input"),
    ((3, 6, 1, 1), "kernel larger than the padded input, 3 + 2*1 = 5"),
    ((5.0, 3, 1, 0), "in_size is not an integer"),
    ((5, 3.0, 1, 0), "kernel_size is not an integer"),
    ((5, 3, 2.0, 0), "stride is not an integer"),
    ((5, 3, 1, 1.0), "padding is not an integer"),
    ((5, 3, 1.5, 0), "stride is not an integer"),
    ((True, 1, 1, 0), "in_size is a bool, not an integer"),
    ((5, True, 1, 0), "kernel_size is a bool, not an integer"),
    ((5, 3, True, 0), "stride is a bool, not an integer"),
    ((5, 3, 1, True), "padding is a bool, not an integer"),
    (("5", 3, 1, 0), "in_size is a string"),
]


@pytest.mark.conv_output_size
@pytest.mark.parametrize("args, reason", CONV_INVALID, ids=[repr(args) for args, _ in CONV_INVALID])
def test_conv_output_size_rejects(impl, args, reason):
    in_size, kernel_size, stride, padding = args
    check_value_error(
        f"conv_output_size({in_size!r}, {kernel_size!r}, stride={stride!r}, padding={padding!r})",
        lambda: impl.conv_output_size(in_size, kernel_size, stride=stride, padding=padding),
        reason,
    )


POOL_INVALID = [
    ((0, 1, 1), "in_size < 1"),
    ((4, 0, 1), "pool_size < 1"),
    ((4, 2, 0), "stride < 1"),
    ((4, 2, -2), "stride < 1"),
    ((3, 4, 1), "window larger than the input"),
    ((4.0, 2, 2), "in_size is not an integer"),
    ((4, 2.0, 2), "pool_size is not an integer"),
    ((4, 2, 2.0), "stride is not an integer"),
    ((True, 1, 1), "in_size is a bool, not an integer"),
    ((4, True, 1), "pool_size is a bool, not an integer"),
    ((4, 2, True), "stride is a bool, not an integer"),
]


@pytest.mark.pool_output_size
@pytest.mark.parametrize("args, reason", POOL_INVALID, ids=[repr(args) for args, _ in POOL_INVALID])
def test_pool_output_size_rejects(impl, args, reason):
    check_value_error(f"pool_output_size{args!r}", lambda: impl.pool_output_size(*args), reason)


@pytest.mark.conv_output_size
def test_conv_output_size_accepts_numpy_integers(impl):
    what = "conv_output_size(np.int64(5), np.int32(3), stride=np.int64(2), padding=np.int8(0))"
    got = call_accepting(
        what, lambda: impl.conv_output_size(np.int64(5), np.int32(3), stride=np.int64(2), padding=np.int8(0))
    )
    check_integer(what, got, 2, hint=NUMPY_INTEGERS)


@pytest.mark.pool_output_size
def test_pool_output_size_accepts_numpy_integers(impl):
    what = "pool_output_size(np.int64(7), np.int16(2), np.uint8(2))"
    got = call_accepting(what, lambda: impl.pool_output_size(np.int64(7), np.int16(2), np.uint8(2)))
    check_integer(what, got, 3, hint=NUMPY_INTEGERS)
