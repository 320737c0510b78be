"""Convolution backward pass the lecture's way, with explicit loops."""
import numpy as np

from .conv_forward import pad2d
from .sizes import conv_output_size


def rot180(w):
    w = np.asarray(w)
    kh, kw = w.shape[-2:]
    out = np.empty_like(w)
    for u in range(kh):
        for v in range(kw):
            out[..., u, v] = w[..., kh - 1 - u, kw - 1 - v]
    return out


def dilate(delta, stride):
    delta = np.asarray(delta)
    m, n = delta.shape[-2:]
    out = np.zeros(delta.shape[:-2] + ((m - 1) * stride + 1, (n - 1) * stride + 1), dtype=delta.dtype)
    for i in range(m):
        for j in range(n):
            out[..., i * stride, j * stride] = delta[..., i, j]
    return out


def conv2d_backward(delta_in, x, w, stride=1, padding=0):
    delta_in = np.asarray(delta_in, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    n_images, c_in, h, wid = x.shape
    c_out, _, kh, kw = w.shape
    h_out = conv_output_size(h, kh, stride, padding)
    w_out = conv_output_size(wid, kw, stride, padding)
    xp = pad2d(x, padding)
    hp, wp = xp.shape[2:]

    # Spread delta_in onto the stride-1 grid, then pad K - 1 at the top/left and
    # enough at the bottom/right that the full correlation covers the padded input.
    spread = dilate(delta_in, stride)
    big = np.zeros((n_images, c_out, hp + kh - 1, wp + kw - 1))
    big[:, :, kh - 1:kh - 1 + spread.shape[2], kw - 1:kw - 1 + spread.shape[3]] = spread
    w_rot = rot180(w)
    grad = np.zeros((n_images, c_in, hp, wp))
    for n in range(n_images):
        for c in range(c_in):
            for i in range(hp):
                for j in range(wp):
                    grad[n, c, i, j] = np.sum(big[n, :, i:i + kh, j:j + kw] * w_rot[:, c])
    delta_out = grad[:, :, padding:padding + h, padding:padding + wid].copy()

    dw = np.zeros(w.shape)
    for m in range(c_out):
        for c in range(c_in):
            for u in range(kh):
                for v in range(kw):
                    seen = xp[:, c, u:u + (h_out - 1) * stride + 1:stride, v:v + (w_out - 1) * stride + 1:stride]
                    dw[m, c, u, v] = np.sum(seen * delta_in[:, m])
    db = np.zeros(c_out)
    for m in range(c_out):
        db[m] = np.sum(delta_in[:, m])
    return delta_out, dw, db
