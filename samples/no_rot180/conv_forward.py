"""The forward pass of a convolution layer: zero padding and multi-channel cross-correlation."""
import numpy as np

from .sizes import conv_output_size

from numpy.lib.stride_tricks import sliding_window_view


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
    x = np.asarray(x)
    widths = [(0, 0)] * (x.ndim - 2) + [(padding, padding), (padding, padding)]
    return np.pad(x, widths)


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
    x = np.asarray(x)
    w = np.asarray(w)
    b = np.asarray(b)
    # float32 stays float32; integers and float64 compute in float64.
    dtype = np.result_type(x, w, b, np.float32)
    _, _, kh, kw = w.shape
    xp = pad2d(x.astype(dtype, copy=False), padding)
    h_out = conv_output_size(x.shape[2], kh, stride, padding)
    w_out = conv_output_size(x.shape[3], kw, stride, padding)
    # windows[n, c, i, j, u, v] = A[n, c, i*S + u, j*S + v]: a strided view, no copy yet.
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :h_out, :w_out]
    # w first: tensordot then copies the windows as (C_in*KH*KW, N*H_out*W_out) rows that
    # run along image rows, several times faster than copying them window by window.
    z = np.tensordot(w.astype(dtype, copy=False), windows, axes=([1, 2, 3], [1, 4, 5]))
    z += b.astype(dtype, copy=False)[:, np.newaxis, np.newaxis, np.newaxis]
    return np.ascontiguousarray(z.transpose(1, 0, 2, 3))
