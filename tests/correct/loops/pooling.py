"""Pooling with a loop over every window."""
import numpy as np

from .sizes import pool_output_size


def max_pool_forward(x, size=2, stride=2):
    x = np.asarray(x, dtype=np.float64)
    n_images, channels, h, w = x.shape
    h_out = pool_output_size(h, size, stride)
    w_out = pool_output_size(w, size, stride)
    out = np.zeros((n_images, channels, h_out, w_out))
    for n in range(n_images):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    out[n, c, i, j] = np.max(x[n, c, i * stride:i * stride + size, j * stride:j * stride + size])
    return out


def max_pool_backward(delta_in, x, size=2, stride=2):
    delta_in = np.asarray(delta_in, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    n_images, channels, h, w = x.shape
    h_out = pool_output_size(h, size, stride)
    w_out = pool_output_size(w, size, stride)
    delta_out = np.zeros(x.shape)
    for n in range(n_images):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    # argmax returns the first maximum in row-major order.
                    u, v = divmod(int(np.argmax(window)), size)
                    delta_out[n, c, i * stride + u, j * stride + v] += delta_in[n, c, i, j]
    return delta_out


def avg_pool_forward(x, size=2, stride=2):
    x = np.asarray(x, dtype=np.float64)
    n_images, channels, h, w = x.shape
    h_out = pool_output_size(h, size, stride)
    w_out = pool_output_size(w, size, stride)
    out = np.zeros((n_images, channels, h_out, w_out))
    for n in range(n_images):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    out[n, c, i, j] = np.mean(x[n, c, i * stride:i * stride + size, j * stride:j * stride + size])
    return out


def avg_pool_backward(delta_in, x, size=2, stride=2):
    delta_in = np.asarray(delta_in, dtype=np.float64)
    shape = np.shape(x)
    n_images, channels, h_out, w_out = delta_in.shape
    delta_out = np.zeros(shape)
    for n in range(n_images):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    delta_out[n, c, i * stride:i * stride + size, j * stride:j * stride + size] += (
                        delta_in[n, c, i, j] / (size * size)
                    )
    return delta_out
