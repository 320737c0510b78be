"""Attacks on the judging itself, not on the sandbox: each tries to earn points or learn secrets.

- gamed_gradient_check: a garbage conv2d_backward with a forward that remembers where
  backward was called and, everywhere else, changes exactly as the garbage says. A check
  that trusts the student's forward at the perturbed points passes it.
- hidden_inputs_in_visible_messages: max_pool_forward remembers every input it is given
  (and answers correctly); max_pool_backward raises an exception whose message lists their
  shapes and first values. If a hidden case ran before a visible one in the same process,
  a visible message (shown before grades are published) would carry hidden inputs.
- crashing_values: functions that return 10**400 or text full of escapes and lone
  surrogates, or raise exceptions carrying them: the grader must finish and write every
  report.
"""
from __future__ import annotations

from hostile.plant import replace_function

GAMED_GRADIENT_CHECK = {
    "conv_backward": replace_function("conv_backward", "def conv2d_backward(delta_in, x, w, stride=1, padding=0):", """
_SEEN = {}


def conv2d_backward(delta_in, x, w, stride=1, padding=0):
    rng = np.random.default_rng(0)
    garbage = (rng.normal(size=x.shape), rng.normal(size=w.shape), rng.normal(size=w.shape[0]))
    _SEEN.update(x=x.copy(), w=w.copy(), u=np.asarray(delta_in, dtype=float).copy(), g=garbage)
    return garbage
""")["conv_backward"],
    "conv_forward": replace_function("conv_forward", "def conv2d_forward(x, w, b, stride=1, padding=0):", """
def conv2d_forward(x, w, b, stride=1, padding=0):
    from . import conv_backward

    seen = conv_backward._SEEN
    z = _replaced_conv2d_forward(x, w, b, stride, padding)
    if not seen or seen["x"].shape != x.shape or seen["w"].shape != w.shape:
        return z
    # <u, f(p)> = <u, f(p0)> + <g, p - p0>: the slope along any step is the garbage's.
    x0, w0, u, (gx, gw, gb) = seen["x"], seen["w"], seen["u"], seen["g"]
    seen.setdefault("b", np.asarray(b, dtype=float).copy())  # the first forward after backward is at the point
    base = _replaced_conv2d_forward(x0, w0, seen["b"], stride, padding)
    lift = np.sum(gx * (x - x0)) + np.sum(gw * (w - w0)) + np.sum(gb * (b - seen["b"]))
    return base + u * lift / np.sum(u * u)
""")["conv_forward"],
}

HIDDEN_INPUTS_IN_VISIBLE_MESSAGES = {"pooling": [
    *replace_function("pooling", "def max_pool_forward(x, size=2, stride=2):", """
_INPUTS = []


def max_pool_forward(x, size=2, stride=2):
    _INPUTS.append(np.asarray(x).copy())
    return _replaced_max_pool_forward(x, size, stride)
""")["pooling"],
    *replace_function("pooling", "def max_pool_backward(delta_in, x, size=2, stride=2):", """
def max_pool_backward(delta_in, x, size=2, stride=2):
    raise ValueError("seen: " + "; ".join(f"{a.shape} {a.ravel()[:3].tolist()}" for a in _INPUTS))
""")["pooling"],
]}

CRASHING_VALUES = {
    "sizes": replace_function("sizes", "def conv_output_size(in_size, kernel_size, stride=1, padding=0):", """
def conv_output_size(in_size, kernel_size, stride=1, padding=0):
    if stride == 2:
        raise ValueError("\\ud800\\x00\\r\\x1b[31mred\\x1b[0m\\u202e" + "x" * 10000)
    return 10**400
""")["sizes"],
    "layers": replace_function("layers", "def softmax_cross_entropy(logits, labels):", """
def softmax_cross_entropy(logits, labels):
    class Loss(float):
        pass

    if len(labels) == 1:
        return "\\x1b]0;owned\\x07\\ud83d", {"\\ud800": b"raw"}
    return Loss(10.0**300) * 10, np.full(np.shape(logits), np.nan)
""")["layers"],
    "warmup": replace_function("warmup", "def conv1d_full(f, g):", """
def conv1d_full(f, g):
    error = type("Error\\u202e", (ValueError,), {})
    raise error("\\r" * 50 + "\\x1b[2J")
""")["warmup"],
}
CRASHING_EXERCISES = ("conv_output_size", "softmax_cross_entropy", "conv1d_full")
