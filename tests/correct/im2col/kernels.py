"""The nine kernels from outer products and shifts, and the colour demo with np.tile."""
import numpy as np

from .conv_forward import conv2d_forward
from .layers import relu_forward
from .pooling import max_pool_forward


def classic_kernels():
    centre = np.zeros((3, 3))
    centre[1, 1] = 1.0
    across = np.zeros((3, 3))
    across[1] = [-1.0, 2.0, -1.0]
    ring = np.ones((3, 3)) - centre
    cross = np.zeros((3, 3))
    cross[[0, 1, 1, 2], [1, 0, 2, 1]] = 1.0
    return {
        "sharpness": 5 * centre - cross,
        "vertical_edge": across,
        "surround": ring - 9 * centre,
        "sobel_y": np.outer([-1.0, 0.0, 1.0], [1.0, 2.0, 1.0]),
        "identity": centre,
        "horizontal_edge": across.T.copy(),
        "blur": np.full((3, 3), 1.0) / 9.0,
        "sobel_x": np.outer([1.0, 2.0, 1.0], [-1.0, 0.0, 1.0]),
        "emboss": np.diag([2.0, -1.0, -1.0]),
    }


def conv_relu_pool(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    x = np.einsum("hwc->chw", image)[None]
    w = np.tile(np.asarray(kernel, dtype=np.float64), (1, image.shape[2], 1, 1))
    conv = conv2d_forward(x, w, np.zeros(1))
    relu = relu_forward(conv)
    pool = max_pool_forward(relu, 2, 2)
    return conv, relu, pool
