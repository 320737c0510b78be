"""Convolution backward by im2col: the column gradient is scattered back with np.add.at."""
import numpy as np

from .conv_forward import im2col_indices, pad2d
from .sizes import conv_output_size


def rot180(w):
    w = np.asarray(w)
    kh, kw = w.shape[-2:]
    return w[..., np.arange(kh - 1, -1, -1)[:, None], np.arange(kw - 1, -1, -1)[None, :]]


def dilate(delta, stride):
    delta = np.asarray(delta)
    m, n = delta.shape[-2:]
    out = np.zeros(delta.shape[:-2] + ((m - 1) * stride + 1, (n - 1) * stride + 1), dtype=delta.dtype)
    out[..., (np.arange(m) * stride)[:, None], (np.arange(n) * stride)[None, :]] = delta
    return out


def conv2d_backward(delta_in, x, w, stride=1, padding=0):
    delta_in = np.asarray(delta_in, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    n, c_in, h, wid = x.shape
    c_out, _, kh, kw = w.shape
    h_out = conv_output_size(h, kh, stride, padding)
    w_out = conv_output_size(wid, kw, stride, padding)
    channel, row, col = im2col_indices(c_in, kh, kw, stride, h_out, w_out)
    xp = pad2d(x, padding)
    columns = xp[:, channel, row, col]
    delta = delta_in.reshape(n, c_out, h_out * w_out)
    dw = np.einsum("nmp,nkp->mk", delta, columns).reshape(w.shape)
    db = np.einsum("nmp->m", delta)
    d_columns = np.einsum("mk,nmp->nkp", w.reshape(c_out, -1), delta)
    d_xp = np.zeros(xp.shape)
    np.add.at(d_xp, (slice(None), channel, row, col), d_columns)
    return d_xp[:, :, padding:padding + h, padding:padding + wid].copy(), dw, db
