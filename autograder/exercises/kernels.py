"""classic_kernels (the lecture's nine 3x3 kernels) and conv_relu_pool (its colour-image demo)."""
from __future__ import annotations

import numpy as np

from .. import oracle
from ..cases import Case, Label, asymmetric, describe, hidden, lecture
from .spec import Check, Exercise, Mistake

# The lecture prints 1/9 as 0.11.
PRINTED_BLUR = 0.11
DEMO_SIZE = 80  # the lecture's demo image is 80x80x3
DEMO_IMAGE_SEED = 80  # a fixed, public stand-in for the lecture's photo
PIXEL_LEVELS = 256
DEMO_NAMES = ("image", "kernel")
DEMO_LEAVES = ("conv", "relu", "pool")

# --- classic_kernels ------------------------------------------------------------------------------------


def _kernel_cases(rng):
    return [
        Case(Label("case.kernel", {"name": name}), hidden=False, pick=name, call_key="classic_kernels")
        for name in oracle.CLASSIC_KERNELS
    ]


def _with(**changes):
    """The lecture's table with some entries replaced: name -> another kernel's name, or values."""

    def wrong():
        kernels = oracle.classic_kernels()
        originals = dict(kernels)
        for name, source in changes.items():
            kernels[name] = originals[source] if isinstance(source, str) else np.asarray(source, dtype=np.float64)
        return kernels

    return wrong


def _negated():
    # Any kernel written with its signs flipped (Sobel-x as true convolution would need it).
    return {name: -k for name, k in oracle.classic_kernels().items()}


KERNEL_MISTAKES = (
    Mistake("blur_rounded", {"classic_kernels": _with(blur=np.full((3, 3), PRINTED_BLUR))}),
    Mistake("edge_kernels_swapped", {"classic_kernels": _with(vertical_edge="horizontal_edge", horizontal_edge="vertical_edge")}),
    Mistake("sobel_swapped", {"classic_kernels": _with(sobel_x="sobel_y", sobel_y="sobel_x")}),
    Mistake("kernel_sign_flipped", {"classic_kernels": _negated}),
)

# --- conv_relu_pool ----------------------------------------------------------------------------------------


def _pixels(rng, h, w):
    return rng.integers(0, PIXEL_LEVELS, size=(h, w, 3)).astype(np.float64)


def _demo_lecture(rng):
    image = _pixels(np.random.default_rng(DEMO_IMAGE_SEED), DEMO_SIZE, DEMO_SIZE)
    return [lecture(1, (image, oracle.classic_kernels()["sobel_x"]), DEMO_NAMES)]


def _demo_hidden(rng):
    cases = []
    for n, (h, w) in enumerate([(11, 14), (16, 9), (13, 13)], 1):
        image = _pixels(rng, h, w)
        kernel = asymmetric(rng, (3, 3))
        cases.append(hidden(n, describe(image=image, kernel=kernel), (image, kernel), DEMO_NAMES))
    return cases


def _demo_from_nchw(x, kernel, *, relu=True, relu_in_place=False):
    w = np.broadcast_to(np.asarray(kernel, dtype=np.float64), (1, 3, 3, 3))
    conv = oracle.conv2d_forward(x, w, np.zeros(1))
    activated = oracle.relu_forward(conv) if relu else conv
    pooled = oracle.max_pool_forward(activated, 2, 2)
    # A ReLU written into its input (np.maximum(z, 0, out=z)) also changes the conv result.
    return (activated if relu_in_place else conv), activated, pooled


def _reshaped_not_transposed(image, kernel):
    h, w, _ = image.shape
    return _demo_from_nchw(np.reshape(image, (1, 3, h, w)), kernel)


def _demo_variant(*, flip=False, **options):
    def wrong(image, kernel):
        k = np.flip(kernel, (0, 1)) if flip else kernel
        return _demo_from_nchw(np.transpose(image, (2, 0, 1))[np.newaxis], k, **options)

    return wrong


DEMO_MISTAKES = (
    Mistake("reshape_instead_of_transpose", {"conv_relu_pool": _reshaped_not_transposed}),
    Mistake("kernel_flipped", {"conv_relu_pool": _demo_variant(flip=True)}),
    Mistake("relu_missing", {"conv_relu_pool": _demo_variant(relu=False)}),
    Mistake("input_mutated", {"conv_relu_pool": _demo_variant(relu_in_place=True)}, message="demo_relu_in_place"),
)

EXERCISES = (
    Exercise(
        id="classic_kernels",
        api=("classic_kernels",),
        checks=(Check("kernels", _kernel_cases, target="classic_kernels"),),
        mistakes=KERNEL_MISTAKES,
    ),
    Exercise(
        id="conv_relu_pool",
        api=("conv_relu_pool",),
        checks=(
            Check("lecture", _demo_lecture, target="conv_relu_pool", leaves=DEMO_LEAVES),
            Check("hidden", _demo_hidden, target="conv_relu_pool", leaves=DEMO_LEAVES),
        ),
        mistakes=DEMO_MISTAKES,
    ),
)
