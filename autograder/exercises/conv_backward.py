"""rot180, dilate and conv2d_backward: the lecture's backward pass of a convolution layer."""
from __future__ import annotations

import numpy as np

from .. import oracle
from ..cases import Label, asymmetric, conv_geometry, describe, direction, example, hidden, lecture, normal
from ..gradcheck import GradCase, GradProblem, objective_dot
from .conv_forward import LECTURE_K1, LECTURE_X5
from .layer_sizes import division_mistake
from .spec import Check, Exercise, Mistake

BACKWARD_NAMES = ("delta_in", "x", "w")
BACKWARD_LEAVES = ("delta_out", "dw", "db")
# Convolution is linear in x, in w and in b: a central difference is exact up to
# rounding for any step, so a large step keeps a float32 forward's rounding small.
CONV_EPS = 1e-2


def _torch():
    import torch

    return torch


# --- rot180 ---------------------------------------------------------------------------------------------


def _rot_example(rng):
    return [example(1, (np.array([[1.0, 2.0], [3.0, 4.0]]),), ("w",))]


def _rot_hidden(rng):
    cases = []
    for n, shape in enumerate([(3, 2, 3, 2), (2, 3, 3), (4, 5), (2, 2, 3, 3)], 1):
        w = asymmetric(rng, shape)
        cases.append(hidden(n, describe(w=w), (w,), ("w",)))
    return cases


ROT_MISTAKES = (
    Mistake("transpose_instead_of_rot180", {"rot180": lambda w: np.swapaxes(w, -1, -2).copy()}),
    # np.rot90(w, 2) turns the FIRST two axes: (C_out, C_in) of a 4-D weight.
    Mistake("rot180_wrong_axes", {"rot180": lambda w: np.rot90(w, 2).copy()}),
    Mistake("rot180_one_axis", {"rot180": lambda w: np.flip(w, -2).copy()}),
    Mistake("rot180_one_axis", {"rot180": lambda w: np.flip(w, -1).copy()}),
    Mistake("rot180_all_axes", {"rot180": lambda w: np.flip(w).copy()}),
)

# --- dilate ------------------------------------------------------------------------------------------------


def _dilate_lecture(rng):
    return [lecture(1, (np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), 3), ("delta", "stride"))]


def _dilate_hidden(rng):
    cases = []
    for n, (shape, s) in enumerate([((2, 3, 3, 4), 2), ((1, 2, 2, 3), 3), ((3, 5), 2), ((2, 2, 3, 3), 1)], 1):
        delta = normal(rng, shape)
        cases.append(hidden(n, describe(delta=delta, S=s), (delta, s), ("delta", "stride")))
    return cases


def _spread_too_far(delta, stride):
    # (M*S) x (N*S): the right spreading, then S - 1 more zeros after the last row and column.
    spread = oracle.dilate(delta, stride)
    return np.pad(spread, [(0, 0)] * (spread.ndim - 2) + [(0, stride - 1), (0, stride - 1)])


def _spread_by_one_more(delta, stride):
    # S zeros between neighbours instead of S - 1: the right spreading for stride S + 1.
    return oracle.dilate(delta, stride + 1)


def _not_spread(delta, stride):
    if stride == 1:
        raise ValueError("at stride 1 nothing is spread: the same as the right answer")
    return np.asarray(delta, dtype=np.float64).copy()


DILATE_MISTAKES = (
    Mistake("dilate_m_times_s", {"dilate": _spread_too_far}),
    Mistake("dilate_s_zeros", {"dilate": _spread_by_one_more}),
    Mistake("dilate_missing", {"dilate": _not_spread}),
)

# --- conv2d_backward -------------------------------------------------------------------------------------------


def _backward_lecture(rng):
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    delta = np.array([[[[1.0, 0.0], [0.0, 0.0]]]])
    x5 = np.array(LECTURE_X5, dtype=np.float64)[np.newaxis, np.newaxis]
    k1 = np.array(LECTURE_K1, dtype=np.float64)[np.newaxis, np.newaxis]
    delta2 = np.array([[[[1.0, -2.0], [3.0, 0.5]]]])
    return [
        example(1, (delta, x, w), BACKWARD_NAMES),
        lecture(2, (delta2, x5, k1), BACKWARD_NAMES, kwargs={"stride": 2}),
    ]


def _backward_case(rng, n, *, batch, c_in, c_out, stride, padding, square_kernel=False):
    h, w, kh, kw = conv_geometry(rng, stride=stride, padding=padding, square_kernel=square_kernel)
    x = normal(rng, (batch, c_in, h, w))
    weights = asymmetric(rng, (c_out, c_in, kh, kw))
    h_out, w_out = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
    delta = direction(rng, (batch, c_out, h_out, w_out))
    what = describe(x=x, w=weights, S=stride, P=padding)
    return hidden(n, what, (delta, x, weights), BACKWARD_NAMES, kwargs={"stride": stride, "padding": padding})


