"""Warm-up, plain loops: h[n] = sum_t f[t] * g[n - t]."""
import numpy as np


def conv1d_full(f, g):
    f = np.asarray(f, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    h = np.zeros(len(f) + len(g) - 1)
    for n in range(len(h)):
        for t in range(len(f)):
            if 0 <= n - t < len(g):
                h[n] += f[t] * g[n - t]
    return h
