"""Test cases: what one call into student code looks like, and how hidden inputs are drawn.

A Case is the arguments of one call plus how to judge it. Visible cases are the
lecture's worked examples (their inputs and expected values may be shown); hidden
cases come from a seeded generator and are described to the student by their
shapes and hyperparameters only.

Every generator draws from `case_rng(seed, exercise_id, check_id)`: a stream of its
own, so the order in which exercises or checks run never changes a case, and adding
a check never changes the cases of another.

The helpers below make inputs on which every known mistake gives a clearly different
answer: kernels far from symmetric (rot180, flips and transposes all change them),
pooling inputs without ties (and with a guaranteed gap between values), ReLU inputs
away from 0, upstream gradients that are random rather than all ones.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# A kernel counts as "far from symmetric" when every flip, rotation or transpose of it
# differs from it by at least this fraction of its norm.
ASYMMETRY = 0.5
# Largest |value| of a random direction or upstream gradient entry (directions are uniform in [-1, 1]).
DIRECTION_BOUND = 1.0


@dataclass(frozen=True)
class Label:
    """A catalog key and its parameters: cases are named in the student's language at grading time."""

    key: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One call into student code and how to judge it.

    args/kwargs: the call's arguments (numpy float64 arrays and Python scalars); the
        engine keeps them and sends copies, so they double as the "before" state for
        the in-place-modification check.
    arg_names: names of the positional arguments, for messages ("x", "w", ...).
    expect_error: the exception class name the call must raise (validation cases).
    pick: compare only this key of a dict result (classic_kernels, one case per kernel).
    call_key: cases with the same key share one call (the call is made once).
    target: the sandbox target this case calls, when not its check's (LeNet's repeated calls).
    public_label: how to name a hidden case where its seed is public and its inputs may show
        (the visible tests); by default "random case n" with the hidden case's description.
    """

    label: Label
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    arg_names: tuple[str, ...] = ()
    hidden: bool = True
    expect_error: str | None = None
    pick: str | None = None
    call_key: str | None = None
    target: str | None = None
    public_label: Label | None = None

    def named_arguments(self) -> list[tuple[str, Any]]:
        """(name, value) of every argument, positional first."""
        names = list(self.arg_names) + [f"arg{i}" for i in range(len(self.arg_names), len(self.args))]
        return list(zip(names, self.args)) + list(self.kwargs.items())


def lecture(number: int, args: tuple, arg_names: tuple[str, ...] = (), **options) -> Case:
    """A visible case: the lecture's worked example `number`."""
    return Case(Label("case.lecture", {"n": number}), tuple(args), arg_names=arg_names, hidden=False, **options)


def example(number: int, args: tuple, arg_names: tuple[str, ...] = (), **options) -> Case:
    """A visible case: the docstring's example `number`."""
    return Case(Label("case.example", {"n": number}), tuple(args), arg_names=arg_names, hidden=False, **options)


def hidden(number: int, what: str, args: tuple, arg_names: tuple[str, ...] = (), **options) -> Case:
    """A hidden case, described by `what` (shapes and hyperparameters, never values; "" for none)."""
    label = Label("case.hidden", {"n": number, "what": what}) if what else Label("case.hidden_plain", {"n": number})
    return Case(label, tuple(args), arg_names=arg_names, hidden=True, **options)


def case_rng(seed: int, exercise_id: str, check_id: str) -> np.random.Generator:
    """The generator of one check's cases: independent of every other check and of run order."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    salt = [zlib.crc32(exercise_id.encode()), zlib.crc32(check_id.encode())]
    return np.random.default_rng([int(seed), *salt])


def describe(**parts) -> str:
    """A hidden case's description: "x (2, 3, 7, 5), w (4, 3, 3, 2), S=2, P=1"."""
    items = []
    for name, value in parts.items():
        if isinstance(value, np.ndarray):
            items.append(f"{name} {tuple(value.shape)}")
        elif isinstance(value, tuple):
            items.append(f"{name} {value}")
        else:
            items.append(f"{name}={value}")
    return ", ".join(items)


def normal(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
    """Gaussian float64 values."""
    return rng.normal(0.0, scale, size=shape)


def direction(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """A random direction or upstream gradient: uniform in [-1, 1], never all ones."""
    return rng.uniform(-DIRECTION_BOUND, DIRECTION_BOUND, size=shape)


def _symmetric_images(k: np.ndarray) -> list[np.ndarray]:
    images = [k[..., ::-1, ::-1], k[..., ::-1, :], k[..., :, ::-1]]
    if k.shape[-1] == k.shape[-2]:
        images += [np.swapaxes(k, -1, -2), np.rot90(k, axes=(-2, -1))]
    return images


def asymmetric(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Gaussian kernels that no flip, rotation or transpose maps onto themselves.

    Each (KH, KW) slice differs from its rot180, up-down flip, left-right flip (and,
    when square, its transpose and 90-degree rotation) by at least ASYMMETRY of its
    norm, so a student's flipped or transposed kernel cannot pass by accident.
    """
    if shape[-1] * shape[-2] < 2:
        raise ValueError("a 1x1 kernel cannot be asymmetric")
    while True:
        k = rng.normal(size=shape)
        slices = k.reshape(-1, *shape[-2:])
        if all(
            np.linalg.norm(s - image) >= ASYMMETRY * np.linalg.norm(s)
            for s in slices
            for image in _symmetric_images(s)
        ):
            return k


def tie_free(rng: np.random.Generator, shape: tuple[int, ...], gap: float = 0.1) -> np.ndarray:
    """Values in random order, every two of them at least `gap` apart (no ties, none close).

    A perturbation smaller than gap / 2 then never changes which value of a window
    is the largest: max pooling is differentiable there.
    """
    size = int(np.prod(shape))
    values = (rng.permutation(size) - size / 2) * gap
    return values.reshape(shape)


def with_ties(rng: np.random.Generator, shape: tuple[int, ...], levels: int = 3) -> np.ndarray:
    """Small integers (as floats): most pooling windows hold a tied maximum."""
    return rng.integers(0, levels, size=shape).astype(np.float64)


def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...], margin: float = 0.1) -> np.ndarray:
    """Gaussian-like values with |value| >= margin: ReLU is differentiable at every one of them."""
    signs = rng.choice([-1.0, 1.0], size=shape)
    return signs * (margin + np.abs(rng.normal(size=shape)))


def one_hot(shape: tuple[int, ...], index: tuple[int, ...]) -> np.ndarray:
    """A delta: zeros with a single 1 at `index`."""
    x = np.zeros(shape)
    x[index] = 1.0
    return x


def conv_geometry(
    rng: np.random.Generator, *, stride: int, padding: int, divisible: bool = False, square_kernel: bool = False
) -> tuple[int, int, int, int]:
    """(H, W, KH, KW) for one convolution: H != W, kernels 2 or 3 wide, KH != KW unless square_kernel.

    divisible=False makes (H + 2P - K) % S != 0 along both axes when S > 1, so the last
    rows and columns never reach the output (the case the backward pass must pad for).
    """
    while True:
        kh, kw = (3, 3) if square_kernel else (int(v) for v in rng.permutation([2, 3]))
        h, w = (int(v) for v in rng.integers(kh + 2, 10, size=2))
        if h == w:
            continue
        rests = ((h + 2 * padding - kh) % stride, (w + 2 * padding - kw) % stride)
        if stride == 1 or (divisible and rests == (0, 0)) or (not divisible and 0 not in rests):
            return h, w, kh, kw
