"""pad2d and conv2d_forward: zero padding and the multi-channel cross-correlation Z = W * A + b."""
from __future__ import annotations

import numpy as np

from .. import oracle
from ..cases import asymmetric, conv_geometry, describe, example, hidden, lecture, normal, one_hot
from .layer_sizes import conv_rounding_mistakes, division_mistake
from .spec import Check, Exercise, Mistake

CONV_NAMES = ("x", "w", "b")

# The lecture's worked examples (one image, one input channel, no bias).
LECTURE_X4 = [[2, 5, 0, 1], [6, 7, 1, 2], [3, 0, 4, 0], [3, 9, 7, 4]]
LECTURE_X5 = [[1, 3, 0, 2, 4], [4, 7, 4, 1, 0], [4, 6, 0, 0, 6], [3, 2, 8, 1, 2], [3, 5, 0, 7, 3]]
LECTURE_K1 = [[1, 0, 1], [-1, 1, 0], [0, 1, -1]]
LECTURE_K2 = [[-1, 1, 0], [0, 1, -1], [1, 0, 1]]


def _image(rows) -> np.ndarray:
    return np.array(rows, dtype=np.float64)[np.newaxis, np.newaxis]


def _torch():
    import torch

    return torch


# --- pad2d --------------------------------------------------------------------------------------------


def _pad_example(rng):
    return [example(1, (np.array([[1.0, 2.0], [3.0, 4.0]]), 1), ("x", "padding"))]


def _pad_hidden(rng):
    specs = [((2, 3, 4, 5), 2), ((3, 5, 4), 1), ((4, 6), 3), ((1, 2, 3, 5), 0)]
    cases = []
    for n, (shape, p) in enumerate(specs, 1):
        x = normal(rng, shape)
        cases.append(hidden(n, describe(x=x, P=p), (x, p), ("x", "padding")))
    return cases


def _pad_with(pads_for):
    """pad2d with F.pad's (left, right, top, bottom) widths chosen by pads_for(ndim, P)."""

    def wrong(x, padding):
        F = _torch().nn.functional
        t = oracle.tensor(x)
        return oracle.to_numpy(F.pad(t, pads_for(t.dim(), padding)))

    return wrong


# Zeros on one side only: P of them (the output shrinks) or all 2P (right shape, shifted values).
ONE_SIDED_PADS = (
    lambda ndim, p: (p, 0, p, 0),
    lambda ndim, p: (0, p, 0, p),
    lambda ndim, p: (2 * p, 0, 2 * p, 0),
    lambda ndim, p: (0, 2 * p, 0, 2 * p),
)

PAD_MISTAKES = (
    Mistake("pad_all_axes", {"pad2d": _pad_with(lambda ndim, p: (p, p) * ndim)}),
    *(Mistake("pad_one_side", {"pad2d": _pad_with(pads)}) for pads in ONE_SIDED_PADS),
)


# --- conv2d_forward -------------------------------------------------------------------------------------


def _conv_lecture(rng):
    zero1, zero2 = np.zeros(1), np.zeros(2)
    two_filters = np.array([[LECTURE_K1], [LECTURE_K2]], dtype=np.float64)
    return [
        lecture(1, (_image(LECTURE_X4), _image(LECTURE_K1), zero1), CONV_NAMES),
        lecture(2, (_image(LECTURE_X4), two_filters, zero2), CONV_NAMES),
        lecture(3, (_image(LECTURE_X5), _image(LECTURE_K1), zero1), CONV_NAMES, kwargs={"stride": 1}),
        lecture(4, (_image(LECTURE_X5), _image(LECTURE_K1), zero1), CONV_NAMES, kwargs={"stride": 2}),
    ]


def _conv_case(rng, n, *, batch, c_in, c_out, stride, padding, square_kernel=False, x=None):
    h, w, kh, kw = conv_geometry(rng, stride=stride, padding=padding, square_kernel=square_kernel)
    x = normal(rng, (batch, c_in, h, w)) if x is None else x(batch, c_in, h, w)
    weights = asymmetric(rng, (c_out, c_in, kh, kw))
    b = normal(rng, (c_out,))
    what = describe(x=x, w=weights, S=stride, P=padding)
    return hidden(n, what, (x, weights, b), CONV_NAMES, kwargs={"stride": stride, "padding": padding})


def _conv_channels(rng):
    return [
        _conv_case(rng, 1, batch=2, c_in=3, c_out=2, stride=1, padding=0),
        _conv_case(rng, 2, batch=1, c_in=4, c_out=3, stride=1, padding=0, square_kernel=True),
        _conv_case(rng, 3, batch=3, c_in=2, c_out=1, stride=1, padding=0),
    ]


