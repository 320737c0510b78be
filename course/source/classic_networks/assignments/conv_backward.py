# Generated from reference/ by `convlab release`. This is your copy to edit: replace
# each TODO(student) and the raise below it with your implementation.
"""The backward pass of a convolution layer, the way the lecture derives it.

delta_in = dJ/dZ arrives from the layer above; this layer returns
delta_out = dJ/dA for the layer below, and the gradients dw and db.
"""
import numpy as np

from .conv_forward import pad2d
from .sizes import conv_output_size


def rot180(w):
    """Rotate the last two axes by 180 degrees (flip up-down AND left-right).

    Shapes: (..., KH, KW) -> (..., KH, KW). Leading axes (C_out, C_in) keep their order.

    Example: rot180(np.array([[1, 2], [3, 4]])) == [[4, 3], [2, 1]]

    Common mistake: transposing (rows become columns) instead of rotating, or
    flipping only one axis.
    """
    # TODO(student): implement rot180 — see the docstring above.
    raise NotImplementedError("rot180: not implemented yet")


def dilate(delta, stride):
    """Insert stride - 1 zeros between neighbouring values of the last two axes.

    Why: a stride-S output is the stride-1 output sampled every S positions. Spreading
    delta_in back onto the stride-1 grid, with zeros where no output was taken,
    turns the backward pass of a strided layer into the stride-1 case.

    Shapes: (..., M, N) -> (..., (M - 1) * S + 1, (N - 1) * S + 1). stride = 1 returns a copy.

    Example (the lecture's case, S = 3): a 2x3 delta becomes 4x7:
        dilate([[1, 2, 3], [4, 5, 6]], 3) ==
            [[1, 0, 0, 2, 0, 0, 3],
             [0, 0, 0, 0, 0, 0, 0],
             [0, 0, 0, 0, 0, 0, 0],
             [4, 0, 0, 5, 0, 0, 6]]

    Common mistake: making it (M*S) x (N*S) as the lecture's prose says: no zeros
    come after the last value; follow the lecture's worked example.
    """
    # TODO(student): implement dilate — see the docstring above.
    raise NotImplementedError("dilate: not implemented yet")


def conv2d_backward(delta_in, x, w, stride=1, padding=0):
    """Backward pass of conv2d_forward(x, w, b, stride, padding): delta_out, dw and db.

    Convention: delta_in = dJ/dZ for Z = conv2d_forward(x, w, b, stride, padding).
    Gradients are SUMMED over the batch (not averaged): the loss already did any averaging.

    Shapes:
        delta_in (N, C_out, H_out, W_out), x (N, C_in, H, W), w (C_out, C_in, KH, KW)
        -> delta_out (N, C_in, H, W), dw (C_out, C_in, KH, KW), db (C_out,)

    The lecture's method (formulas 8 to 15):
        1. stride S > 1: D = dilate(delta_in, S), else D = delta_in;
        2. pad D by K - 1 zeros on each side (KH - 1 rows, KW - 1 columns);
        3. delta_out = sum over output channels m of  pad(D_m) * rot180(w[m])
           (* is cross-correlation, as in the forward pass);
        4. that gradient is for the PADDED input: crop P rows/columns from each side.
        dw[m, c] = A_c * D_m  (the padded input cross-correlated with the delta), summed over the batch;
        db[m] = sum of delta_in[:, m] over the batch and all positions.
    When (H + 2P - KH) is not divisible by S, the last rows (columns) of the input
    never reach the output: their gradient is 0, so pad D with extra zeros at the
    bottom (right) until the full correlation has the padded input's size.

    Worked example: x 3x3 (one channel), w 2x2, S = 1, P = 0 and delta_in = [[1, 0], [0, 0]]
    (only z[0, 0] matters): delta_out holds w in its top-left 2x2 corner, zeros elsewhere,
    dw = x[:2, :2] and db = [1].

    Common mistakes:
    - Forgetting rot180 (delta_out then matches only for symmetric kernels).
    - Rotating dw by 180 degrees: dw is a plain cross-correlation, no rotation.
    - Skipping the dilation when S > 1, or cropping the padding from the wrong side.
    - Averaging db (or dw) over the batch, or summing db over the wrong axes.
    """
    # TODO(student): implement conv2d_backward — see the docstring above.
    raise NotImplementedError("conv2d_backward: not implemented yet")
