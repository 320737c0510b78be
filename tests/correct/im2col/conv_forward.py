"""Convolution forward by im2col: explicit index arrays, then one einsum."""
import numpy as np

from .sizes import conv_output_size


def pad2d(x, padding):
    x = np.asarray(x)
    h, w = x.shape[-2:]
    rows = np.arange(h + 2 * padding) - padding
    cols = np.arange(w + 2 * padding) - padding
    keep = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]
    gathered = x[..., np.clip(rows, 0, max(h - 1, 0))[:, None], np.clip(cols, 0, max(w - 1, 0))[None, :]]
    return np.where(keep, gathered, np.zeros((), dtype=x.dtype))


def im2col_indices(channels, kh, kw, stride, h_out, w_out):
    """(channel, row, col) index arrays of shape (channels*kh*kw, h_out*w_out) into the padded input."""
    channel = np.repeat(np.arange(channels), kh * kw)[:, None]
    row = (np.tile(np.repeat(np.arange(kh), kw), channels)[:, None]
           + stride * np.repeat(np.arange(h_out), w_out)[None, :])
    col = (np.tile(np.arange(kw), kh * channels)[:, None]
           + stride * np.tile(np.arange(w_out), h_out)[None, :])
    return channel, row, col


def conv2d_forward(x, w, b, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    n, c_in, h, wid = x.shape
    c_out, _, kh, kw = w.shape
    h_out = conv_output_size(h, kh, stride, padding)
    w_out = conv_output_size(wid, kw, stride, padding)
    channel, row, col = im2col_indices(c_in, kh, kw, stride, h_out, w_out)
    columns = pad2d(x, padding)[:, channel, row, col]          # (N, C_in*KH*KW, H_out*W_out)
    z = np.einsum("mk,nkp->nmp", w.reshape(c_out, -1), columns) + b[None, :, None]
    return z.reshape(n, c_out, h_out, w_out)
