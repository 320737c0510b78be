"""The forward pass of a convolution layer: zero padding and multi-channel cross-correlation."""
import numpy as np

from .sizes import conv_output_size

### BEGIN SOLUTION
from numpy.lib.stride_tricks import as_strided

# The windows are copied into a matrix a few images at a time, about this many bytes: each
# part then stays in the CPU's cache from its copy to its matrix product, which is several
# times faster for a large batch than copying every window first.
WINDOW_BYTES = 1 << 20


def _cross_correlate(a, w, stride=1, bias=None):
    """z[n, m, i, j] = sum_{c, u, v} a[n, c, i*S + u, j*S + v] * w[m, c, u, v] (+ bias[m]), every whole window.

    Shapes: a (N, C_in, H, W) (already padded), w (C_out, C_in, KH, KW), bias (C_out,) or None
        -> z (N, C_out, (H - KH) // S + 1, (W - KW) // S + 1), a view of a larger array
        (cutting it out would be one more copy); z's dtype is a's.

    im2col: each window becomes one column of a matrix, and the matrix product
    (C_out, C_in*KH*KW) @ (C_in*KH*KW, windows) gives every output value at once.
    The columns are taken along the image's rows laid end to end (R values apart,
    the row stride): window (i, j) starts at flat position i*S*R + j*S, so column
    q = i*R + j starts at q*S. Taking every q up to the last window, j >= W_out too,
    makes each row of the matrix one strided run of the image, fast to copy; the
    products of those extra columns are dropped.
    """
    c_out, c_in, kh, kw = w.shape
    h_out = (a.shape[2] - kh) // stride + 1
    w_out = (a.shape[3] - kw) // stride + 1
    columns, row = _flat_windows(a, kh, kw, stride)
    n, length = a.shape[0], columns.shape[-1]
    kernels = w.reshape(c_out, c_in * kh * kw)
    z = np.empty((n, c_out, h_out * row), dtype=a.dtype)
    step = max(1, WINDOW_BYTES // (kernels.shape[1] * length * a.itemsize))
    for first in range(0, n, step):
        part = slice(first, first + step)
        # The reshape copies this part's windows into (images, C_in*KH*KW, length) matrices.
        np.matmul(kernels, columns[part].reshape(-1, kernels.shape[1], length), out=z[part, :, :length])
    if bias is not None:
        z[:, :, length:] = 0  # never written: columns past the last window
        z += bias[:, np.newaxis]
    return z.reshape(n, c_out, h_out, row)[:, :, :, :w_out]


def _flat_windows(a, kh, kw, stride):
    """im2col's columns as a view: every whole KH x KW window of a, S apart; and the row length R.

    columns[n, c, u, v, q] = a[n, c, (q // R)*S + u, (q % R)*S + v] for q < (H_out - 1)*R + W_out,
    with H_out = (H - KH) // S + 1 and W_out = (W - KW) // S + 1: column q = i*R + j is
    window (i, j) for j < W_out, and holds no window for W_out <= j < R.
    """
    if a.strides[3] != a.itemsize or a.strides[2] % a.itemsize or a.strides[2] < a.shape[3] * a.itemsize:
        a = np.ascontiguousarray(a)  # the rows laid end to end need unit steps along a row
    sn, sc, sh, sw = a.strides
    row = sh // sw
    length = (a.shape[2] - kh) // stride * row + (a.shape[3] - kw) // stride + 1
    columns = as_strided(a, (a.shape[0], a.shape[1], kh, kw, length), (sn, sc, sh, sw, stride * sw), writeable=False)
    return columns, row
### END SOLUTION


def pad2d(x, padding):
    """Zero padding of the last two axes, `padding` zeros on each side.

    Shapes: x (..., H, W) -> (..., H + 2P, W + 2P). Leading axes (batch, channels)
    are untouched. padding = 0 returns a copy of x. x itself is never modified.

    Example: pad2d(np.array([[1, 2], [3, 4]]), 1) ==
        [[0, 0, 0, 0],
         [0, 1, 2, 0],
         [0, 3, 4, 0],
         [0, 0, 0, 0]]

    Common mistake: padding the batch and channel axes too (np.pad(x, P) pads every axis).
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    widths = [(0, 0)] * (x.ndim - 2) + [(padding, padding), (padding, padding)]
    return np.pad(x, widths)
    ### END SOLUTION


def conv2d_forward(x, w, b, stride=1, padding=0):
    """Forward pass of a convolution layer: Z = W * A + b, with * cross-correlation.

    Convention: cross-correlation, the kernel is NOT flipped (what the lecture and
    PyTorch's conv2d call convolution). Each output channel has one filter; a filter
    holds one KH x KW kernel per input channel and ONE bias, and its response is the
    sum over all input channels plus that bias.

    Shapes:
        x (N, C_in, H, W)   images, NCHW
        w (C_out, C_in, KH, KW)   (the PyTorch layout; the lecture's colour demo
                                   writes 3x1x3x3 with input channels first)
        b (C_out,)
        -> z (N, C_out, H_out, W_out), H_out = (H - KH + 2P) // S + 1, likewise W_out.
    H may differ from W and KH from KW.

    Formula: with A the input padded by P zeros on each side,
        z[n, m, i, j] = b[m] + sum_{c, u, v} A[n, c, i*S + u, j*S + v] * w[m, c, u, v]

    Worked example (lecture): one image, one channel,
        x = [[2,5,0,1],[6,7,1,2],[3,0,4,0],[3,9,7,4]], kernel [[1,0,1],[-1,1,0],[0,1,-1]],
        b = 0, stride 1 -> [[-1, 4], [6, 16]].
    On x = [[1,3,0,2,4],[4,7,4,1,0],[4,6,0,0,6],[3,2,8,1,2],[3,5,0,7,3]] the same
    kernel gives [[10,2,-5],[4,9,3],[8,5,3]] at stride 1 and [[10,-5],[8,3]] at
    stride 2: the stride-2 output samples every second stride-1 position.

    Common mistakes:
    - Flipping the kernel (that is true convolution, the warm-up, not a conv layer).
    - Forgetting to sum over input channels, or adding the bias once per channel.
    - Stepping the window by 1 when stride > 1, or computing H_out with /.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    w = np.asarray(w)
    b = np.asarray(b)
    # float32 stays float32; integers and float64 compute in float64.
    dtype = np.result_type(x, w, b, np.float32)
    _, _, kh, kw = w.shape
    # (P = 0: the input itself; pad2d would copy it.)
    xp = pad2d(x.astype(dtype, copy=False), padding) if padding else x.astype(dtype, copy=False)
    h_out = conv_output_size(x.shape[2], kh, stride, padding)
    w_out = conv_output_size(x.shape[3], kw, stride, padding)
    z = _cross_correlate(xp, w.astype(dtype, copy=False), stride, bias=b.astype(dtype, copy=False))
    return z[:, :, :h_out, :w_out]
    ### END SOLUTION
