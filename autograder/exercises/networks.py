"""network_shapes, parameter_count and receptive_field: the arithmetic of AlexNet, VGG and their kin.

The expected values come from torch modules built from the same layer list (oracle.py):
shapes from a meta tensor run through them, parameter counts from their parameters,
receptive fields from autograd. The known mistakes are those answers with one thing
changed (a pool's default stride, the biases, the strides of a receptive field).
"""
from __future__ import annotations

import numpy as np

from .. import oracle
from ..cases import Case, Label
from .spec import Check, Exercise, Mistake

NAMES = ("input_shape", "layers")
HIDDEN_CASES = 6
RF_HIDDEN_CASES = 5


def conv(out_channels, kernel, stride=None, padding=None) -> dict:
    layer = {"type": "conv", "out_channels": out_channels, "kernel": kernel}
    if stride is not None:
        layer["stride"] = stride
    if padding is not None:
        layer["padding"] = padding
    return layer


def pool(size, stride=None) -> dict:
    return {"type": "pool", "size": size} if stride is None else {"type": "pool", "size": size, "stride": stride}


FLATTEN = {"type": "flatten"}


def fc(out) -> dict:
    return {"type": "fc", "out": out}


# The lecture's networks, layer by layer.
LENET = [conv(6, 5), pool(2), conv(16, 5), pool(2), FLATTEN, fc(120), fc(84), fc(10)]
ALEXNET = [
    conv(96, 11, stride=4), pool(3, 2), conv(256, 5, padding=2), pool(3, 2),
    conv(384, 3, padding=1), conv(384, 3, padding=1), conv(256, 3, padding=1), pool(3, 2),
    FLATTEN, fc(4096), fc(4096), fc(1000),
]
VGG16_BLOCKS = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
VGG16 = [
    layer
    for repeats, channels in VGG16_BLOCKS
    for layer in [conv(channels, 3, padding=1)] * repeats + [pool(2)]
] + [FLATTEN, fc(4096), fc(4096), fc(1000)]
# The docstring's example: LeNet's first stage, then straight to 10 outputs.
DOCSTRING_NET = [conv(6, 5), pool(2), FLATTEN, fc(10)]
CONV3 = conv(1, 3)


def _copied(layers):
    # Every case gets its own dicts: a student who writes into one changes no other case.
    return [dict(layer) for layer in layers]


def _shown(key: str, number: int, args: tuple, arg_names=NAMES, **params) -> Case:
    return Case(Label(key, {"n": number, **params}), args, arg_names=arg_names, hidden=False)


def _network_case(number: int, name: str, input_shape, layers) -> Case:
    return _shown("case.network", number, (tuple(input_shape), _copied(layers)), name=name, shape=str(tuple(input_shape)))


def _hidden(number: int, input_shape, layers, arg_names=NAMES) -> Case:
    args = (tuple(input_shape), _copied(layers)) if arg_names == NAMES else (_copied(layers),)
    what = {"n": number, "shape": str(tuple(input_shape)), "count": len(layers)}
    return Case(Label("case.hidden_network" if arg_names == NAMES else "case.hidden_layers", what), args, arg_names=arg_names)


# --- random networks ----------------------------------------------------------------------------------


def _window(rng, low, high):
    """An int K, or a pair (KH, KW) with KH != KW."""
    if rng.random() < 0.5:
        return int(rng.integers(low, high + 1))
    kh, kw = (int(v) for v in rng.choice(np.arange(low, high + 1), size=2, replace=False))
    return (kh, kw)


def _fits(input_shape, layers) -> bool:
    try:
        oracle.network_shapes(input_shape, layers)
    except RuntimeError:
        return False
    return True


def random_layer(rng, *, square: bool = False) -> dict:
    """A conv or pool layer: windows 1 to 5 (pairs too unless square), strides 1 to 3, padding 0 to 2,
    stride and padding left to their defaults now and then."""
    if rng.random() < 0.6:
        kernel = int(rng.integers(1, 6)) if square else _window(rng, 1, 5)
        stride = int(rng.integers(1, 4)) if rng.random() < 0.7 else None
        padding = int(rng.integers(0, 3)) if rng.random() < 0.7 else None
        return conv(int(rng.integers(2, 17)), kernel, stride, padding)
    size = int(rng.integers(2, 4)) if square else _window(rng, 2, 3)
    stride = int(rng.integers(1, 4)) if rng.random() < 0.5 else None
    return pool(size, stride)


