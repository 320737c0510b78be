"""The nine kernels written out, and the colour demo with an explicit channel copy."""
import numpy as np

from .conv_forward import conv2d_forward
from .layers import relu_forward
from .pooling import max_pool_forward


def classic_kernels():
    kernels = {}
    kernels["sharpness"] = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float64)
    kernels["vertical_edge"] = np.array([[0, 0, 0], [-1, 2, -1], [0, 0, 0]], dtype=np.float64)
    kernels["surround"] = np.array([[1, 1, 1], [1, -9, 1], [1, 1, 1]], dtype=np.float64)
    kernels["sobel_y"] = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float64)
    kernels["identity"] = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=np.float64)
    kernels["horizontal_edge"] = np.array([[0, -1, 0], [0, 2, 0], [0, -1, 0]], dtype=np.float64)
    kernels["blur"] = np.ones((3, 3)) / 9
    kernels["sobel_x"] = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)
    kernels["emboss"] = np.array([[2, 0, 0], [0, -1, 0], [0, 0, -1]], dtype=np.float64)
    return kernels


def conv_relu_pool(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    height, width, channels = image.shape
    x = np.zeros((1, channels, height, width))
    for c in range(channels):
        x[0, c] = image[:, :, c]
    w = np.zeros((1, channels, 3, 3))
    for c in range(channels):
        w[0, c] = kernel
    conv = conv2d_forward(x, w, np.zeros(1))
    relu = relu_forward(conv)
    pool = max_pool_forward(relu, 2, 2)
    return conv, relu, pool
