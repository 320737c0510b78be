"""The backward pass of a convolution layer, the way the lecture derives it.

delta_in = dJ/dZ arrives from the layer above; this layer returns
delta_out = dJ/dA for the layer below, and the gradients dw and db.
"""
import numpy as np

from .conv_forward import pad2d
from .sizes import conv_output_size

### BEGIN SOLUTION
from .conv_forward import WINDOW_BYTES, _cross_correlate, _flat_windows
### END SOLUTION


def rot180(w):
    """Rotate the last two axes by 180 degrees (flip up-down AND left-right).

    Shapes: (..., KH, KW) -> (..., KH, KW). Leading axes (C_out, C_in) keep their order.

    Example: rot180(np.array([[1, 2], [3, 4]])) == [[4, 3], [2, 1]]

    Common mistake: transposing (rows become columns) instead of rotating, or
    flipping only one axis.
    """
    ### BEGIN SOLUTION
    return np.asarray(w)[..., ::-1, ::-1].copy()
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    delta = np.asarray(delta)
    m, n = delta.shape[-2:]
    out = np.zeros(delta.shape[:-2] + ((m - 1) * stride + 1, (n - 1) * stride + 1), dtype=delta.dtype)
    out[..., ::stride, ::stride] = delta
    return out
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    delta_in = np.asarray(delta_in)
    x = np.asarray(x)
    w = np.asarray(w)
    dtype = np.result_type(delta_in, x, w, np.float32)
    delta_in = delta_in.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)
    n, c_in, h, wid = x.shape
    c_out, _, kh, kw = w.shape
    h_out = conv_output_size(h, kh, stride, padding)
    w_out = conv_output_size(wid, kw, stride, padding)
    xp = pad2d(x.astype(dtype, copy=False), padding)
    # Rows/columns of the padded input that no window reached (non-divisible stride).
    rest_h = xp.shape[2] - kh - (h_out - 1) * stride
    rest_w = xp.shape[3] - kw - (w_out - 1) * stride

    # Step 1 (at stride 1 the delta is already on the stride-1 grid).
    dilated = dilate(delta_in, stride) if stride > 1 else delta_in
    # Step 2: pad by K - 1 on each side, plus the rows/columns no window reached.
    m_rows, m_cols = dilated.shape[2:]
    spread = np.zeros((n, c_out, m_rows + 2 * (kh - 1) + rest_h, m_cols + 2 * (kw - 1) + rest_w), dtype=dtype)
    spread[:, :, kh - 1:kh - 1 + m_rows, kw - 1:kw - 1 + m_cols] = dilated
    # Step 4 before step 3: cropping P rows/columns from each side first skips the
    # products that would land on the padding and be thrown away.
    spread = spread[:, :, padding:padding + h + kh - 1, padding:padding + wid + kw - 1]
    # Step 3: delta_out[:, c] = sum over m of spread[:, m] * rot180(w)[m, c], a cross-correlation
    # like the forward pass's, with the output channels m in the role of its input channels.
    rotated = rot180(w)
    delta_out = _cross_correlate(spread, rotated.transpose(1, 0, 2, 3))

    # dw[m, c] = A_c * dilate(delta_in)_m, summed over the batch: only the non-zero
    # entries of the dilated delta count, so take them on the forward windows (stride S),
    # the forward pass's im2col columns, against delta_in laid out like those columns
    # (zeros where a column is no window).
    columns, row = _flat_windows(xp, kh, kw, stride)
    length = columns.shape[-1]
    flat_delta = np.zeros((n, c_out, h_out, row), dtype=dtype)
    flat_delta[:, :, :, :w_out] = delta_in
    flat_delta = flat_delta.reshape(n, c_out, h_out * row)[:, :, :length]
    # dw as a (C_in*KH*KW, C_out) matrix first: the faster order for these matrix products.
    dw_matrix = np.zeros((c_in * kh * kw, c_out), dtype=dtype)
    step = max(1, WINDOW_BYTES // (dw_matrix.shape[0] * length * xp.itemsize))
    for first in range(0, n, step):
        part = slice(first, first + step)
        windows = columns[part].reshape(-1, dw_matrix.shape[0], length)
        dw_matrix += np.matmul(windows, flat_delta[part].transpose(0, 2, 1)).sum(axis=0)
    dw = np.ascontiguousarray(dw_matrix.T).reshape(w.shape)
    db = delta_in.sum(axis=(0, 2, 3))
    return delta_out, dw, db
    ### END SOLUTION
