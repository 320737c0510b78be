"""Network arithmetic as a table of shape rules, and the receptive field as a product of strides."""
import math

from .sizes import conv_output_size, pool_output_size


def _window(layer, key):
    value = layer[key]
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _conv(shape, layer):
    c, h, w = shape
    (kh, kw), s, p = _window(layer, "kernel"), layer.get("stride", 1), layer.get("padding", 0)
    return layer["out_channels"], conv_output_size(h, kh, s, p), conv_output_size(w, kw, s, p)


def _pool(shape, layer):
    c, h, w = shape
    kh, kw = _window(layer, "size")
    sh, sw = (layer["stride"],) * 2 if "stride" in layer else (kh, kw)
    return c, pool_output_size(h, kh, sh), pool_output_size(w, kw, sw)


def _flatten(shape, layer):
    return (math.prod(shape),)


def _fc(shape, layer):
    return (layer["out"],)


# layer type -> (how many axes its input has, the rule for its output shape)
RULES = {"conv": (3, _conv), "pool": (3, _pool), "flatten": (3, _flatten), "fc": (1, _fc)}


def network_shapes(input_shape, layers):
    shapes = [tuple(input_shape)]
    for index, layer in enumerate(layers):
        rule = RULES.get(layer.get("type"))
        try:
            if rule is None or len(shapes[-1]) != rule[0]:
                raise ValueError(f"input {shapes[-1]} does not suit it")
            shapes.append(tuple(rule[1](shapes[-1], layer)))
        except ValueError as error:
            raise ValueError(f"layer {index} ({layer.get('type')}): {error}") from None
    return shapes[1:]


def parameter_count(input_shape, layers):
    shapes = [tuple(input_shape)] + network_shapes(input_shape, layers)
    per_layer = []
    for layer, before, after in zip(layers, shapes, shapes[1:]):
        if layer["type"] == "conv":
            weight_shape = (after[0], before[0], *_window(layer, "kernel"))
        elif layer["type"] == "fc":
            weight_shape = (after[0], before[0])
        else:
            per_layer.append(0)
            continue
        per_layer.append(math.prod(weight_shape) + weight_shape[0])
    return sum(per_layer), per_layer


def receptive_field(layers):
    # r = 1 + sum over layers of (K_l - 1) * (product of the strides before layer l)
    kernels, strides = [], []
    for index, layer in enumerate(layers):
        if layer.get("type") not in ("conv", "pool"):
            raise ValueError(f"layer {index}: not a conv or pool layer")
        kh, kw = _window(layer, "kernel" if layer["type"] == "conv" else "size")
        if kh != kw:
            raise ValueError(f"layer {index}: a {kh}x{kw} window is not square")
        kernels.append(kh)
        strides.append(layer.get("stride", 1 if layer["type"] == "conv" else kh))
    return 1 + sum((k - 1) * math.prod(strides[:i]) for i, k in enumerate(kernels))
