"""Pooling in float32, one strided slice per window offset (u, v)."""
import numpy as np

from .sizes import pool_output_size


def _offsets(shape, size, stride):
    h_out = pool_output_size(shape[2], size, stride)
    w_out = pool_output_size(shape[3], size, stride)
    for u in range(size):
        for v in range(size):
            yield (slice(None), slice(None),
                   slice(u, u + (h_out - 1) * stride + 1, stride),
                   slice(v, v + (w_out - 1) * stride + 1, stride))


def max_pool_forward(x, size=2, stride=2):
    x = np.asarray(x, dtype=np.float32)
    out = None
    for where in _offsets(x.shape, size, stride):
        out = x[where].copy() if out is None else np.maximum(out, x[where])
    return out


def max_pool_backward(delta_in, x, size=2, stride=2):
    delta_in = np.asarray(delta_in, dtype=np.float32)
    x = np.asarray(x, dtype=np.float32)
    pooled = max_pool_forward(x, size, stride)
    delta_out = np.zeros(x.shape, dtype=np.float32)
    routed = np.zeros(pooled.shape, dtype=bool)
    # Offsets come in row-major order, so the first offset that holds the
    # maximum takes the gradient and later ties find the window already routed.
    for where in _offsets(x.shape, size, stride):
        hit = (x[where] == pooled) & ~routed
        delta_out[where] += np.where(hit, delta_in, np.float32(0))
        routed |= hit
    return delta_out


def avg_pool_forward(x, size=2, stride=2):
    x = np.asarray(x, dtype=np.float32)
    total = sum(x[where] for where in _offsets(x.shape, size, stride))
    return (total / np.float32(size * size)).astype(np.float32)


def avg_pool_backward(delta_in, x, size=2, stride=2):
    share = np.asarray(delta_in, dtype=np.float32) / np.float32(size * size)
    delta_out = np.zeros(np.shape(x), dtype=np.float32)
    for where in _offsets(delta_out.shape, size, stride):
        delta_out[where] += share
    return delta_out
