"""The nine kernels in float32, and the colour demo with np.moveaxis."""
import numpy as np

from .conv_forward import conv2d_forward
from .layers import relu_forward
from .pooling import max_pool_forward


def classic_kernels():
    table = {
        "sharpness": "0 -1 0; -1 5 -1; 0 -1 0",
        "vertical_edge": "0 0 0; -1 2 -1; 0 0 0",
        "surround": "1 1 1; 1 -9 1; 1 1 1",
        "sobel_y": "-1 -2 -1; 0 0 0; 1 2 1",
        "identity": "0 0 0; 0 1 0; 0 0 0",
        "horizontal_edge": "0 -1 0; 0 2 0; 0 -1 0",
        "blur": "1 1 1; 1 1 1; 1 1 1",
        "sobel_x": "-1 0 1; -2 0 2; -1 0 1",
        "emboss": "2 0 0; 0 -1 0; 0 0 -1",
    }
    kernels = {
        name: np.array([row.split() for row in text.split(";")], dtype=np.float32)
        for name, text in table.items()
    }
    kernels["blur"] /= np.float32(9)
    return kernels


def conv_relu_pool(image, kernel):
    x = np.moveaxis(np.asarray(image, dtype=np.float32), -1, 0)[np.newaxis]
    w = np.repeat(np.asarray(kernel, dtype=np.float32)[np.newaxis, np.newaxis], x.shape[1], axis=1)
    conv = conv2d_forward(x, w, np.zeros(1, dtype=np.float32))
    relu = relu_forward(conv)
    return conv, relu, max_pool_forward(relu, 2, 2)
