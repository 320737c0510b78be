"""The course's exercises: every function the lecture derives, in numpy.

Import what you need from here, e.g. `from assignments import conv2d_forward`.
Each name is imported from its own file only when first used, so a syntax error
in one file (say lenet.py) never stops the exercises of the others.
"""
import importlib

# name -> the file (module) that defines it, in lecture order.
_HOME = {
    "conv1d_full": "warmup",
    "conv_output_size": "sizes",
    "pool_output_size": "sizes",
    "pad2d": "conv_forward",
    "conv2d_forward": "conv_forward",
    "classic_kernels": "kernels",
    "conv_relu_pool": "kernels",
    "rot180": "conv_backward",
    "dilate": "conv_backward",
    "conv2d_backward": "conv_backward",
    "max_pool_forward": "pooling",
    "max_pool_backward": "pooling",
    "avg_pool_forward": "pooling",
    "avg_pool_backward": "pooling",
    "relu_forward": "layers",
    "relu_backward": "layers",
    "softmax_cross_entropy": "layers",
    "LeNet": "lenet",
    # Part 6: the classic networks after LeNet.
    "network_shapes": "networks",
    "parameter_count": "networks",
    "receptive_field": "networks",
    "global_avg_pool_forward": "blocks",
    "global_avg_pool_backward": "blocks",
    "batchnorm2d_forward": "blocks",
    "batchnorm2d_backward": "blocks",
    "residual_block_forward": "blocks",
    "residual_block_backward": "blocks",
    "bottleneck_block_forward": "blocks",
    "bottleneck_block_backward": "blocks",
    "dense_block_forward": "blocks",
    "dense_block_backward": "blocks",
}

__all__ = list(_HOME)


def __getattr__(name):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_HOME))