def _conv_stride_padding(rng):
    specs = [(2, 1), (3, 2), (2, 0), (3, 1)]
    return [
        _conv_case(rng, n, batch=1 + n % 2, c_in=1 + n % 3, c_out=2, stride=s, padding=p)
        for n, (s, p) in enumerate(specs, 1)
    ]


def _conv_delta(rng):
    def delta(batch, c_in, h, w):
        return one_hot((batch, c_in, h, w), (0, c_in - 1, h // 2, w // 2 - 1))

    return [
        _conv_case(rng, 1, batch=1, c_in=1, c_out=2, stride=1, padding=1, x=delta),
        _conv_case(rng, 2, batch=1, c_in=2, c_out=1, stride=2, padding=0, x=delta),
    ]


def _conv_variant(*, kernel=None, bias=None, step=None, pad=None, pads=None, output=None):
    """conv2d_forward with one step done wrong.

    kernel(w), bias(b, x): the kernel and bias actually used; step(S), pad(P): the
    stride and padding actually used; pads(P): F.pad widths used instead of P on each
    side; output(z, x, w, S, P): what becomes of the result afterwards. At least one.
    """
    if all(change is None for change in (kernel, bias, step, pad, pads, output)):
        raise TypeError("a variant does at least one step wrong")

    def wrong(x, w, b, stride=1, padding=0):
        used_w = kernel(w) if kernel else w
        used_b = bias(b, x) if bias else b
        used_stride = step(stride) if step else stride
        if pads is not None:
            padded = oracle.to_numpy(_torch().nn.functional.pad(oracle.tensor(x), pads(padding)))
            z = oracle.conv2d_forward(padded, used_w, used_b, used_stride, 0)
        else:
            z = oracle.conv2d_forward(x, used_w, used_b, used_stride, pad(padding) if pad else padding)
        return output(z, x, w, stride, padding) if output else z

    return wrong


def _cut_to_output_size(z, x, w, s, p):
    # The window stepped by 1, then the result was cut to H_out x W_out.
    h_out, w_out = (oracle.conv_output_size(n, k, s, p) for n, k in zip(x.shape[2:], w.shape[2:]))
    return z[:, :, :h_out, :w_out]


def _sizes_swapped(z, x, w, s, p):
    # H_out computed from W and W_out from H; numpy slicing then clips to what exists.
    h_out, w_out = (oracle.conv_output_size(n, k, s, p) for n, k in zip(x.shape[:1:-1], w.shape[2:]))
    return z[:, :, :h_out, :w_out]


CONV_MISTAKES = (
    Mistake("kernel_flipped", {"conv2d_forward": _conv_variant(kernel=lambda w: np.flip(w, (-2, -1)))}),
    Mistake("kernel_transposed", {"conv2d_forward": _conv_variant(kernel=lambda w: np.swapaxes(w, -1, -2))}),
    Mistake("bias_missing", {"conv2d_forward": _conv_variant(bias=lambda b, x: np.zeros_like(b))}),
    Mistake("bias_per_input_channel", {"conv2d_forward": _conv_variant(bias=lambda b, x: b * x.shape[1])}),
    Mistake("stride_ignored", {"conv2d_forward": _conv_variant(step=lambda s: 1, output=_cut_to_output_size)}),
    Mistake("stride_ignored", {"conv2d_forward": _conv_variant(step=lambda s: 1)}),
    Mistake("padding_ignored", {"conv2d_forward": _conv_variant(pad=lambda p: 0)}),
    *(
        Mistake("padding_one_side", {"conv2d_forward": _conv_variant(pads=lambda p, widths=widths: widths(4, p))})
        for widths in ONE_SIDED_PADS
    ),
    Mistake("height_width_swapped", {"conv2d_forward": _conv_variant(output=_sizes_swapped)}),
    Mistake("output_transposed", {"conv2d_forward": _conv_variant(output=lambda z, *_: np.swapaxes(z, -1, -2))}),
    *division_mistake("conv2d_forward"),
    *conv_rounding_mistakes("conv2d_forward"),
)


EXERCISES = (
    Exercise(
        id="pad2d",
        api=("pad2d",),
        checks=(Check("example", _pad_example, target="pad2d"), Check("hidden", _pad_hidden, target="pad2d")),
        mistakes=PAD_MISTAKES,
    ),
    Exercise(
        id="conv2d_forward",
        api=("conv2d_forward",),
        checks=(
            Check("lecture", _conv_lecture, target="conv2d_forward"),
            Check("channels", _conv_channels, target="conv2d_forward"),
            Check("stride_padding", _conv_stride_padding, target="conv2d_forward"),
            Check("delta", _conv_delta, target="conv2d_forward"),
        ),
        mistakes=CONV_MISTAKES,
    ),
)
