"""conv_output_size and pool_output_size: the lecture's size formulas, truncated, and validated."""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import oracle
from ..cases import Case, Label, hidden
from .spec import Check, Exercise, Mistake, Raises

CONV_NAMES = ("in_size", "kernel_size", "stride", "padding")
POOL_NAMES = ("in_size", "pool_size", "stride")
HIDDEN_CASES = 6


def _call_text(name: str, args: tuple, kwargs: dict) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def _shown(name: str, number: int, args: tuple, kwargs: dict | None = None, **options) -> Case:
    kwargs = kwargs or {}
    label = Label("case.call", {"n": number, "call": _call_text(name, args, kwargs)})
    return Case(label, args, kwargs, hidden=False, **options)


# --- the wrong answers, one per misconception ---------------------------------------------------


def _valid(values: tuple, padding) -> bool:
    """Whether (in_size, kernel_size, stride) and padding are what the contract accepts."""
    whole = all(isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) for v in (*values, padding))
    if not whole:
        return False
    in_size, kernel_size, stride = values
    return min(in_size, kernel_size, stride) >= 1 and padding >= 0 and kernel_size <= in_size + 2 * padding


def _no_validation(formula):
    """The formula with no argument checks: whatever it returns (or raises) for bad arguments.

    On valid arguments it is the right answer, so the mistake cannot show there.
    """

    def wrong(*args, **kwargs):
        bound = list(args) + list(kwargs.values())
        values, padding = (bound + [1, 0][len(bound) - 2:])[:3], (bound[3] if len(bound) > 3 else 0)
        if _valid(tuple(values), padding):
            raise ValueError("valid arguments: no check is missed here")
        try:
            return formula(*args, **kwargs)
        except ZeroDivisionError:
            raise Raises("ZeroDivisionError") from None

    return wrong


def _rejects_numpy_int(formula):
    """Accepts only Python ints (isinstance(value, int)): numpy integers raise ValueError.

    Without a numpy integer among the arguments it is the right answer: it cannot show.
    """

    def wrong(*args, **kwargs):
        if any(isinstance(v, np.integer) for v in (*args, *kwargs.values())):
            raise Raises("ValueError")
        raise ValueError("no numpy integer here: the mistake cannot show")

    return wrong


def _conv_true_division(in_size, kernel_size, stride=1, padding=0):
    return (in_size - kernel_size + 2 * padding) / stride + 1


def _conv_rounded_up(in_size, kernel_size, stride=1, padding=0):
    return math.ceil((in_size - kernel_size + 2 * padding) / stride) + 1


def _conv_rounded_half_up(in_size, kernel_size, stride=1, padding=0):
    return int((in_size - kernel_size + 2 * padding) / stride + 0.5) + 1


def _padded(padding) -> None:
    if padding == 0:
        raise ValueError("without padding, a mistake in the padding cannot show")


def _conv_padding_once(in_size, kernel_size, stride=1, padding=0):
    _padded(padding)
    return (in_size - kernel_size + padding) // stride + 1


def _conv_padding_ignored(in_size, kernel_size, stride=1, padding=0):
    _padded(padding)
    return (in_size - kernel_size) // stride + 1


def _conv_no_plus_one(in_size, kernel_size, stride=1, padding=0):
    return (in_size - kernel_size + 2 * padding) // stride


def _pool_true_division(in_size, pool_size, stride):
    return (in_size - pool_size) / stride + 1


def _pool_rounded_up(in_size, pool_size, stride):
    return math.ceil((in_size - pool_size) / stride) + 1


def _pool_rounded_half_up(in_size, pool_size, stride):
    return int((in_size - pool_size) / stride + 0.5) + 1


def _pool_no_plus_one(in_size, pool_size, stride):
    return (in_size - pool_size) // stride


# size_no_validation comes first: on valid arguments it gives the right answer, so it
# never explains a hidden case, and on invalid ones it is the most likely explanation.
CONV_MISTAKES = (
    Mistake("size_no_validation", {"conv_output_size": _no_validation(oracle.conv_output_size)}),
    Mistake("size_rejects_numpy_int", {"conv_output_size": _rejects_numpy_int(oracle.conv_output_size)}),
    Mistake("size_true_division", {"conv_output_size": _conv_true_division}),
    Mistake("size_rounded", {"conv_output_size": _conv_rounded_up}),
    Mistake("size_rounded", {"conv_output_size": _conv_rounded_half_up}),
    Mistake("size_padding_once", {"conv_output_size": _conv_padding_once}),
    Mistake("size_padding_ignored", {"conv_output_size": _conv_padding_ignored}),
    Mistake("size_no_plus_one", {"conv_output_size": _conv_no_plus_one}),
)
POOL_MISTAKES = (
    Mistake("size_no_validation", {"pool_output_size": _no_validation(oracle.pool_output_size)}),
    Mistake("size_rejects_numpy_int", {"pool_output_size": _rejects_numpy_int(oracle.pool_output_size)}),
    Mistake("size_true_division", {"pool_output_size": _pool_true_division}),
    Mistake("size_rounded", {"pool_output_size": _pool_rounded_up}),
    Mistake("size_rounded", {"pool_output_size": _pool_rounded_half_up}),
    Mistake("size_no_plus_one", {"pool_output_size": _pool_no_plus_one}),
)