def random_network(rng, *, min_fc: int = 0) -> tuple[tuple[int, int, int], list[dict]]:
    """An input (C, H, W) with H != W, three to five conv/pool layers that fit it (at least one
    pool without a stride), then flatten and min_fc to 2 fc layers."""
    while True:
        h, w = (int(v) for v in rng.choice(np.arange(14, 41), size=2, replace=False))
        input_shape = (int(rng.integers(1, 4)), h, w)
        layers = [random_layer(rng) for _ in range(int(rng.integers(3, 6)))]
        if not any(layer["type"] == "pool" and "stride" not in layer for layer in layers):
            layers.append(pool(_window(rng, 2, 3)))
        layers += [FLATTEN] + [fc(int(rng.integers(3, 40))) for _ in range(int(rng.integers(min_fc, 3)))]
        if _fits(input_shape, layers):
            return input_shape, layers


def _telling(mistakes, target, args, right) -> bool:
    """Whether every known mistake of `target` gives another answer than `right` on these arguments."""
    for mistake in mistakes:
        if target not in mistake.outputs:
            continue
        try:
            if mistake.outputs[target](*args) == right:
                return False
        except Exception:  # a mistake that cannot apply here (it raises) tells it apart too
            continue
    return True


# --- the wrong answers ------------------------------------------------------------------------------------


def _pool_stride_one(layers):
    return [dict(layer, stride=1) if layer["type"] == "pool" and "stride" not in layer else layer for layer in layers]


def _shapes_pool_stride_one(input_shape, layers):
    return oracle.network_shapes(input_shape, _pool_stride_one(layers))


def _shapes_flatten_drops_channels(input_shape, layers):
    shapes = list(oracle.network_shapes(input_shape, layers))
    before = [tuple(input_shape)] + shapes[:-1]
    for index, layer in enumerate(layers):
        if layer["type"] == "flatten":
            shapes[index] = (before[index][1] * before[index][2],)
    return tuple(shapes)


def _shapes_with_input(input_shape, layers):
    shapes = oracle.network_shapes(input_shape, layers)
    return (tuple(input_shape),) + shapes[:-1]


def _counts_changed(change):
    """parameter_count with change(layer, count, shape_in, shape_out) -> the wrong count of each layer."""

    def wrong(input_shape, layers):
        shapes = oracle.network_shapes(input_shape, layers)
        _, right = oracle.parameter_count(input_shape, layers)
        before = (tuple(input_shape),) + shapes[:-1]
        counts = tuple(change(layer, count, shape_in, shape_out) for layer, count, shape_in, shape_out in zip(layers, right, before, shapes))
        return sum(counts), counts

    return wrong


def _without_bias(layer, count, shape_in, shape_out):
    return count - shape_out[0] if layer["type"] in ("conv", "fc") else count


def _conv_one_input_channel(layer, count, shape_in, shape_out):
    # C_out * KH * KW + C_out: a filter counted as one kernel, not one per input channel.
    if layer["type"] != "conv":
        return count
    weights = count - shape_out[0]
    return weights // shape_in[0] + shape_out[0]


def _field_strides_ignored(layers):
    return oracle.receptive_field([dict(layer, stride=1) for layer in layers])


def _field_own_stride(layers):
    # The jump multiplied by the layer's own stride before its window is added.
    field, jump = 1, 1
    for layer in layers:
        window = oracle._window(layer["kernel"] if layer["type"] == "conv" else layer["size"])[0]
        jump *= layer.get("stride", 1 if layer["type"] == "conv" else window)
        field += (window - 1) * jump
    return field


def _field_pool_stride_one(layers):
    return oracle.receptive_field(_pool_stride_one(layers))


SHAPE_MISTAKES = (
    Mistake("pool_default_stride_one", {"network_shapes": _shapes_pool_stride_one}),
    Mistake("flatten_drops_channels", {"network_shapes": _shapes_flatten_drops_channels}),
    Mistake("shapes_include_input", {"network_shapes": _shapes_with_input}),
)
COUNT_MISTAKES = (
    Mistake("params_no_bias", {"parameter_count": _counts_changed(_without_bias)}),
    Mistake("params_one_input_channel", {"parameter_count": _counts_changed(_conv_one_input_channel)}),
    Mistake("pool_default_stride_one", {"parameter_count": lambda shape, layers: oracle.parameter_count(shape, _pool_stride_one(layers))}),
)
FIELD_MISTAKES = (
    Mistake("field_strides_ignored", {"receptive_field": _field_strides_ignored}),
    Mistake("field_own_stride", {"receptive_field": _field_own_stride}),
    Mistake("pool_default_stride_one", {"receptive_field": _field_pool_stride_one}),
)


# --- network_shapes --------------------------------------------------------------------------------------


