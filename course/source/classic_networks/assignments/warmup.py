# Generated from reference/ by `convlab release`. This is your copy to edit: replace
# each TODO(student) and the raise below it with your implementation.
"""Warm-up: the TRUE convolution, and why the rest of the course does not flip the kernel."""
import numpy as np


def conv1d_full(f, g):
    """True (flipped) convolution of two 1-D sequences, full length.

    Convention: this is the mathematicians' convolution, h = f * g, in which one
    sequence is reversed before it slides. Every layer after this warm-up uses
    cross-correlation instead (no flip), as the lecture and every framework do.

    Shapes: f (A,), g (B,) -> h (A + B - 1,), float64.

    Formula (lecture, formulas 1 to 5):
        h[n] = sum_t f[t] * g[n - t],   over every t where both indices are valid.

    Worked example (the lecture's two dice): with index i meaning "the die shows i+1",
    two fair dice f = g = [1/6] * 6 give h[n] = P(sum = n + 2), so
        h[2] = P(sum = 4) = f(1)g(3) + f(2)g(2) + f(3)g(1) = 3/36.
    And conv1d_full([1, 2, 3], [0, 1, 0.5]) == [0, 1, 2.5, 4, 1.5].

    Common mistakes:
    - Sliding g without reversing it (that is cross-correlation, the operation
      used by conv layers; here the flip is the point).
    - Returning only the "valid" part: the output has len(f) + len(g) - 1 entries.
    """
    # TODO(student): implement conv1d_full — see the docstring above.
    raise NotImplementedError("conv1d_full: not implemented yet")
