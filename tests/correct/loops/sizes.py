"""Output sizes, with the checks written out one by one."""
import numpy as np


def _check_int(name, value, smallest):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < smallest:
        raise ValueError(f"{name} must be at least {smallest}, got {value}")
    return int(value)


def conv_output_size(in_size, kernel_size, stride=1, padding=0):
    in_size = _check_int("in_size", in_size, 1)
    kernel_size = _check_int("kernel_size", kernel_size, 1)
    stride = _check_int("stride", stride, 1)
    padding = _check_int("padding", padding, 0)
    if kernel_size > in_size + 2 * padding:
        raise ValueError("the kernel does not fit in the padded input")
    return (in_size - kernel_size + 2 * padding) // stride + 1


def pool_output_size(in_size, pool_size, stride):
    in_size = _check_int("in_size", in_size, 1)
    pool_size = _check_int("pool_size", pool_size, 1)
    stride = _check_int("stride", stride, 1)
    if pool_size > in_size:
        raise ValueError("the pooling window does not fit in the input")
    return (in_size - pool_size) // stride + 1
