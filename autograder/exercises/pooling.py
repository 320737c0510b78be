"""max_pool and avg_pool: forward and backward, overlapping windows, ties, uncovered rows."""
from __future__ import annotations

import numpy as np

from .. import oracle
from ..cases import Label, describe, direction, example, hidden, lecture, tie_free, with_ties
from ..gradcheck import GradCase, GradProblem, objective_dot
from .layer_sizes import division_mistake, pool_rounding_mistakes
from .spec import Check, Exercise, Mistake

LECTURE_POOL_X = [[1, 3, 0, 3], [2, 2, 4, 1], [4, 2, 0, 0], [3, 3, 3, 1]]
BACKWARD_NAMES = ("delta_in", "x")
# Values of a gradient check's input are at least 0.05 apart and a step moves each by at
# most POOL_EPS * 1 = 0.01 < 0.025: no window changes its maximum, so pooling is linear
# along the step and the central difference exact up to rounding.
POOL_EPS = 1e-2
# (window F, stride S, H, W): non-overlapping, overlapping (S < F), uncovered rows, H != W.
HIDDEN_GEOMETRY = ((2, 2, 5, 6), (3, 2, 7, 6), (2, 1, 4, 5), (3, 3, 8, 7))


def _image(rows):
    return np.array(rows, dtype=np.float64)[np.newaxis, np.newaxis]


def _forward_lecture(rng):
    return [lecture(1, (_image(LECTURE_POOL_X), 2, 2), ("x", "size", "stride"))]


def _forward_hidden(rng):
    cases = []
    for n, (f, s, h, w) in enumerate(HIDDEN_GEOMETRY, 1):
        x = tie_free(rng, (1 + n % 2, 2, h, w))
        cases.append(hidden(n, describe(x=x, F=f, S=s), (x, f, s), ("x", "size", "stride")))
    return cases


def _backward_visible(docstring_delta):
    """The docstring's one-window example (its delta differs: 5 for max, 8 for mean), then the lecture's input."""

    def cases(rng):
        names = (*BACKWARD_NAMES, "size", "stride")
        delta = np.array([[[[1.0, -2.0], [3.0, 0.5]]]])
        return [
            example(1, (np.array([[[[docstring_delta]]]]), _image([[1, 3], [2, 2]]), 2, 2), names),
            lecture(2, (delta, _image(LECTURE_POOL_X), 2, 2), names),
        ]

    return cases


def _backward_cases(rng, values, geometry):
    cases = []
    for n, (f, s, h, w) in enumerate(geometry, 1):
        x = values(rng, (2, 1 + n % 2, h, w))
        delta = direction(rng, (2, 1 + n % 2, oracle.pool_output_size(h, f, s), oracle.pool_output_size(w, f, s)))
        cases.append(hidden(n, describe(x=x, F=f, S=s), (delta, x, f, s), (*BACKWARD_NAMES, "size", "stride")))
    return cases


def _backward_hidden(rng):
    return _backward_cases(rng, tie_free, HIDDEN_GEOMETRY)


def _backward_ties(rng):
    return _backward_cases(rng, with_ties, ((2, 2, 4, 6), (3, 2, 7, 5)))


def shared_positions(h, w, f, s) -> np.ndarray:
    """(H, W) mask of the positions that belong to more than one window in both directions."""

    def along(n):
        mask = np.zeros(n, dtype=bool)
        for start in range(s, n, s):
            mask[start : start + max(f - s, 0)] = True
        return mask

    return along(h)[:, None] & along(w)[None, :]


def with_shared_maxima(x, f, s, gap=0.1):
    """Tie-free x (values `gap` apart) whose largest values sit where overlapping windows meet.

    Each such position is then the maximum of several windows, so a backward pass that
    overwrites instead of adding is caught. The boost is a whole number of gaps plus a
    half, so values stay at least gap / 2 apart.
    """
    x = x.copy()
    x[..., shared_positions(*x.shape[-2:], f, s)] += (x.size + 0.5) * gap
    return x


def pool_grad_problem(rng, kind, n, f, s, h, w) -> GradProblem:
    x = with_shared_maxima(tie_free(rng, (2, 2, h, w)), f, s)
    u = direction(rng, (2, 2, oracle.pool_output_size(h, f, s), oracle.pool_output_size(w, f, s)))
    return GradProblem(
        key=f"{kind}_pool_backward/{n}",
        point={"x": x},
        forward=lambda v: (f"{kind}_pool_forward", (v["x"], f, s), {}),
        backward=lambda: (f"{kind}_pool_backward", (u, x, f, s), {}),
        objective=objective_dot(u),
        gradients=lambda value: {"x": value},
        grad_names={"x": "delta_out"},
    )


