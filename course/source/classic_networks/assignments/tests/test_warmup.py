"""conv1d_full: the true (flipped) convolution of the lecture's warm-up."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from . import mistakes, oracles
from .feedback import call_student, check_array, check_scalar, describe_call
from .strategies import PROPERTY_SETTINGS, seeds


@pytest.mark.conv1d_full
def test_two_dice(impl):
    die = np.full(6, 1 / 6)
    other_die = die.copy()
    what = "conv1d_full(f, g) for two fair dice, f = g = [1/6] * 6 (lecture)"
    h = call_student(what, impl.conv1d_full, {"f": die, "g": other_die})
    check_array(what, h, np.array([1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1]) / 36,
                hint="h[n] = P(sum = n + 2); its length is len(f) + len(g) - 1 = 11.")
    check_scalar("h[2] = P(sum = 4) = f(1)g(3) + f(2)g(2) + f(3)g(1)", h[2], 3 / 36)


@pytest.mark.conv1d_full
def test_docstring_example_flips_g(impl):
    f, g = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])
    what = "conv1d_full([1, 2, 3], [0, 1, 0.5])"
    h = call_student(what, impl.conv1d_full, {"f": f, "g": g})
    check_array(what, h, np.array([0.0, 1.0, 2.5, 4.0, 1.5]), mistakes=lambda: mistakes.conv1d_full(f, g))


@pytest.mark.conv1d_full
def test_accepts_lists_and_returns_float64(impl):
    what = "conv1d_full([1, 2], [3, 4, 5]) with Python lists of ints"
    h = impl.conv1d_full([1, 2], [3, 4, 5])
    check_array(what, h, np.array([3.0, 10.0, 13.0, 10.0]),
                hint="convert the inputs with np.asarray(..., dtype=np.float64) first.")


@pytest.mark.conv1d_full
@PROPERTY_SETTINGS
@given(len_f=st.integers(1, 8), len_g=st.integers(1, 8), seed=seeds())
def test_matches_np_convolve(impl, len_f, len_g, seed):
    rng = np.random.default_rng(seed)
    f, g = rng.normal(size=len_f), rng.normal(size=len_g)
    what = describe_call("conv1d_full", f=f, g=g)
    h = call_student(what, impl.conv1d_full, {"f": f, "g": g})
    check_array(what, h, oracles.conv1d_full(f, g), mistakes=lambda: mistakes.conv1d_full(f, g),
                hint="the output has len(f) + len(g) - 1 entries: include the partial overlaps at both ends.")
