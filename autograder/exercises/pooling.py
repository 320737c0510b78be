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


def _size(n, f, s):
    return (n - f) // s + 1


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
        delta = direction(rng, (2, 1 + n % 2, _size(h, f, s), _size(w, f, s)))
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
    u = direction(rng, (2, 2, _size(h, f, s), _size(w, f, s)))
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


def _windows(x, f, s):
    """(n, c, i, j, rows slice, cols slice) of every window, in row-major order."""
    n_, c_, h, w = x.shape
    for i in range(_size(h, f, s)):
        for j in range(_size(w, f, s)):
            yield i, j, slice(i * s, i * s + f), slice(j * s, j * s + f)


def _route(delta_in, x, f, s, *, pick, accumulate=True, whole_window=False, last_first=False):
    """Max-pool backward built from one choice per misconception.

    pick(window) -> a 0/1 mask of the window's positions that receive the gradient;
    accumulate=False assigns instead of adding (the later window wins);
    whole_window=True assigns the masked gradient to the whole window, zeros included;
    last_first=True visits the windows in reverse order, so the first window wins.
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    windows = list(_windows(x, f, s))
    for i, j, rows, cols in reversed(windows) if last_first else windows:
        for n in range(x.shape[0]):
            for c in range(x.shape[1]):
                window = x[n, c, rows, cols]
                share = pick(window) * delta_in[n, c, i, j]
                if whole_window:
                    out[n, c, rows, cols] = share
                elif accumulate:
                    out[n, c, rows, cols] += share
                else:
                    mask = pick(window) > 0
                    out[n, c, rows, cols][mask] = share[mask]
    return out


def _first_max(window):
    mask = np.zeros_like(window)
    mask[np.unravel_index(np.argmax(window), window.shape)] = 1.0
    return mask


def _last_max(window):
    flipped = window[::-1, ::-1]
    return _first_max(flipped)[::-1, ::-1]


def _all_max(window):
    return (window == window.max()).astype(np.float64)


def _everywhere(window):
    return np.ones_like(window)


def _mean_share(window):
    return np.full_like(window, 1.0 / window.size)


def _backward(**choices):
    return lambda delta_in, x, size=2, stride=2: _route(delta_in, x, size, stride, **choices)


def _windows_overlap(delta_in, x, size=2, stride=2):
    # Overwriting (=) instead of adding (+=) can only show where two windows share a position.
    return stride < size


def _forward_variant(pool, *, step, cut=False):
    """Pooling with the window stepped by step(F, S), optionally cut to the right output size."""

    def wrong(x, size=2, stride=2):
        out = pool(x, size, step(size, stride))
        if cut:
            out = out[:, :, : _size(x.shape[2], size, stride), : _size(x.shape[3], size, stride)]
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
    Mistake("max_pool_overwrite", {"max_pool_backward": _backward(pick=_first_max, accumulate=False)},
            applies=_windows_overlap),
    Mistake("max_pool_window_overwrite", {"max_pool_backward": _backward(pick=_all_max, whole_window=True)},
            applies=_windows_overlap),
    Mistake("max_pool_all_ties", {"max_pool_backward": _backward(pick=_all_max)}),
    Mistake("max_pool_last_max", {"max_pool_backward": _backward(pick=_last_max)}),
    Mistake("max_pool_mask_missing", {"max_pool_backward": _backward(pick=_everywhere)}),
    Mistake("max_pool_mean_backward", {"max_pool_backward": _backward(pick=_mean_share)}),
    *division_mistake("max_pool_forward"),
    *division_mistake("max_pool_backward"),
    *pool_rounding_mistakes("max_pool_forward"),
)


def _scaled(factor):
    return lambda window: np.full_like(window, factor(window))


AVG_MISTAKES = (
    *_stride_mistakes("avg_pool_forward", oracle.avg_pool_forward),
    Mistake("avg_pool_sum", {"avg_pool_forward": lambda x, size=2, stride=2: oracle.avg_pool_forward(x, size, stride) * size * size}),
    Mistake("avg_pool_no_divide", {"avg_pool_backward": _backward(pick=_everywhere)}),
    Mistake("avg_pool_divided_by_f", {"avg_pool_backward": _backward(pick=_scaled(lambda w: 1.0 / w.shape[0]))}),
    # = instead of +=: the last window written wins (a loop over windows) or the first
    # (a loop over the offsets inside the window, which writes early windows last).
    Mistake("avg_pool_overwrite", {"avg_pool_backward": _backward(pick=_mean_share, whole_window=True)},
            applies=_windows_overlap),
    Mistake("avg_pool_overwrite", {"avg_pool_backward": _backward(pick=_mean_share, whole_window=True, last_first=True)},
            applies=_windows_overlap),
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