def _gradcheck(kind):
    def cases(rng):
        result = []
        for n, (f, s, h, w) in enumerate(((3, 2, 7, 6), (2, 2, 6, 5)), 1):
            problem = pool_grad_problem(rng, kind, n, f, s, h, w)
            x = problem.point["x"]
            shared = np.argwhere(shared_positions(h, w, f, s))
            # A position several windows share tells adding from overwriting; else any position.
            row, col = shared[0] if len(shared) else (int(rng.integers(0, h)), int(rng.integers(0, w)))
            index = (int(rng.integers(0, 2)), int(rng.integers(0, 2)), int(row), int(col))
            label = Label("case.gradient", {"name": "delta_out", "what": describe(x=x, F=f, S=s)})
            result.append(
                GradCase(label, problem, ("x",), POOL_EPS, directions=({"x": direction(rng, x.shape)},),
                         coordinates=(("x", index),), largest=True)
            )
        return result

    return cases


# --- the wrong answers ------------------------------------------------------------------------------------
#
# Each is the right answer's ingredients (PyTorch's windows and maxima) put together in one
# wrong way. Windows are numbered in row-major order, as a loop over them meets them.


def _torch():
    import torch

    return torch


def _columns(x, f, s):
    """(N*C, F*F, L) float64 CPU tensor: every window of every map, one column each (F.unfold)."""
    torch = _torch()
    t = torch.as_tensor(np.asarray(x, dtype=np.float64))
    n, c, h, w = t.shape
    return torch.nn.functional.unfold(t.reshape(n * c, 1, h, w), f, stride=s)


def _summed(shares, x, f, s) -> np.ndarray:
    """Each window's (N*C, F*F, L) shares added back where they came from (F.fold)."""
    n, c, h, w = np.shape(x)
    folded = _torch().nn.functional.fold(shares, (h, w), f, stride=s)
    return folded.reshape(n, c, h, w).numpy().copy()


def _deltas(delta_in):
    torch = _torch()
    d = torch.as_tensor(np.asarray(delta_in, dtype=np.float64))
    return d.reshape(d.shape[0] * d.shape[1], 1, -1)


def _all_maxima(delta_in, x, size=2, stride=2):
    # x == max marks every tied maximum of a window, and each gets the window's gradient.
    cols = _columns(x, size, stride)
    return _summed((cols == cols.max(dim=1, keepdim=True).values) * _deltas(delta_in), x, size, stride)


def _last_maximum(delta_in, x, size=2, stride=2):
    # The last of tied maxima in row-major order (argmax over the reversed window).
    cols = _columns(x, size, stride)
    last = size * size - 1 - cols.flip(1).argmax(dim=1, keepdim=True)
    mask = _torch().zeros_like(cols).scatter_(1, last, 1.0)
    return _summed(mask * _deltas(delta_in), x, size, stride)


def _whole_window(delta_in, x, size=2, stride=2):
    # The gradient copied to every position of its window.
    return oracle.avg_pool_backward(delta_in, x, size, stride) * size * size


