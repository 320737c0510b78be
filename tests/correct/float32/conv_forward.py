"""Convolution forward in float32: one strided slice per kernel offset (u, v), summed."""
import numpy as np

from .sizes import conv_output_size


def pad2d(x, padding):
    x = np.asarray(x, dtype=np.float32)
    out = np.zeros(x.shape[:-2] + (x.shape[-2] + 2 * padding, x.shape[-1] + 2 * padding), dtype=np.float32)
    out[..., padding:out.shape[-2] - padding, padding:out.shape[-1] - padding] = x
    return out


def conv2d_forward(x, w, b, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float32)
    w = np.asarray(w, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    c_out, _, kh, kw = w.shape
    h_out = conv_output_size(x.shape[2], kh, stride, padding)
    w_out = conv_output_size(x.shape[3], kw, stride, padding)
    xp = pad2d(x, padding)
    z = np.zeros((x.shape[0], c_out, h_out, w_out), dtype=np.float32)
    for u in range(kh):
        for v in range(kw):
            seen = xp[:, :, u:u + (h_out - 1) * stride + 1:stride, v:v + (w_out - 1) * stride + 1:stride]
            z += np.einsum("ncij,mc->nmij", seen, w[:, :, u, v])
    z += b[None, :, None, None]
    return z