def _shapes_lecture(rng):
    return [
        _shown("case.example", 1, ((1, 32, 32), _copied(DOCSTRING_NET))),
        _network_case(2, "LeNet", (1, 32, 32), LENET),
        _network_case(3, "AlexNet", (3, 227, 227), ALEXNET),
        _network_case(4, "AlexNet", (3, 224, 224), ALEXNET),
    ]


def _hidden_networks(rng, target, mistakes, *, min_fc):
    cases = []
    while len(cases) < HIDDEN_CASES:
        input_shape, layers = random_network(rng, min_fc=min_fc)
        args = (input_shape, layers)
        if _telling(mistakes, target, args, oracle.ORACLES[target](*args)):
            cases.append(_hidden(len(cases) + 1, input_shape, layers))
    return cases


def _shapes_hidden(rng):
    return _hidden_networks(rng, "network_shapes", SHAPE_MISTAKES, min_fc=0)


BAD_NETWORKS = (
    ("case.bad_kernel", (3, 10, 10), ALEXNET),
    ("case.bad_pool", (4, 5, 7), [conv(4, 3), pool(4)]),
    ("case.bad_fc", (2, 6, 6), [conv(3, 3), fc(10)]),
    ("case.bad_after_flatten", (2, 6, 6), [FLATTEN, conv(3, 3)]),
)


def _shapes_validation(rng):
    return [
        Case(Label(key, {"n": n, "shape": str(shape)}), (shape, _copied(layers)), arg_names=NAMES, hidden=False, expect_error="ValueError")
        for n, (key, shape, layers) in enumerate(BAD_NETWORKS, 1)
    ]


# --- parameter_count ------------------------------------------------------------------------------------


def _count_lecture(rng):
    return [
        _network_case(1, "LeNet", (1, 32, 32), LENET),
        _network_case(2, "AlexNet", (3, 227, 227), ALEXNET),
        _network_case(3, "VGG-16", (3, 224, 224), VGG16),
    ]


def _count_hidden(rng):
    return _hidden_networks(rng, "parameter_count", COUNT_MISTAKES, min_fc=1)


# --- receptive_field -------------------------------------------------------------------------------------


def _field_lecture(rng):
    cases = [_shown("case.stacked_3x3", n, ([dict(CONV3) for _ in range(n)],), ("layers",), count=n) for n in (1, 2, 3)]
    return cases + [_shown("case.example", 4, ([conv(1, 3), pool(2), conv(1, 3)],), ("layers",))]


def _field_hidden(rng):
    cases = []
    while len(cases) < RF_HIDDEN_CASES:
        layers = [random_layer(rng, square=True) for _ in range(int(rng.integers(3, 7)))]
        layers = [dict(layer, kernel=(layer["kernel"],) * 2) if layer["type"] == "conv" and rng.random() < 0.3 else layer for layer in layers]
        if not any(layer["type"] == "pool" and "stride" not in layer for layer in layers):
            layers.append(pool(int(rng.integers(2, 4))))
        if _telling(FIELD_MISTAKES, "receptive_field", (layers,), oracle.receptive_field(layers)):
            cases.append(_hidden(len(cases) + 1, (), layers, ("layers",)))
    return cases


def _field_validation(rng):
    bad = (("case.field_fc", [conv(4, 3), FLATTEN, fc(10)]), ("case.field_not_square", [conv(4, 3), conv(4, (1, 3))]))
    return [
        Case(Label(key, {"n": n}), (_copied(layers),), arg_names=("layers",), hidden=False, expect_error="ValueError")
        for n, (key, layers) in enumerate(bad, 1)
    ]


EXERCISES = (
    Exercise(
        id="network_shapes",
        api=("network_shapes",),
        checks=(
            Check("lecture", _shapes_lecture, target="network_shapes"),
            Check("hidden", _shapes_hidden, target="network_shapes"),
            Check("validation", _shapes_validation, target="network_shapes"),
        ),
        mistakes=SHAPE_MISTAKES,
    ),
    Exercise(
        id="parameter_count",
        api=("parameter_count",),
        checks=(
            Check("lecture", _count_lecture, target="parameter_count", leaves=("total", "per_layer")),
            Check("hidden", _count_hidden, target="parameter_count", leaves=("total", "per_layer")),
        ),
        mistakes=COUNT_MISTAKES,
    ),
    Exercise(
        id="receptive_field",
        api=("receptive_field",),
        checks=(
            Check("lecture", _field_lecture, target="receptive_field"),
            Check("hidden", _field_hidden, target="receptive_field"),
            Check("validation", _field_validation, target="receptive_field"),
        ),
        mistakes=FIELD_MISTAKES,
    ),
)
