"""network_shapes, parameter_count, receptive_field: the lecture's networks, checked against torch modules."""
import copy

import pytest

from . import classic_oracles as torch_nets
from .feedback import fail

LENET = [
    {"type": "conv", "out_channels": 6, "kernel": 5}, {"type": "pool", "size": 2},
    {"type": "conv", "out_channels": 16, "kernel": 5}, {"type": "pool", "size": 2},
    {"type": "flatten"}, {"type": "fc", "out": 120}, {"type": "fc", "out": 84}, {"type": "fc", "out": 10},
]
ALEXNET = [
    {"type": "conv", "out_channels": 96, "kernel": 11, "stride": 4}, {"type": "pool", "size": 3, "stride": 2},
    {"type": "conv", "out_channels": 256, "kernel": 5, "padding": 2}, {"type": "pool", "size": 3, "stride": 2},
    {"type": "conv", "out_channels": 384, "kernel": 3, "padding": 1},
    {"type": "conv", "out_channels": 384, "kernel": 3, "padding": 1},
    {"type": "conv", "out_channels": 256, "kernel": 3, "padding": 1}, {"type": "pool", "size": 3, "stride": 2},
    {"type": "flatten"}, {"type": "fc", "out": 4096}, {"type": "fc", "out": 4096}, {"type": "fc", "out": 1000},
]
VGG16 = [
    layer
    for repeats, channels in ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
    for layer in [{"type": "conv", "out_channels": channels, "kernel": 3, "padding": 1}] * repeats + [{"type": "pool", "size": 2}]
] + [{"type": "flatten"}, {"type": "fc", "out": 4096}, {"type": "fc", "out": 4096}, {"type": "fc", "out": 1000}]
# H != W, (KH, KW) windows, a stride with a remainder, a pool with the default stride.
ODD = [
    {"type": "conv", "out_channels": 5, "kernel": (3, 2), "stride": 2, "padding": 1},
    {"type": "pool", "size": (2, 3)},
    {"type": "conv", "out_channels": 7, "kernel": 2},
    {"type": "flatten"}, {"type": "fc", "out": 4},
]
C3 = {"type": "conv", "out_channels": 8, "kernel": 3, "padding": 1}

POOL_STRIDE = "a pool layer without \"stride\" stepped by 1; its stride defaults to its window's size (as in PyTorch)."


def _call(what, function, *args):
    before = copy.deepcopy(args)
    result = function(*args)
    if args != before:
        fail(f"{what} changed the layer dicts it was given; read defaults with layer.get(...), never write them in.")
    return result


def _plain(shapes):
    return [tuple(int(n) for n in shape) for shape in shapes] if isinstance(shapes, (list, tuple)) else shapes


def check_shapes(impl, input_shape, layers, name):
    what = f"network_shapes({input_shape}, {name})"
    got = _call(what, impl.network_shapes, input_shape, layers)
    expected = torch_nets.network_shapes(input_shape, layers)
    if not isinstance(got, (list, tuple)) or _plain(got) != expected:
        hint = ""
        if isinstance(got, (list, tuple)) and _plain(got) == torch_nets.network_shapes(input_shape, torch_nets.with_pool_stride_one(layers)):
            hint = f"\nLikely misconception: {POOL_STRIDE}"
        fail(f"{what}: expected {expected}, got {got}.{hint}")


@pytest.mark.network_shapes
@pytest.mark.parametrize("input_shape, layers, name", [
    ((1, 32, 32), LENET, "LeNet"),
    ((3, 227, 227), ALEXNET, "the lecture's AlexNet"),
    ((3, 224, 224), ALEXNET, "the lecture's AlexNet"),
    ((3, 19, 26), ODD, "[conv (3, 2) S=2 P=1, pool (2, 3), conv 2x2, flatten, fc 4]"),
])
def test_network_shapes_match_torch(impl, input_shape, layers, name):
    check_shapes(impl, input_shape, layers, name)


@pytest.mark.network_shapes
def test_a_layer_that_does_not_fit_raises_value_error_naming_it(impl):
    bad = [((3, 10, 10), ALEXNET, 0), ((2, 6, 6), [C3, {"type": "fc", "out": 10}], 1), ((4, 5, 7), [C3, {"type": "pool", "size": 6}], 1)]
    for input_shape, layers, index in bad:
        what = f"network_shapes({input_shape}, {layers[index]} as layer {index})"
        try:
            got = _call(what, impl.network_shapes, input_shape, layers)
        except ValueError as error:
            if f"layer {index}" not in str(error):
                fail(f"{what} raised ValueError({str(error)!r}); its message should name the layer: 'layer {index}'.")
            continue
        fail(f"{what} returned {got}; layer {index} does not fit, so it should raise ValueError naming it.")


@pytest.mark.parameter_count
@pytest.mark.parametrize("input_shape, layers, name, total", [
    ((1, 32, 32), LENET, "LeNet", 61_706),
    ((3, 227, 227), ALEXNET, "the lecture's AlexNet", 62_378_344),
    ((3, 224, 224), VGG16, "VGG-16", 138_357_544),
    ((3, 19, 26), ODD, "[conv (3, 2) S=2 P=1, pool (2, 3), conv 2x2, flatten, fc 4]", None),
])
def test_parameter_count_matches_torch(impl, input_shape, layers, name, total):
    what = f"parameter_count({input_shape}, {name})"
    expected = torch_nets.parameter_count(input_shape, layers)
    assert total is None or expected[0] == total
    got = _call(what, impl.parameter_count, input_shape, layers)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(f"{what}: expected (total, per_layer), got {got!r}.")
    if got[0] != expected[0] or list(got[1]) != expected[1]:
        hint = ""
        if got[0] == torch_nets.parameter_count(input_shape, layers, biases=False)[0]:
            hint = "\nLikely misconception: the biases are missing: each conv filter and each fc output has one."
        fail(f"{what}: expected total {expected[0]:,} with per_layer {expected[1]}, got {got[0]!r} with {list(got[1])}.{hint}")


@pytest.mark.receptive_field
@pytest.mark.parametrize("layers, name", [
    ([C3], "one 3x3 conv"),
    ([C3, C3], "two stacked 3x3 convs"),
    ([C3, C3, C3], "three stacked 3x3 convs"),
    ([C3, {"type": "pool", "size": 2}, C3, {"type": "conv", "out_channels": 4, "kernel": 5, "stride": 3}, C3], "conv, pool, conv, conv 5x5 S=3, conv"),
    (ALEXNET[:8], "the lecture's AlexNet up to its last pool"),
])
def test_receptive_field_matches_torch(impl, layers, name):
    what = f"receptive_field({name})"
    expected = torch_nets.receptive_field(layers)
    got = _call(what, impl.receptive_field, layers)
    if got != expected or isinstance(got, bool):
        strides_ignored = 1 + sum(
            (layer.get("kernel", layer.get("size")) - 1) for layer in layers
        )
        hint = ("\nLikely misconception: the windows were added up as if every stride were 1; "
                "grow the jump: r += (K - 1) * J, then J *= S.") if got == strides_ignored else ""
        fail(f"{what}: expected {expected}, got {got!r}.{hint}")


@pytest.mark.receptive_field
def test_receptive_field_refuses_fc_layers(impl):
    layers = [C3, {"type": "flatten"}, {"type": "fc", "out": 10}]
    try:
        got = impl.receptive_field(layers)
    except ValueError:
        return
    fail(f"receptive_field([conv, flatten, fc]) returned {got!r}; an fc output has no pixel: raise ValueError.")

