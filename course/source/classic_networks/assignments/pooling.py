# Generated from reference/ by `convlab release`. This is your copy to edit: replace
# each TODO(student) and the raise below it with your implementation.
"""Max and mean pooling, forward and backward. Pooling has no parameters."""
import numpy as np

from .sizes import pool_output_size


def max_pool_forward(x, size=2, stride=2):
    """Max pooling: the largest value of each size x size window.

    Shapes: x (N, C, H, W) -> (N, C, H_out, W_out), H_out = (H - F) // S + 1 with
    F = size and S = stride; likewise W_out. Channels are pooled independently.

    Worked example (lecture): [[1,3,0,3],[2,2,4,1],[4,2,0,0],[3,3,3,1]] with a 2x2
    window and stride 2 gives [[3, 4], [4, 3]].

    Common mistake: pooling across channels, or stepping by 1 instead of by stride.
    """
    # TODO(student): implement max_pool_forward — see the docstring above.
    raise NotImplementedError("max_pool_forward: not implemented yet")


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
    # TODO(student): implement max_pool_backward — see the docstring above.
    raise NotImplementedError("max_pool_backward: not implemented yet")


def avg_pool_forward(x, size=2, stride=2):
    """Mean (average) pooling: the mean of each size x size window.

    Shapes: x (N, C, H, W) -> (N, C, H_out, W_out), as max_pool_forward.

    Worked example (lecture): [[1,3,0,3],[2,2,4,1],[4,2,0,0],[3,3,3,1]] with a 2x2
    window and stride 2 gives [[2, 2], [3, 1]].
    """
    # TODO(student): implement avg_pool_forward — see the docstring above.
    raise NotImplementedError("avg_pool_forward: not implemented yet")


def avg_pool_backward(delta_in, x, size=2, stride=2):
    """Backward pass of mean pooling: each window position gets delta / (F * F).

    Shapes: delta_in (N, C, H_out, W_out), x (N, C, H, W) the forward input
    (only its shape is needed) -> delta_out (N, C, H, W).
    Overlapping windows add up; rows and columns no window covers get 0.

    Worked example: one 2x2 window over a 2x2 input, delta_in = [[8]] -> [[2, 2], [2, 2]].

    Common mistake: copying delta to every position without dividing by F * F.
    """
    # TODO(student): implement avg_pool_backward — see the docstring above.
    raise NotImplementedError("avg_pool_backward: not implemented yet")
