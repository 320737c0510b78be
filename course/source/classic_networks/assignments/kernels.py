# Generated from reference/ by `convlab release`. This is your copy to edit: replace
# each TODO(student) and the raise below it with your implementation.
"""The lecture's nine classic 3x3 kernels, and its colour-image demo: conv, ReLU, max pool."""
import numpy as np

from .conv_forward import conv2d_forward
from .layers import relu_forward
from .pooling import max_pool_forward


def classic_kernels():
    """The lecture's nine classic 3x3 kernels, as float64 (3, 3) arrays keyed by name.

    Keys and values, row by row, with what each responds to:
        sharpness        0,-1,0 / -1,5,-1 / 0,-1,0   a pixel brighter than its neighbours gets brighter
        vertical_edge    0,0,0 / -1,2,-1 / 0,0,0     a -1,2,-1 run across a row: vertical lines
        surround         1,1,1 / 1,-9,1 / 1,1,1      boosts the surround, flattens uniform areas
        sobel_y          -1,-2,-1 / 0,0,0 / 1,2,1    brightness change down the image: horizontal edges
        identity         0,0,0 / 0,1,0 / 0,0,0       "nothing": the output equals the input
        horizontal_edge  0,-1,0 / 0,2,0 / 0,-1,0     the same run down a column: horizontal lines
        blur             1/9 everywhere              local mean (the lecture prints 0.11; use exactly 1/9)
        sobel_x          -1,0,1 / -2,0,2 / -1,0,1    brightness change across the image: vertical edges
        emboss           2,0,0 / 0,-1,0 / 0,0,-1     a relief, lit from the top left

    Example: classic_kernels()["identity"][1, 1] == 1.0

    Common mistakes: 0.11 instead of 1/9 for blur; swapping the two edge kernels
    (the name says which LINES it finds, not which way its numbers run).
    """
    # TODO(student): implement classic_kernels — see the docstring above.
    raise NotImplementedError("classic_kernels: not implemented yet")


def conv_relu_pool(image, kernel):
    """The lecture's colour demo: one filter over a colour image, then ReLU, then 2x2 max pooling.

    Convention: `image` is (H, W, 3) as OpenCV reads it: height, width, then the
    channels in B, G, R order. The same (3, 3) `kernel` is applied to each of the
    three channels and the three responses are summed into ONE feature map (one
    filter, three kernels, no bias), stride 1, no padding. Then ReLU, then max
    pooling with a 2x2 window and stride 2.

    Shapes: image (H, W, 3), kernel (3, 3) ->
        conv (1, 1, H-2, W-2), relu (1, 1, H-2, W-2), pool (1, 1, (H-2)//2, (W-2)//2)
    An 80x80x3 image gives (1,1,78,78), (1,1,78,78), (1,1,39,39).

    Build it from your own conv2d_forward, relu_forward and max_pool_forward: move
    the channel axis first (NCHW) and give the filter the shape (1, 3, 3, 3).
    The lecture writes that filter as 3x1x3x3 (input channels first); PyTorch and
    this course store (C_out, C_in, KH, KW) = (1, 3, 3, 3).

    Common mistake: reshaping the (H, W, 3) image to (1, 3, H, W) instead of
    transposing it: the numbers end up in the wrong channels and positions.
    """
    # TODO(student): implement conv_relu_pool — see the docstring above.
    raise NotImplementedError("conv_relu_pool: not implemented yet")
