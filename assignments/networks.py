# Generated from reference/ by `convlab release`. This is your copy to edit: replace
# each TODO(student) and the raise below it with your implementation.
"""Architecture arithmetic: what each layer of a network outputs, holds, and sees.

A network is a list of layers, each a dict, applied in order to one input of shape (C, H, W):

    {"type": "conv", "out_channels": C_out, "kernel": K, "stride": S, "padding": P}
        (C_in, H, W) -> (C_out, H_out, W_out); stride defaults to 1, padding to 0
    {"type": "pool", "size": F, "stride": S}
        (C, H, W) -> (C, H_out, W_out); stride defaults to the window's size (PyTorch's
        default, and the lecture's 2x2 stride-2 pooling); no padding; max or mean alike
    {"type": "flatten"}
        (C, H, W) -> (C * H * W,)
    {"type": "fc", "out": F_out}
        (F_in,) -> (F_out,)

kernel and size are an int K (a K x K window) or a pair (KH, KW); stride and padding are
ints. The layer dicts are never modified: a default is read, not written into the dict.

The lecture's AlexNet, as such a list (the lecture writes its input as 3x224x224):

    ALEXNET = [
        {"type": "conv", "out_channels": 96, "kernel": 11, "stride": 4},
        {"type": "pool", "size": 3, "stride": 2},
        {"type": "conv", "out_channels": 256, "kernel": 5, "padding": 2},
        {"type": "pool", "size": 3, "stride": 2},
        {"type": "conv", "out_channels": 384, "kernel": 3, "padding": 1},
        {"type": "conv", "out_channels": 384, "kernel": 3, "padding": 1},
        {"type": "conv", "out_channels": 256, "kernel": 3, "padding": 1},
        {"type": "pool", "size": 3, "stride": 2},
        {"type": "flatten"},
        {"type": "fc", "out": 4096},
        {"type": "fc", "out": 4096},
        {"type": "fc", "out": 1000},
    ]
"""
import numbers

from .sizes import conv_output_size, pool_output_size


def network_shapes(input_shape, layers):
    """The shape after each layer, for one input of shape input_shape = (C, H, W).

    Returns a list with one tuple per layer: (C, H, W) after a conv or pool layer, (F,)
    after flatten or fc. Sizes come from your conv_output_size and pool_output_size, so
    fractions are truncated. The batch axis is left out throughout.

    ValueError, its message naming the layer by its position in the list (from 0) and
    its type, when a layer does not fit: a kernel larger than the padded input, a pool
    window larger than its input, an fc layer on a (C, H, W) shape (flatten first), a
    conv or pool layer after flatten, an unknown type.

    Example: network_shapes((1, 32, 32), [
                 {"type": "conv", "out_channels": 6, "kernel": 5},
                 {"type": "pool", "size": 2},
                 {"type": "flatten"},
                 {"type": "fc", "out": 10}])
             == [(6, 28, 28), (6, 14, 14), (1176,), (10,)]
    The lecture's AlexNet (module docstring) on a 3x227x227 input starts
    (96, 55, 55), (96, 27, 27), ...; try the 3x224x224 the lecture writes.

    Common mistakes:
    - A pool layer without "stride" stepping by 1: its stride defaults to its size.
    - Flattening to H * W: flatten keeps every channel, C * H * W values.
    - Writing defaults into the layer dicts (layer.setdefault(...)): read them with layer.get.
    """
    # TODO(student): implement network_shapes — see the docstring above.
    raise NotImplementedError("network_shapes: not implemented yet")


def parameter_count(input_shape, layers):
    """(total, per_layer): how many numbers a network learns, weights plus biases.

    per_layer is a list with one int per layer:
        conv: C_out * C_in * KH * KW + C_out   (a filter holds one KH x KW kernel per
              input channel, and ONE bias)
        fc:   F_out * F_in + F_out
        pool, flatten: 0
    C_in and F_in are what reaches the layer, from network_shapes; total = sum(per_layer).

    Example: the lecture's LeNet on a (1, 32, 32) input, [conv 6@5x5, pool 2, conv 16@5x5,
    pool 2, flatten, fc 120, fc 84, fc 10], has 61,706 parameters:
        per_layer == [156, 0, 2416, 0, 0, 48120, 10164, 850]
    (conv1 6*1*5*5 + 6 = 156, conv2 16*6*5*5 + 16 = 2,416, fc1 120*400 + 120 = 48,120).
    VGG-16 has 138,357,544, most of them in its first fully connected layer.

    Common mistakes: leaving out the biases; counting C_out * KH * KW for a conv layer
    (each filter spans ALL input channels).
    """
    # TODO(student): implement parameter_count — see the docstring above.
    raise NotImplementedError("parameter_count: not implemented yet")


def receptive_field(layers):
    """The side of the square input region that one output pixel of the last layer sees.

    layers: conv and pool layers only, with square windows (an int K, or a pair (K, K)).
    Padding does not change it. Grow it layer by layer, tracking the jump J, the distance
    in input pixels between neighbouring positions of the current layer:
        r = 1, J = 1;  for each layer with window K and stride S:  r += (K - 1) * J;  J *= S
    (strides multiply: after a stride-2 layer, one step is 2 input pixels).

    ValueError for a flatten or fc layer (an fc output sees the whole input and has no
    pixel) and for a window with KH != KW.

    Examples (VGG's argument for 3x3 kernels):
        receptive_field([conv 3x3]) == 3
        receptive_field([conv 3x3, conv 3x3]) == 5         # sees what one 5x5 sees
        receptive_field([conv 3x3, conv 3x3, conv 3x3]) == 7
        receptive_field([conv 3x3, pool 2 (stride 2), conv 3x3]) == 8

    Common mistake: adding up (K - 1) without the jump, as if every stride were 1.
    """
    # TODO(student): implement receptive_field — see the docstring above.
    raise NotImplementedError("receptive_field: not implemented yet")
