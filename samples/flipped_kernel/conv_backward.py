"""The backward pass of a convolution layer, the way the lecture derives it.

delta_in = dJ/dZ arrives from the layer above; this layer returns
delta_out = dJ/dA for the layer below, and the gradients dw and db.
"""
import numpy as np

from .conv_forward import pad2d
from .sizes import conv_output_size

from numpy.lib.stride_tricks import sliding_window_view


def rot180(w):
    """Rotate the last two axes by 180 degrees (flip up-down AND left-right).

    Shapes: (..., KH, KW) -> (..., KH, KW). Leading axes (C_out, C_in) keep their order.

    Example: rot180(np.array([[1, 2], [3, 4]])) == [[4, 3], [2, 1]]

    Common mistake: transposing (rows become columns) instead of rotating, or
    flipping only one axis.
    """
    return np.asarray(w)[..., ::-1, ::-1].copy()


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
    delta = np.asarray(delta)
    m, n = delta.shape[-2:]
    out = np.zeros(delta.shape[:-2] + ((m - 1) * stride + 1, (n - 1) * stride + 1), dtype=delta.dtype)
    out[..., ::stride, ::stride] = delta
    return out


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
    delta_in = np.asarray(delta_in)
    x = np.asarray(x)
    w = np.asarray(w)
    dtype = np.result_type(delta_in, x, w, np.float32)
    delta_in = delta_in.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)
    _, _, h, wid = x.shape
    _, _, kh, kw = w.shape
    h_out = conv_output_size(h, kh, stride, padding)
    w_out = conv_output_size(wid, kw, stride, padding)
    xp = pad2d(x.astype(dtype, copy=False), padding)
    # Rows/columns of the padded input that no window reached (non-divisible stride).
    rest_h = xp.shape[2] - kh - (h_out - 1) * stride
    rest_w = xp.shape[3] - kw - (w_out - 1) * stride

    dilated = dilate(delta_in, stride)
    # Pad by K - 1 on each side (plus the rows/columns no window reached), channels
    # last: step 3 below then multiplies contiguous rows of channels.
    n, c_out, m_rows, m_cols = dilated.shape
    spread = np.zeros((n, m_rows + 2 * (kh - 1) + rest_h, m_cols + 2 * (kw - 1) + rest_w, c_out), dtype=dtype)
    spread[:, kh - 1:kh - 1 + m_rows, kw - 1:kw - 1 + m_cols, :] = dilated.transpose(0, 2, 3, 1)
    # Step 4 before step 3: starting the correlation P rows/columns in skips the
    # products that would land on the padding and be thrown away.
    spread = spread[:, padding:, padding:, :]
    # Step 3, one kernel position (u, v) at a time:
    #   delta_out[n, i, j, :] += spread[n, i + u, j + v, :] @ rot180(w)[:, :, u, v]
    # a matrix product over the output channels, on a view of `spread`: no copy of
    # every window (KH*KW times the size of the delta).
    rotated = rot180(w)
    delta_out = np.zeros((x.shape[0], h, wid, w.shape[1]), dtype=dtype)
    for u in range(kh):
        for v in range(kw):
            delta_out += spread[:, u:u + h, v:v + wid, :] @ rotated[:, :, u, v]
    delta_out = np.ascontiguousarray(delta_out.transpose(0, 3, 1, 2))

    # dw = A * dilate(delta_in): only the non-zero entries of the dilated delta
    # contribute, so evaluate it on the forward windows (stride S) directly.
    forward_windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :h_out, :w_out]
    dw = np.tensordot(forward_windows, delta_in, axes=([0, 2, 3], [0, 2, 3])).transpose(3, 0, 1, 2)
    db = delta_in.sum(axis=(0, 2, 3))
    return delta_out, dw, db