def _backward_stride1(rng):
    return [
        _backward_case(rng, 1, batch=2, c_in=3, c_out=2, stride=1, padding=0),
        _backward_case(rng, 2, batch=3, c_in=2, c_out=3, stride=1, padding=0, square_kernel=True),
        _backward_case(rng, 3, batch=2, c_in=1, c_out=2, stride=1, padding=1),
    ]


def _backward_stride_padding(rng):
    specs = [(2, 0), (2, 1), (3, 1), (3, 2)]
    return [
        _backward_case(rng, n, batch=2, c_in=1 + n % 2, c_out=2, stride=s, padding=p, square_kernel=n == 2)
        for n, (s, p) in enumerate(specs, 1)
    ]


def conv_grad_problem(rng, n, *, stride, padding) -> GradProblem:
    """A point (x, w, b) and upstream gradient u at which conv2d_backward is checked against conv2d_forward."""
    h, w, kh, kw = conv_geometry(rng, stride=stride, padding=padding)
    point = {"x": normal(rng, (2, 2, h, w)), "w": asymmetric(rng, (3, 2, kh, kw)), "b": normal(rng, (3,))}
    u = direction(rng, (2, 3, (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1))
    options = {"stride": stride, "padding": padding}

    def gradients(value):
        if not isinstance(value, (tuple, list)) or len(value) != 3:
            raise ValueError("conv2d_backward must return (delta_out, dw, db)")
        return dict(zip(("x", "w", "b"), value))

    return GradProblem(
        key=f"conv2d_backward/{n}",
        point=point,
        forward=lambda v: ("conv2d_forward", (v["x"], v["w"], v["b"]), options),
        backward=lambda: ("conv2d_backward", (u, point["x"], point["w"]), options),
        objective=objective_dot(u),
        gradients=gradients,
        grad_names={"x": "delta_out", "w": "dw", "b": "db"},
    )


def _backward_gradcheck(rng):
    cases = []
    for n, (s, p) in enumerate([(1, 1), (2, 1)], 1):
        problem = conv_grad_problem(rng, n, stride=s, padding=p)
        what = describe(x=problem.point["x"], w=problem.point["w"], S=s, P=p)
        for name in ("x", "w", "b"):
            shape = problem.point[name].shape
            index = tuple(int(rng.integers(0, d)) for d in shape)
            label = Label("case.gradient", {"name": problem.grad_name(name), "what": what})
            cases.append(
                GradCase(label, problem, (name,), CONV_EPS, directions=({name: direction(rng, shape)},),
                         coordinates=((name, index),), largest=True)
            )
    return cases


def _transpose_conv(delta, w, stride, padding=0, output_padding=0):
    F = _torch().nn.functional
    t = F.conv_transpose2d(oracle.tensor(delta), oracle.tensor(w), stride=stride, padding=padding, output_padding=output_padding)
    return oracle.to_numpy(t)


def _rest(x, w, stride, padding):
    # Rows/columns of the padded input that no window reaches.
    (h, wid), (kh, kw) = x.shape[2:], w.shape[2:]
    return (h + 2 * padding - kh) % stride, (wid + 2 * padding - kw) % stride


def _crop(full, x, p):
    """Rows and columns P to P + H of the padded input's gradient (numpy slicing clips)."""
    h, wid = x.shape[2:]
    return full[..., p : p + h, p : p + wid]


def _replace(part: int, compute):
    """A mistake that changes one of (delta_out, dw, db) and leaves the other two right."""

    def wrong(delta_in, x, w, stride=1, padding=0):
        grads = list(oracle.conv2d_backward(delta_in, x, w, stride, padding))
        grads[part] = compute(grads[part], delta_in, x, w, stride, padding)
        return tuple(grads)

    return wrong


def _with_kernel(transform):
    """delta_out computed with transform(w) where the lecture has rot180(w)."""

    def compute(dx, delta, x, w, s, p):
        # The formula with kernel k uses rot180(k): using transform(w) is the gradient for k = rot180(transform(w)).
        return oracle.conv2d_backward(delta, x, np.flip(transform(w), (-2, -1)), s, p)[0]

    return compute


def _square_transpose(w):
    if w.shape[-1] != w.shape[-2]:
        raise ValueError("a non-square kernel cannot stand in for its own rotation")
    return np.swapaxes(w, -1, -2)


def _uncropped(delta, x, w, s, p):
    return _transpose_conv(delta, w, s, 0, _rest(x, w, s, p))


def _strided(compute):
    def checked(dx, delta, x, w, s, p):
        if s == 1:
            raise ValueError("the same as the right answer at stride 1")
        return compute(dx, delta, x, w, s, p)

    return checked


def _undilated(dx, delta, x, w, s, p):
    # The stride-1 formula on delta_in as it is, padded with the uncovered rows, then cropped.
    full = _transpose_conv(delta, w, 1)
    rest_h, rest_w = _rest(x, w, s, p)
    return _crop(np.pad(full, ((0, 0), (0, 0), (0, rest_h), (0, rest_w))), x, p)


def _crop_side(side):
    def compute(dx, delta, x, w, s, p):
        if p == 0:
            raise ValueError("nothing to crop")
        full = _uncropped(delta, x, w, s, p)
        h, wid = x.shape[2:]
        return full[..., 2 * p :, 2 * p :] if side == "top_left" else full[..., :h, :wid]

    return compute


def _cropped_minus_p(dx, delta, x, w, s, p):
    # full[..., p:-p, p:-p] crops nothing but everything when p = 0: -0 is 0, so the slice is empty.
    if p != 0:
        raise ValueError("[p:-p] crops correctly when p > 0")
    n, c = x.shape[:2]
    return np.zeros((n, c, 0, 0))


BACKWARD_MISTAKES = (
    Mistake("delta_out_no_rot180", {"conv2d_backward": _replace(0, _with_kernel(lambda w: w))}),
    Mistake("transpose_instead_of_rot180", {"conv2d_backward": _replace(0, _with_kernel(_square_transpose))}),
    Mistake("rot180_one_axis", {"conv2d_backward": _replace(0, _with_kernel(lambda w: np.flip(w, -2)))}),
    Mistake("rot180_one_axis", {"conv2d_backward": _replace(0, _with_kernel(lambda w: np.flip(w, -1)))}),
    Mistake("dw_rotated", {"conv2d_backward": _replace(1, lambda dw, *_: np.flip(dw, (-2, -1)).copy())}),
    Mistake("dw_averaged", {"conv2d_backward": _replace(1, lambda dw, delta, *_: dw / delta.shape[0])}),
    Mistake("db_averaged", {"conv2d_backward": _replace(2, lambda db, delta, *_: db / delta.shape[0])}),
    Mistake("db_wrong_axes", {"conv2d_backward": _replace(2, lambda db, delta, *_: np.sum(delta, axis=(2, 3)))}),
    Mistake("db_wrong_axes", {"conv2d_backward": _replace(2, lambda db, delta, *_: np.sum(delta, axis=(1, 2, 3)))}),
    Mistake("no_dilation", {"conv2d_backward": _replace(0, _strided(_undilated))}),
    Mistake(
        "dilate_m_times_s",
        {"conv2d_backward": _replace(0, _strided(lambda dx, delta, x, w, s, p: _transpose_conv(delta, w, s, p, s - 1)))},
        message="bwd_dilate_m_times_s",
    ),
    Mistake(
        "uncovered_rows_missing",
        {"conv2d_backward": _replace(0, _strided(lambda dx, delta, x, w, s, p: _crop(_transpose_conv(delta, w, s), x, p)))},
    ),
    Mistake("padding_not_cropped", {"conv2d_backward": _replace(0, lambda dx, delta, x, w, s, p: _uncropped(delta, x, w, s, p))}),
    Mistake("crop_one_side", {"conv2d_backward": _replace(0, _crop_side("top_left"))}),
    Mistake("crop_one_side", {"conv2d_backward": _replace(0, _crop_side("bottom_right"))}),
    Mistake("crop_minus_p", {"conv2d_backward": _replace(0, _cropped_minus_p)}),
    *division_mistake("conv2d_backward"),
)

EXERCISES = (
    Exercise(
        id="rot180",
        api=("rot180",),
        checks=(Check("example", _rot_example, target="rot180"), Check("hidden", _rot_hidden, target="rot180")),
        mistakes=ROT_MISTAKES,
    ),
    Exercise(
        id="dilate",
        api=("dilate",),
        checks=(Check("lecture", _dilate_lecture, target="dilate"), Check("hidden", _dilate_hidden, target="dilate")),
        mistakes=DILATE_MISTAKES,
    ),
    Exercise(
        id="conv2d_backward",
        api=("conv2d_backward",),
        checks=(
            Check("lecture", _backward_lecture, target="conv2d_backward", leaves=BACKWARD_LEAVES),
            Check("stride1", _backward_stride1, target="conv2d_backward", leaves=BACKWARD_LEAVES),
            Check("stride_padding", _backward_stride_padding, target="conv2d_backward", leaves=BACKWARD_LEAVES),
            Check("gradcheck", _backward_gradcheck, gradcheck=True),
        ),
        mistakes=BACKWARD_MISTAKES,
    ),
)
