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

### BEGIN SOLUTION
LAYER_TYPES = ("conv", "pool", "flatten", "fc")


def _name(index, layer):
    kind = layer.get("type") if isinstance(layer, dict) else None
    return f"layer {index} ({kind})" if isinstance(kind, str) else f"layer {index}"


def _pair(value, what):
    # An int K stands for K x K; a pair gives (KH, KW).
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{what} must be an int or a pair (KH, KW), got {value!r}")
        return value[0], value[1]
    return value, value


def _layer_output(shape, layer):
    """The shape after one layer; ValueError (without the layer's name) when it does not fit."""
    if not isinstance(layer, dict) or layer.get("type") not in LAYER_TYPES:
        raise ValueError(f"unknown layer {layer!r}: the type must be one of {', '.join(LAYER_TYPES)}")
    kind = layer["type"]
    if kind == "fc":
        if len(shape) != 1:
            raise ValueError(f"an fc layer needs a flat (F,) input, got {shape}: add a flatten layer before it")
        return (_positive(layer, "out"),)
    if len(shape) != 3:
        raise ValueError(f"a {kind} layer needs a (C, H, W) input, got {shape}")
    channels, height, width = shape
    if kind == "flatten":
        return (channels * height * width,)
    if kind == "conv":
        kh, kw = _pair(layer.get("kernel"), "kernel")
        stride, padding = layer.get("stride", 1), layer.get("padding", 0)
        out_h = conv_output_size(height, kh, stride, padding)
        out_w = conv_output_size(width, kw, stride, padding)
        return (_positive(layer, "out_channels"), out_h, out_w)
    fh, fw = _pair(layer.get("size"), "size")
    # Without a stride the window steps by its own size, along each axis (as in PyTorch).
    stride_h, stride_w = (layer["stride"], layer["stride"]) if "stride" in layer else (fh, fw)
    return (channels, pool_output_size(height, fh, stride_h), pool_output_size(width, fw, stride_w))


def _positive(layer, key):
    value = layer.get(key)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{key} must be a positive integer, got {value!r}")
    return int(value)
### END SOLUTION


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
    ### BEGIN SOLUTION
    shape = tuple(int(n) for n in input_shape)
    shapes = []
    for index, layer in enumerate(layers):
        try:
            shape = _layer_output(shape, layer)
        except ValueError as error:
            raise ValueError(f"{_name(index, layer)} does not fit: {error}") from None
        shapes.append(shape)
    return shapes
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    shapes = network_shapes(input_shape, layers)
    inputs = [tuple(input_shape)] + shapes[:-1]
    per_layer = []
    for layer, shape_in, shape_out in zip(layers, inputs, shapes):
        if layer["type"] == "conv":
            kh, kw = _pair(layer["kernel"], "kernel")
            per_layer.append(shape_out[0] * shape_in[0] * kh * kw + shape_out[0])
        elif layer["type"] == "fc":
            per_layer.append(shape_out[0] * shape_in[0] + shape_out[0])
        else:
            per_layer.append(0)
    return sum(per_layer), per_layer
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    field, jump = 1, 1
    for index, layer in enumerate(layers):
        kind = layer.get("type") if isinstance(layer, dict) else None
        if kind not in ("conv", "pool"):
            raise ValueError(f"{_name(index, layer)}: a receptive field is defined for conv and pool layers only")
        key = "kernel" if kind == "conv" else "size"
        kh, kw = _pair(layer[key], key)
        if kh != kw:
            raise ValueError(f"{_name(index, layer)}: the window {kh}x{kw} is not square")
        stride = layer.get("stride", 1 if kind == "conv" else kh)
        field += (kh - 1) * jump
        jump *= stride
    return field
    ### END SOLUTION
