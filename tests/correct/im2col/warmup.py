"""Warm-up as a matrix product: h = G @ f with G[n, t] = g[n - t] (zero outside g)."""
import numpy as np


def conv1d_full(f, g):
    f = np.asarray(f, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    length = f.size + g.size - 1
    shift = np.arange(length)[:, None] - np.arange(f.size)[None, :]
    inside = (shift >= 0) & (shift < g.size)
    toeplitz = np.where(inside, g[np.clip(shift, 0, g.size - 1)], 0.0)
    return toeplitz @ f
