"""Part 6's expected answers and known wrong answers, from PyTorch on the CPU in float64.

A network's shapes and parameter counts come from torch modules built from the same layer
list, its receptive field from autograd through them; the blocks are written with F.conv2d,
torch.relu and torch.cat, batch normalization is nn.BatchNorm2d in training mode, and every
gradient comes from autograd. Each known mistake is the same torch computation with one thing
changed (a stride, a ReLU, a detach(), the variance's divisor).
"""
import torch
import torch.nn.functional as F
from torch import nn

from .oracles import numpy, tensor


def _window(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def torch_layers(input_shape, layers, ones=False):
    """nn modules for a layer list. ones=True: one channel, weights 1, biases 0, average pools and
    no padding, so the input gradient of one output pixel marks exactly the region it sees."""
    modules, shape = [], (1, *input_shape)
    for layer in layers:
        kind = layer["type"]
        if kind == "conv":
            channels, padding = (1, 0) if ones else (layer["out_channels"], layer.get("padding", 0))
            module = nn.Conv2d(shape[1], channels, _window(layer["kernel"]), layer.get("stride", 1), padding, device="meta" if not ones else None)
        elif kind == "pool":
            window = _window(layer["size"])
            module = (nn.AvgPool2d if ones else nn.MaxPool2d)(window, layer.get("stride", window))
        elif kind == "flatten":
            module = nn.Flatten()
        else:
            module = nn.Linear(shape[1], layer["out"], device="meta")
        if ones:
            with torch.no_grad():
                for name, parameter in module.named_parameters():
                    parameter.fill_(1.0 if name == "weight" else 0.0)
        shape = module(torch.empty(shape, device="cpu" if ones else "meta")).shape
        modules.append(module)
    return modules


def network_shapes(input_shape, layers):
    x, shapes = torch.empty((1, *input_shape), device="meta"), []
    for module in torch_layers(input_shape, layers):
        x = module(x)
        shapes.append(tuple(x.shape[1:]))
    return shapes


def parameter_count(input_shape, layers, biases=True):
    per_layer = [
        sum(p.numel() for name, p in module.named_parameters() if biases or name != "bias")
        for module in torch_layers(input_shape, layers)
    ]
    return sum(per_layer), per_layer


def receptive_field(layers):
    side = 1
    while True:
        try:
            modules = torch_layers((1, side, side), layers, ones=True)
            break
        except RuntimeError:
            side *= 2
    x = torch.zeros((1, 1, side, side), requires_grad=True)
    y = x
    for module in modules:
        y = module(y)
    y[0, 0, 0, 0].backward()
    rows = torch.nonzero(x.grad[0, 0].sum(dim=1)).flatten()
    return int(rows.max() - rows.min() + 1)


def with_pool_stride_one(layers):
    """The layer list as a student who lets a pool without "stride" step by 1 reads it."""
    return [dict(layer, stride=1) if layer["type"] == "pool" and "stride" not in layer else layer for layer in layers]


# --- the blocks ----------------------------------------------------------------------------------


def _conv(x, p, name, stride=1, padding=0):
    return F.conv2d(x, p[f"{name}.weight"], p.get(f"{name}.bias"), stride=stride, padding=padding)


def shortcut(x, p, stride=1):
    return _conv(x, p, "shortcut", stride) if "shortcut.weight" in p else x


def residual(x, p, stride=1, relu_before_add=False, detach_shortcut=False):
    branch = _conv(torch.relu(_conv(x, p, "conv1", stride, 1)), p, "conv2", 1, 1)
    skip = shortcut(x.detach() if detach_shortcut else x, p, stride)
    return torch.relu(branch) + skip if relu_before_add else torch.relu(branch + skip)


def bottleneck(x, p):
    a = torch.relu(_conv(torch.relu(_conv(x, p, "conv1")), p, "conv2", 1, 1))
    return torch.relu(_conv(a, p, "conv3") + shortcut(x, p))


def dense(x, p, num_layers, newest_first=False, read_detached=False):
    features = [x]
    for i in range(num_layers):
        seen = [f.detach() for f in features] if read_detached else features
        z = torch.cat(seen[::-1] if newest_first else seen, dim=1)
        features.append(_conv(torch.relu(z), p, f"layer{i}", 1, 1))
    return torch.cat(features[::-1] if newest_first else features, dim=1)


def block_forward(block, x, params, *options, **changes):
    with torch.no_grad():
        return numpy(block(tensor(x), {k: tensor(v) for k, v in params.items()}, *options, **changes))


def block_backward(block, delta_in, x, params, *options, **changes):
    """The gradient of every key of params, and "x", by autograd."""
    xt = tensor(x, True)
    p = {k: tensor(v, True) for k, v in params.items()}
    block(xt, p, *options, **changes).backward(tensor(delta_in))
    return {**{k: numpy(v.grad) for k, v in p.items()}, "x": numpy(xt.grad)}


def batchnorm(x, gamma, beta, eps=1e-5, unbiased=False, constant=None):
    """Batch normalization in training mode; constant="mean" or "variance" detaches that statistic."""
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    if constant == "mean":
        mean = mean.detach()
    variance = x.var(dim=(0, 2, 3), keepdim=True, unbiased=True) if unbiased else ((x - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
    if constant == "variance":
        variance = variance.detach()
    return gamma.view(1, -1, 1, 1) * (x - mean) / torch.sqrt(variance + eps) + beta.view(1, -1, 1, 1)


def _batchnorm2d(gamma, beta):
    """torch.nn.BatchNorm2d in training mode (batch statistics), holding gamma and beta."""
    layer = nn.BatchNorm2d(len(gamma), dtype=torch.float64).train()
    with torch.no_grad():
        layer.weight.copy_(tensor(gamma))
        layer.bias.copy_(tensor(beta))
    return layer


def batchnorm_forward(x, gamma, beta, **changes):
    with torch.no_grad():
        if not changes:
            return numpy(_batchnorm2d(gamma, beta)(tensor(x)))
        return numpy(batchnorm(tensor(x), tensor(gamma), tensor(beta), **changes))


def batchnorm_grads(delta_in, x, gamma, beta, **changes):
    """(dx, dgamma, dbeta) by autograd: of BatchNorm2d itself, or of the changed formula."""
    xt = tensor(x, True)
    if not changes:
        layer = _batchnorm2d(gamma, beta)
        layer(xt).backward(tensor(delta_in))
        return numpy(xt.grad), numpy(layer.weight.grad), numpy(layer.bias.grad)
    gt, bt = tensor(gamma, True), tensor(beta, True)
    batchnorm(xt, gt, bt, **changes).backward(tensor(delta_in))
    return numpy(xt.grad), numpy(gt.grad), numpy(bt.grad)
