"""conv1d_full: the true (flipped) convolution of the lecture's warm-up."""
from __future__ import annotations

import numpy as np

from .. import oracle
from ..cases import describe, example, hidden, lecture, normal
from .spec import Check, Exercise, Mistake

NAMES = ("f", "g")
# (len(f), len(g)): longer f, longer g, equal lengths, and a length-2 kernel.
HIDDEN_LENGTHS = ((5, 3), (3, 6), (4, 4), (7, 2))


def _lecture_cases(rng):
    dice = np.full(6, 1 / 6)
    return [
        lecture(1, (dice, dice), NAMES),
        example(2, (np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])), NAMES),
    ]


def _hidden_cases(rng):
    cases = []
    for n, (a, b) in enumerate(HIDDEN_LENGTHS, 1):
        f, g = normal(rng, (a,)), normal(rng, (b,))
        cases.append(hidden(n, describe(f=f, g=g), (f, g), NAMES))
    return cases


def _not_flipped(f, g):
    return oracle.conv1d_full(f, np.asarray(g)[::-1])


def _valid_only(f, g):
    full = oracle.conv1d_full(f, g)
    short, long = sorted((len(f), len(g)))
    return full[short - 1 : long]


EXERCISES = (
    Exercise(
        id="conv1d_full",
        api=("conv1d_full",),
        checks=(
            Check("lecture", _lecture_cases, target="conv1d_full"),
            Check("hidden", _hidden_cases, target="conv1d_full"),
        ),
        mistakes=(
            Mistake("conv1d_no_flip", {"conv1d_full": _not_flipped}),
            Mistake("conv1d_valid_only", {"conv1d_full": _valid_only}),
        ),
    ),
)
