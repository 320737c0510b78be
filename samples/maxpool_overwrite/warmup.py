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
    f = np.asarray(f, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    # Every product f[t] * g[s] lands in h[t + s]: sum the outer product along its anti-diagonals.
    products = np.multiply.outer(f, g)
    positions = np.add.outer(np.arange(f.size), np.arange(g.size))
    return np.bincount(positions.ravel(), weights=products.ravel(), minlength=f.size + g.size - 1)
