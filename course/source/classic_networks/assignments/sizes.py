# Generated from reference/ by `convlab release`. This is your copy to edit: replace
# each TODO(student) and the raise below it with your implementation.
"""Output-size arithmetic for convolution and pooling layers."""
import numbers


def conv_output_size(in_size, kernel_size, stride=1, padding=0):
    """Length of a convolution's output along one axis (height or width).

    Convention: the kernel slides over the input padded with `padding` zeros on
    EACH side, in steps of `stride`, and only positions where it fits entirely count.

    Formula (lecture):
        out = floor((in_size - kernel_size + 2 * padding) / stride) + 1
    Use integer division (//): a fraction is truncated, never rounded.

    Examples: conv_output_size(5, 3, stride=2) == 2     # (5 - 3 + 0) // 2 + 1
              conv_output_size(4, 3, padding=1) == 4    # (4 - 3 + 2) // 1 + 1
              conv_output_size(6, 3, stride=2) == 2     # 3 // 2 = 1, not 1.5 and not 2

    Validation: raise ValueError with a clear message when in_size < 1,
    kernel_size < 1, stride < 1, padding < 0, the kernel is larger than the padded
    input, or any argument is not an integer (3.0 and True are rejected; numpy
    integers such as np.int64(3) are fine).

    Common mistakes:
    - Using / (true division): the result becomes a float such as 2.5.
    - Adding the padding once instead of twice (it is added on both sides).
    """
    # TODO(student): implement conv_output_size — see the docstring above.
    raise NotImplementedError("conv_output_size: not implemented yet")


def pool_output_size(in_size, pool_size, stride):
    """Length of a pooling layer's output along one axis.

    Convention: a pool_size x pool_size window moves in steps of `stride`; there is
    no padding. Depth (channels) is unchanged by pooling.

    Formula (lecture): out = floor((in_size - pool_size) / stride) + 1

    Examples: pool_output_size(4, 2, 2) == 2
              pool_output_size(5, 3, 1) == 3
              pool_output_size(7, 2, 2) == 3    # the last row is never covered

    Validation: as conv_output_size: ValueError for in_size < 1, pool_size < 1,
    stride < 1, a window larger than the input, or a non-integer argument.

    Common mistake: rounding (5 - 2) / 2 + 1 = 2.5 up to 3: truncate instead.
    """
    # TODO(student): implement pool_output_size — see the docstring above.
    raise NotImplementedError("pool_output_size: not implemented yet")