# The hidden cases must tell every misconception apart from the right answer; the
# checks on arguments (size_no_validation, size_rejects_numpy_int) have their own check.
ARGUMENT_MISTAKES = ("size_no_validation", "size_rejects_numpy_int")


def _telling(correct, mistakes, target, args) -> bool:
    # Keep a hidden case only if every known mistake gives another answer on it.
    right = correct(*args)
    return all(m.outputs[target](*args) != right for m in mistakes if m.id not in ARGUMENT_MISTAKES)


# --- conv_output_size ---------------------------------------------------------------------------------


def _conv_lecture(rng):
    return [
        _shown("conv_output_size", 1, (5, 3), {"stride": 2}),
        _shown("conv_output_size", 2, (4, 3), {"padding": 1}),
        _shown("conv_output_size", 3, (6, 3), {"stride": 2}),
    ]


def _conv_hidden(rng):
    cases = []
    while len(cases) < HIDDEN_CASES:
        args = (int(rng.integers(5, 41)), int(rng.integers(1, 8)), int(rng.integers(2, 4)), int(rng.integers(1, 3)))
        if args[1] <= args[0] and _telling(oracle.conv_output_size, CONV_MISTAKES, "conv_output_size", args):
            public = Label("case.call", {"call": _call_text("conv_output_size", args, {})})
            cases.append(hidden(len(cases) + 1, "", args, CONV_NAMES, public_label=public))
    return cases


def _conv_validation(rng):
    calls = [
        ((0, 3), {}),
        ((5, 0), {}),
        ((5, 3), {"stride": 0}),
        ((5, 3), {"padding": -1}),
        ((3, 6), {"padding": 1}),
        ((5.0, 3), {}),
        ((5, 3), {"stride": True}),
    ]
    cases = [_shown("conv_output_size", n, a, k, expect_error="ValueError") for n, (a, k) in enumerate(calls, 1)]
    numpy_ints = (np.int64(7), np.int64(3))
    return cases + [_shown("conv_output_size", len(cases) + 1, numpy_ints, {"stride": np.int64(2), "padding": np.int64(1)})]


# --- pool_output_size ---------------------------------------------------------------------------------


def _pool_lecture(rng):
    return [
        _shown("pool_output_size", 1, (4, 2, 2)),
        _shown("pool_output_size", 2, (5, 3, 1)),
        _shown("pool_output_size", 3, (7, 2, 2)),
    ]


def _pool_hidden(rng):
    cases = []
    while len(cases) < HIDDEN_CASES:
        args = (int(rng.integers(4, 41)), int(rng.integers(2, 5)), int(rng.integers(2, 4)))
        if args[1] <= args[0] and _telling(oracle.pool_output_size, POOL_MISTAKES, "pool_output_size", args):
            public = Label("case.call", {"call": _call_text("pool_output_size", args, {})})
            cases.append(hidden(len(cases) + 1, "", args, POOL_NAMES, public_label=public))
    return cases


def _pool_validation(rng):
    calls = [(0, 2, 2), (4, 0, 2), (4, 2, 0), (3, 4, 1), (4.0, 2, 2), (4, 2, True)]
    cases = [_shown("pool_output_size", n, a, expect_error="ValueError") for n, a in enumerate(calls, 1)]
    return cases + [_shown("pool_output_size", len(cases) + 1, (np.int64(7), np.int64(2), np.int64(2)))]


EXERCISES = (
    Exercise(
        id="conv_output_size",
        api=("conv_output_size",),
        checks=(
            Check("lecture", _conv_lecture, target="conv_output_size"),
            Check("hidden", _conv_hidden, target="conv_output_size"),
            Check("validation", _conv_validation, target="conv_output_size"),
        ),
        mistakes=CONV_MISTAKES,
    ),
    Exercise(
        id="pool_output_size",
        api=("pool_output_size",),
        checks=(
            Check("lecture", _pool_lecture, target="pool_output_size"),
            Check("hidden", _pool_hidden, target="pool_output_size"),
            Check("validation", _pool_validation, target="pool_output_size"),
        ),
        mistakes=POOL_MISTAKES,
    ),
)
