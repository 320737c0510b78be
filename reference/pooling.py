"""Max and mean pooling, forward and backward. Pooling has no parameters."""
import numpy as np

from .sizes import pool_output_size

### BEGIN SOLUTION
from numpy.lib.stride_tricks import sliding_window_view

# max_pool_backward works through the batch a few images at a time, about this many bytes
# of x: each part then stays in the CPU's cache through the F*F passes over its windows.
PART_BYTES = 1 << 21


def _windows(x, size, stride, writeable=False):
    # (N, C, H_out, W_out, F, F) strided view of every pooling window.
    h_out = pool_output_size(x.shape[2], size, stride)
    w_out = pool_output_size(x.shape[3], size, stride)
    windows = sliding_window_view(x, (size, size), axis=(2, 3), writeable=writeable)
    return windows[:, :, ::stride, ::stride][:, :, :h_out, :w_out]
### END SOLUTION


def max_pool_forward(x, size=2, stride=2):
    """Max pooling: the largest value of each size x size window.

    Shapes: x (N, C, H, W) -> (N, C, H_out, W_out), H_out = (H - F) // S + 1 with
    F = size and S = stride; likewise W_out. Channels are pooled independently.

    Worked example (lecture): [[1,3,0,3],[2,2,4,1],[4,2,0,0],[3,3,3,1]] with a 2x2
    window and stride 2 gives [[3, 4], [4, 3]].

    Common mistake: pooling across channels, or stepping by 1 instead of by stride.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    x = x.astype(np.result_type(x, np.float32), copy=False)
    windows = _windows(x, size, stride)
    # One np.maximum per position inside the window (F*F whole-array steps, in place): many
    # times faster than numpy's reduction over a great many tiny windows.
    out = windows[..., 0, 0].copy()
    for u, v in list(np.ndindex(size, size))[1:]:  # (0, 0) is already in out
        np.maximum(out, windows[..., u, v], out=out)
    return out
    ### END SOLUTION


def max_pool_backward(delta_in, x, size=2, stride=2):
    """Backward pass of max pooling: route each gradient to its window's maximum.

    Shapes: delta_in (N, C, H_out, W_out), x (N, C, H, W) the forward input
        -> delta_out (N, C, H, W).

    Rule: within each window the position that held the maximum receives that
    window's delta_in; every other position gets 0 from that window.
    - Ties: only the FIRST maximum in row-major order within the window (PyTorch's rule on the CPU).
    - Overlapping windows (stride < size): a position that is the maximum of several
      windows receives the SUM of their gradients.
    - Rows and columns that no window covers get 0.

    Worked example: x = [[1, 3], [2, 2]], one 2x2 window, delta_in = [[5]]
        -> [[0, 5], [0, 0]].

    Common mistakes:
    - Assigning (=) instead of adding (+=) when windows overlap.
    - Sending the gradient to every tied maximum (x == max gives a mask with several ones).
    """
    ### BEGIN SOLUTION
    delta_in = np.asarray(delta_in)
    x = np.asarray(x)
    dtype = np.result_type(delta_in, x, np.float32)
    delta_in = delta_in.astype(dtype, copy=False)
    x = x.astype(dtype, copy=False)
    delta_out = np.zeros(x.shape, dtype=dtype)
    step = max(1, PART_BYTES // max(1, x[:1].nbytes))
    for start in range(0, x.shape[0], step):
        part = slice(start, start + step)
        windows = _windows(x[part], size, stride)
        # The same windows on delta_out, to write into: [..., u, v] is position (u, v) of every window.
        out_windows = _windows(delta_out[part], size, stride, writeable=True)
        window_max = max_pool_forward(x[part], size, stride)
        # Visit the F*F positions of every window at once, in row-major order: the first
        # position that holds its window's maximum takes the window's gradient.
        unclaimed = np.ones(window_max.shape, dtype=bool)
        for u, v in np.ndindex(size, size):
            first_max = (windows[..., u, v] == window_max) & unclaimed
            unclaimed ^= first_max
            # += : where windows overlap, a position sums the gradients of every window it is the maximum of.
            out_windows[..., u, v] += delta_in[part] * first_max
    return delta_out
    ### END SOLUTION


def avg_pool_forward(x, size=2, stride=2):
    """Mean (average) pooling: the mean of each size x size window.

    Shapes: x (N, C, H, W) -> (N, C, H_out, W_out), as max_pool_forward.

    Worked example (lecture): [[1,3,0,3],[2,2,4,1],[4,2,0,0],[3,3,3,1]] with a 2x2
    window and stride 2 gives [[2, 2], [3, 1]].
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    x = x.astype(np.result_type(x, np.float32), copy=False)
    return _windows(x, size, stride).mean(axis=(4, 5))
    ### END SOLUTION


def avg_pool_backward(delta_in, x, size=2, stride=2):
    """Backward pass of mean pooling: each window position gets delta / (F * F).

    Shapes: delta_in (N, C, H_out, W_out), x (N, C, H, W) the forward input
    (only its shape is needed) -> delta_out (N, C, H, W).
    Overlapping windows add up; rows and columns no window covers get 0.

    Worked example: one 2x2 window over a 2x2 input, delta_in = [[8]] -> [[2, 2], [2, 2]].

    Common mistake: copying delta to every position without dividing by F * F.
    """
    ### BEGIN SOLUTION
    delta_in = np.asarray(delta_in)
    x = np.asarray(x)
    dtype = np.result_type(delta_in, x, np.float32)
    h_out, w_out = delta_in.shape[2:]
    share = delta_in.astype(dtype) / (size * size)
    delta_out = np.zeros(x.shape, dtype=dtype)
    # One strided add per offset inside the window: F*F vectorised steps.
    for u in range(size):
        for v in range(size):
            delta_out[:, :, u:u + (h_out - 1) * stride + 1:stride, v:v + (w_out - 1) * stride + 1:stride] += share
    return delta_out
    ### END SOLUTION
