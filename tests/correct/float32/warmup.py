"""Warm-up in float32: every f[t] adds a scaled copy of g starting at position t."""
import numpy as np


def conv1d_full(f, g):
    f = np.asarray(f, dtype=np.float32)
    g = np.asarray(g, dtype=np.float32)
    h = np.zeros(f.size + g.size - 1, dtype=np.float32)
    for t in range(f.size):
        h[t:t + g.size] += f[t] * g
    return h
