"""The lecture's nine classic 3x3 kernels, and its colour-image demo: conv, ReLU, max pool."""
import numpy as np


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
    rows = {
        "sharpness": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
        "vertical_edge": [[0, 0, 0], [-1, 2, -1], [0, 0, 0]],
        "surround": [[1, 1, 1], [1, -9, 1], [1, 1, 1]],
        "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
        "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
        "horizontal_edge": [[0, -1, 0], [0, 2, 0], [0, -1, 0]],
        "blur": np.full((3, 3), 1 / 9),
        "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
        "emboss": [[2, 0, 0], [0, -1, 0], [0, 0, -1]],
    }
    return {name: np.array(values, dtype=np.float64) for name, values in rows.items()}


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
    # Imported here, not at the top: classic_kernels needs none of them, so a file that
    # does not import yet (say layers.py) never stops it from being graded.
    from .conv_forward import conv2d_forward
    from .layers import relu_forward
    from .pooling import max_pool_forward

    image = np.asarray(image)
    x = image.transpose(2, 0, 1)[np.newaxis]
    w = np.broadcast_to(np.asarray(kernel, dtype=np.float64), (1, 3, 3, 3))
    conv = conv2d_forward(x, w, np.zeros(1))
    relu = relu_forward(conv)
    pool = max_pool_forward(relu, size=2, stride=2)
    return conv, relu, pool
