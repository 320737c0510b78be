"""Convolution backward in float32: every kernel offset (u, v) scatters one strided slice."""
import numpy as np

from .conv_forward import pad2d
from .sizes import conv_output_size


def rot180(w):
    return np.flip(np.asarray(w, dtype=np.float32), axis=(-2, -1)).copy()


def dilate(delta, stride):
    delta = np.asarray(delta, dtype=np.float32)
    m, n = delta.shape[-2:]
    out = np.zeros(delta.shape[:-2] + (stride * (m - 1) + 1, stride * (n - 1) + 1), dtype=np.float32)
    out[..., ::stride, ::stride] = delta
    return out


def conv2d_backward(delta_in, x, w, stride=1, padding=0):
    delta_in = np.asarray(delta_in, dtype=np.float32)
    x = np.asarray(x, dtype=np.float32)
    w = np.asarray(w, dtype=np.float32)
    _, _, h, wid = x.shape
    _, _, kh, kw = w.shape
    h_out = conv_output_size(h, kh, stride, padding)
    w_out = conv_output_size(wid, kw, stride, padding)
    xp = pad2d(x, padding)
    dxp = np.zeros(xp.shape, dtype=np.float32)
    dw = np.zeros(w.shape, dtype=np.float32)
    for u in range(kh):
        for v in range(kw):
            rows = slice(u, u + (h_out - 1) * stride + 1, stride)
            cols = slice(v, v + (w_out - 1) * stride + 1, stride)
            dxp[:, :, rows, cols] += np.einsum("nmij,mc->ncij", delta_in, w[:, :, u, v])
            dw[:, :, u, v] = np.einsum("nmij,ncij->mc", delta_in, xp[:, :, rows, cols])
    delta_out = dxp[:, :, padding:padding + h, padding:padding + wid].copy()
    db = delta_in.sum(axis=(0, 2, 3), dtype=np.float32)
    return delta_out, dw, db
