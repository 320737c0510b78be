"""Pooling by im2col: every window becomes a column; backward scatters with np.add.at."""
import numpy as np

from .sizes import pool_output_size


def _columns(x, size, stride):
    n, c, h, w = x.shape
    h_out = pool_output_size(h, size, stride)
    w_out = pool_output_size(w, size, stride)
    row = np.repeat(np.arange(size), size)[:, None] + stride * np.repeat(np.arange(h_out), w_out)[None, :]
    col = np.tile(np.arange(size), size)[:, None] + stride * np.tile(np.arange(w_out), h_out)[None, :]
    return x[:, :, row, col], row, col, (h_out, w_out)     # columns (N, C, F*F, H_out*W_out)


def max_pool_forward(x, size=2, stride=2):
    x = np.asarray(x, dtype=np.float64)
    columns, _, _, out_shape = _columns(x, size, stride)
    return columns.max(axis=2).reshape(x.shape[:2] + out_shape)


def max_pool_backward(delta_in, x, size=2, stride=2):
    x = np.asarray(x, dtype=np.float64)
    n, c = x.shape[:2]
    columns, row, col, _ = _columns(x, size, stride)
    winner = columns.argmax(axis=2)                        # first maximum of each window
    window = np.arange(row.shape[1])
    delta_out = np.zeros(x.shape)
    np.add.at(
        delta_out,
        (np.arange(n)[:, None, None], np.arange(c)[None, :, None], row[winner, window], col[winner, window]),
        np.asarray(delta_in, dtype=np.float64).reshape(n, c, -1),
    )
    return delta_out


def avg_pool_forward(x, size=2, stride=2):
    x = np.asarray(x, dtype=np.float64)
    columns, _, _, out_shape = _columns(x, size, stride)
    return columns.mean(axis=2).reshape(x.shape[:2] + out_shape)


def avg_pool_backward(delta_in, x, size=2, stride=2):
    shape = np.shape(x)
    _, row, col, _ = _columns(np.empty((1, 1) + shape[2:]), size, stride)
    share = np.asarray(delta_in, dtype=np.float64).reshape(shape[0], shape[1], 1, -1) / (size * size)
    delta_out = np.zeros(shape)
    np.add.at(delta_out, (slice(None), slice(None), row, col), np.broadcast_to(share, shape[:2] + row.shape))
    return delta_out
