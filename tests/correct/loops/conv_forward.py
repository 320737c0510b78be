"""Convolution forward pass, one output value at a time."""
import numpy as np

from .sizes import conv_output_size


def pad2d(x, padding):
    x = np.asarray(x)
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (h + 2 * padding, w + 2 * padding), dtype=x.dtype)
    out[..., padding:padding + h, padding:padding + w] = x
    return out


def conv2d_forward(x, w, b, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    n_images, _, h, wid = x.shape
    c_out, _, kh, kw = w.shape
    h_out = conv_output_size(h, kh, stride, padding)
    w_out = conv_output_size(wid, kw, stride, padding)
    xp = pad2d(x, padding)
    z = np.zeros((n_images, c_out, h_out, w_out))
    for n in range(n_images):
        for m in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    window = xp[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    z[n, m, i, j] = np.sum(window * w[m]) + b[m]
    return z