def _last_window(n, f, s, *, first=False):
    """For each of n positions along one axis, the window (last or first in order) that covers it; -1 if none."""
    count = (n - f) // s + 1
    positions = np.arange(n)
    index = np.minimum(positions // s, count - 1) if not first else np.maximum(-(-(positions - f + 1) // s), 0)
    covered = (positions >= index * s) & (positions < index * s + f) & (index < count)
    return np.where(covered, index, -1)


def _overwritten(values, x, f, s, *, first=False):
    """values (N, C, L, F*F) written window after window with =: each position keeps the last write
    (or, first=True, the first: a loop over window offsets that writes early windows last)."""
    n, c, h, w = np.shape(x)
    rows, cols = _last_window(h, f, s, first=first), _last_window(w, f, s, first=first)
    count_w = (w - f) // s + 1
    out = np.zeros((n, c, h, w))
    for i in range(h):
        for j in range(w):
            if rows[i] >= 0 and cols[j] >= 0:
                window = rows[i] * count_w + cols[j]
                out[:, :, i, j] = values[:, :, window, (i - rows[i] * s) * f + (j - cols[j] * s)]
    return out


def _window_values(shares, x) -> np.ndarray:
    n, c = np.shape(x)[:2]
    return shares.reshape(n, c, shares.shape[1], shares.shape[2]).permute(0, 1, 3, 2).numpy()


def _maxima_to_whole_window(delta_in, x, size=2, stride=2):
    # Each window's masked gradient (zeros included) assigned to its whole window: the later window wins.
    cols = _columns(x, size, stride)
    shares = (cols == cols.max(dim=1, keepdim=True).values) * _deltas(delta_in)
    return _overwritten(_window_values(shares, x), x, size, stride)


def _maximum_overwritten(delta_in, x, size=2, stride=2):
    # Only the first maximum's position is written, with =: where several windows share
    # their maximum, the last of them wins instead of all adding up.
    torch = _torch()
    t = torch.as_tensor(np.asarray(x, dtype=np.float64))
    _, where = torch.nn.functional.max_pool2d(t, size, stride, return_indices=True)  # first maxima, flat in H*W
    n, c, h, w = t.shape
    where, windows = where.reshape(n * c, -1), torch.arange(where[0, 0].numel()).expand(n * c, -1)
    last = torch.full((n * c, h * w), -1, dtype=torch.int64).scatter_reduce(1, where, windows, "amax")
    d = torch.as_tensor(np.asarray(delta_in, dtype=np.float64)).reshape(n * c, -1)
    out = torch.where(last >= 0, d.gather(1, last.clamp(min=0)), torch.zeros(()))
    return out.reshape(n, c, h, w).numpy().copy()


def _windows_overlap(delta_in, x, size=2, stride=2):
    # Overwriting (=) instead of adding (+=) can only show where two windows share a position.
    return stride < size


def _mean_overwritten(*, first):
    def wrong(delta_in, x, size=2, stride=2):
        d = np.asarray(delta_in, dtype=np.float64)
        values = np.repeat(d.reshape(*d.shape[:2], -1, 1), size * size, axis=3) / (size * size)
        return _overwritten(values, x, size, stride, first=first)

    return wrong


def _forward_variant(pool, *, step, cut=False):
    """Pooling with the window stepped by step(F, S), optionally cut to the right output size."""

    def wrong(x, size=2, stride=2):
        out = pool(x, size, step(size, stride))
        if cut:
            h_out, w_out = (oracle.pool_output_size(n, size, stride) for n in x.shape[2:])
            out = out[:, :, :h_out, :w_out]
        return out

    return wrong


def _stride_mistakes(target, pool):
    return (
        Mistake("stride_ignored", {target: _forward_variant(pool, step=lambda f, s: 1, cut=True)}, message="pool_stride_ignored"),
        Mistake("stride_ignored", {target: _forward_variant(pool, step=lambda f, s: 1)}, message="pool_stride_ignored"),
        Mistake("stride_is_size", {target: _forward_variant(pool, step=lambda f, s: f)}),
    )


MAX_MISTAKES = (
    *_stride_mistakes("max_pool_forward", oracle.max_pool_forward),
    Mistake("max_pool_overwrite", {"max_pool_backward": _maximum_overwritten}, applies=_windows_overlap),
    Mistake("max_pool_window_overwrite", {"max_pool_backward": _maxima_to_whole_window}, applies=_windows_overlap),
    Mistake("max_pool_all_ties", {"max_pool_backward": _all_maxima}),
    Mistake("max_pool_last_max", {"max_pool_backward": _last_maximum}),
    Mistake("max_pool_mask_missing", {"max_pool_backward": _whole_window}),
    Mistake("max_pool_mean_backward", {"max_pool_backward": oracle.avg_pool_backward}),
    *division_mistake("max_pool_forward"),
    *division_mistake("max_pool_backward"),
    *pool_rounding_mistakes("max_pool_forward"),
)


def _mean_scaled(factor):
    return lambda delta_in, x, size=2, stride=2: oracle.avg_pool_backward(delta_in, x, size, stride) * factor(size)


AVG_MISTAKES = (
    *_stride_mistakes("avg_pool_forward", oracle.avg_pool_forward),
    Mistake("avg_pool_sum", {"avg_pool_forward": lambda x, size=2, stride=2: oracle.avg_pool_forward(x, size, stride) * size * size}),
    Mistake("avg_pool_no_divide", {"avg_pool_backward": _mean_scaled(lambda f: f * f)}),
    Mistake("avg_pool_divided_by_f", {"avg_pool_backward": _mean_scaled(lambda f: f)}),
    # = instead of +=: the last window written wins (a loop over windows) or the first
    # (a loop over the offsets inside the window, which writes early windows last).
    Mistake("avg_pool_overwrite", {"avg_pool_backward": _mean_overwritten(first=False)}, applies=_windows_overlap),
    Mistake("avg_pool_overwrite", {"avg_pool_backward": _mean_overwritten(first=True)}, applies=_windows_overlap),
    *division_mistake("avg_pool_forward"),
    *division_mistake("avg_pool_backward"),
    *pool_rounding_mistakes("avg_pool_forward"),
)

EXERCISES = (
    Exercise(
        id="max_pool",
        api=("max_pool_forward", "max_pool_backward"),
        checks=(
            Check("forward_lecture", _forward_lecture, target="max_pool_forward"),
            Check("forward_hidden", _forward_hidden, target="max_pool_forward"),
            Check("backward_visible", _backward_visible(5.0), target="max_pool_backward"),
            Check("backward_hidden", _backward_hidden, target="max_pool_backward"),
            Check("backward_ties", _backward_ties, target="max_pool_backward"),
            Check("gradcheck", _gradcheck("max"), gradcheck=True),
        ),
        mistakes=MAX_MISTAKES,
    ),
    Exercise(
        id="avg_pool",
        api=("avg_pool_forward", "avg_pool_backward"),
        checks=(
            Check("forward_lecture", _forward_lecture, target="avg_pool_forward"),
            Check("forward_hidden", _forward_hidden, target="avg_pool_forward"),
            Check("backward_visible", _backward_visible(8.0), target="avg_pool_backward"),
            Check("backward_hidden", _backward_hidden, target="avg_pool_backward"),
            Check("gradcheck", _gradcheck("avg"), gradcheck=True),
        ),
        mistakes=AVG_MISTAKES,
    ),
)
