"""Network arithmetic with plain loops and if/else, one layer at a time."""
from .sizes import conv_output_size, pool_output_size


def _hw(value):
    if isinstance(value, int):
        return value, value
    kh, kw = value
    return kh, kw


def network_shapes(input_shape, layers):
    c, h, w = input_shape
    flat = None
    result = []
    for number in range(len(layers)):
        layer = layers[number]
        kind = layer.get("type")
        try:
            if kind == "conv" or kind == "pool":
                if flat is not None:
                    raise ValueError("needs a (C, H, W) input, got a flat one")
                if kind == "conv":
                    kh, kw = _hw(layer["kernel"])
                    stride = layer["stride"] if "stride" in layer else 1
                    padding = layer["padding"] if "padding" in layer else 0
                    h = conv_output_size(h, kh, stride, padding)
                    w = conv_output_size(w, kw, stride, padding)
                    c = layer["out_channels"]
                else:
                    kh, kw = _hw(layer["size"])
                    if "stride" in layer:
                        h = pool_output_size(h, kh, layer["stride"])
                        w = pool_output_size(w, kw, layer["stride"])
                    else:
                        h = pool_output_size(h, kh, kh)
                        w = pool_output_size(w, kw, kw)
                result.append((c, h, w))
            elif kind == "flatten":
                if flat is not None:
                    raise ValueError("already flat")
                flat = c * h * w
                result.append((flat,))
            elif kind == "fc":
                if flat is None:
                    raise ValueError("an fc layer needs flatten first")
                flat = layer["out"]
                result.append((flat,))
            else:
                raise ValueError(f"no layer type {kind!r}")
        except ValueError as error:
            raise ValueError(f"layer {number} ({kind}) does not fit: {error}") from None
    return result


def parameter_count(input_shape, layers):
    shapes = network_shapes(input_shape, layers)
    counts = []
    previous = input_shape
    for layer, shape in zip(layers, shapes):
        if layer["type"] == "conv":
            kh, kw = _hw(layer["kernel"])
            weights = 0
            for _ in range(shape[0]):
                weights += previous[0] * kh * kw
            counts.append(weights + shape[0])
        elif layer["type"] == "fc":
            counts.append(previous[0] * shape[0] + shape[0])
        else:
            counts.append(0)
        previous = shape
    total = 0
    for count in counts:
        total += count
    return total, counts


def receptive_field(layers):
    # Walk back from one output pixel: the region it sees in each earlier layer.
    sides = []
    for number, layer in enumerate(layers):
        if layer["type"] not in ("conv", "pool"):
            raise ValueError(f"layer {number}: only conv and pool layers have a receptive field")
        kh, kw = _hw(layer["kernel"] if layer["type"] == "conv" else layer["size"])
        if kh != kw:
            raise ValueError(f"layer {number}: the window is not square")
        default = 1 if layer["type"] == "conv" else kh
        sides.append((kh, layer.get("stride", default)))
    region = 1
    for kernel, stride in reversed(sides):
        region = (region - 1) * stride + kernel
    return region
