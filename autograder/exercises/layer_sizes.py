"""The output size a layer computes for itself, done wrong: with / (a float) or rounded.

A convolution or pooling function that works out H_out inline instead of calling
conv_output_size / pool_output_size meets the same two traps as the size exercises:

- true division, (H - KH + 2P) / S + 1, is a float, and the first np.zeros, range or
  reshape given it raises TypeError ("'float' object cannot be interpreted as an integer");
- rounding the fraction (round, int(. + 0.5), ceil) instead of flooring it gives one row or
  column too many wherever the stride leaves a remainder of at least half a step. What
  fills that extra row depends on the code (a loop that runs past the input, a clipped
  slice), so the mistake is known by the output's shape alone (compare.ShapeOnly).
"""
from __future__ import annotations

import math

from ..compare import ShapeOnly
from .spec import Mistake, Raises

# numpy and Python word it in several ways; each names a float where an int was needed.
FLOAT_SIZE = r"float.*(integer|int\b)|(integer|int\b).*float|slice indices must be integers|only integers.*are valid indices"
# What a loop that runs one window past the input raises: a clipped slice that no longer
# matches the kernel (numpy's broadcasting), or an index past the end.
PAST_THE_END = (("ValueError", r"could not be broadcast|shape-mismatch|not aligned|cannot reshape"), ("IndexError", r"out of bounds"))
ROUNDINGS = (
    lambda value: round(value),  # Python rounds halves to even
    lambda value: int(value + 0.5),
    math.ceil,
)


def _float_size(error_type: str):
    def raises(*args, **kwargs):
        raise Raises(error_type, FLOAT_SIZE)

    return raises


def division_mistake(target: str) -> tuple[Mistake, ...]:
    """The layer computed H_out with /: the TypeError (a size, a slice) or IndexError (an index) that float raises."""
    return tuple(Mistake("layer_size_true_division", {target: _float_size(kind)}) for kind in ("TypeError", "IndexError"))


def _conv_shape(x, w, stride, padding, rounding):
    def side(n, k):
        return rounding((n - k + 2 * padding) / stride) + 1

    return (x.shape[0], w.shape[0], side(x.shape[2], w.shape[2]), side(x.shape[3], w.shape[3]))


def _pool_shape(x, size, stride, rounding):
    def side(n):
        return rounding((n - size) / stride) + 1

    return (*x.shape[:2], side(x.shape[2]), side(x.shape[3]))


def _differing(shape: tuple, right: tuple) -> ShapeOnly:
    if shape == right:
        raise ValueError("rounding and flooring agree here: the mistake cannot show")
    return ShapeOnly(shape)


def _rounding_mistakes(target: str, shapes) -> tuple[Mistake, ...]:
    """One Mistake per way of rounding, known by its shape; and, where some rounding gives one
    window too many, the errors a loop over that extra window raises."""

    def shaped(rounding):
        def wrong(*args, **kwargs):
            return _differing(shapes(rounding, *args, **kwargs), shapes(math.floor, *args, **kwargs))

        return wrong

    def crashing(error_type, pattern):
        def wrong(*args, **kwargs):
            right = shapes(math.floor, *args, **kwargs)
            if all(shapes(rounding, *args, **kwargs) == right for rounding in ROUNDINGS):
                raise ValueError("rounding and flooring agree here: no extra window to run into")
            raise Raises(error_type, pattern)

        return wrong

    return (*(Mistake("layer_size_rounded", {target: shaped(r)}) for r in ROUNDINGS),
            *(Mistake("layer_size_rounded", {target: crashing(*raised)}) for raised in PAST_THE_END))


def conv_rounding_mistakes(target: str) -> tuple[Mistake, ...]:
    """conv2d_forward whose H_out and W_out were rounded."""

    def shapes(rounding, x, w, b, stride=1, padding=0):
        return _conv_shape(x, w, stride, padding, rounding)

    return _rounding_mistakes(target, shapes)


def pool_rounding_mistakes(target: str) -> tuple[Mistake, ...]:
    """A pooling forward pass whose H_out and W_out were rounded."""

    def shapes(rounding, x, size=2, stride=2):
        return _pool_shape(x, size, stride, rounding)

    return _rounding_mistakes(target, shapes)
