# Generated from reference/ by `convlab release`. This is your copy to edit: replace
# each TODO(student) and the raise below it with your implementation.
"""The forward pass of a convolution layer: zero padding and multi-channel cross-correlation."""
import numpy as np

from .sizes import conv_output_size


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
    # TODO(student): implement pad2d — see the docstring above.
    raise NotImplementedError("pad2d: not implemented yet")


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
    # TODO(student): implement conv2d_forward — see the docstring above.
    raise NotImplementedError("conv2d_forward: not implemented yet")
