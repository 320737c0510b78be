"""Network arithmetic with structural pattern matching; the receptive field grown by recursion."""
from .sizes import conv_output_size, pool_output_size


def _pair(value):
    match value:
        case (kh, kw) | [kh, kw]:
            return kh, kw
        case k:
            return k, k


def _after(shape, layer):
    match layer, shape:
        case {"type": "conv"}, (_, h, w):
            kh, kw = _pair(layer["kernel"])
            s, p = layer.get("stride", 1), layer.get("padding", 0)
            return (layer["out_channels"], conv_output_size(h, kh, s, p), conv_output_size(w, kw, s, p))
        case {"type": "pool"}, (c, h, w):
            kh, kw = _pair(layer["size"])
            sh = sw = layer.get("stride")
            if sh is None:
                sh, sw = kh, kw
            return (c, pool_output_size(h, kh, sh), pool_output_size(w, kw, sw))
        case {"type": "flatten"}, (c, h, w):
            return (c * h * w,)
        case {"type": "fc"}, (_,):
            return (layer["out"],)
    raise ValueError(f"a {layer.get('type')!r} layer cannot take an input of shape {shape}")


def network_shapes(input_shape, layers):
    shapes, shape = [], tuple(input_shape)
    for position, layer in enumerate(layers):
        try:
            shape = _after(shape, layer)
        except ValueError as problem:
            raise ValueError(f"layer {position} ({layer.get('type')}) does not fit: {problem}") from None
        shapes.append(shape)
    return shapes


def parameter_count(input_shape, layers):
    ins = [tuple(input_shape), *network_shapes(input_shape, layers)]
    per_layer = []
    for position, layer in enumerate(layers):
        c_in, out = ins[position][0], ins[position + 1][0]
        match layer["type"]:
            case "conv":
                kh, kw = _pair(layer["kernel"])
                per_layer.append(out * (c_in * kh * kw + 1))
            case "fc":
                per_layer.append(out * (c_in + 1))
            case _:
                per_layer.append(0)
    return sum(per_layer), per_layer


def receptive_field(layers, _jump=1):
    if not layers:
        return 1
    layer, rest = layers[0], layers[1:]
    if layer.get("type") not in ("conv", "pool"):
        raise ValueError(f"{layer.get('type')!r}: a receptive field needs conv and pool layers only")
    kh, kw = _pair(layer["kernel"] if layer["type"] == "conv" else layer["size"])
    if kh != kw:
        raise ValueError(f"a {kh}x{kw} window is not square")
    stride = layer.get("stride", 1 if layer["type"] == "conv" else kh)
    return (kh - 1) * _jump + receptive_field(rest, _jump * stride)
