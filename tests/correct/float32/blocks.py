"""The blocks in float32 throughout, on the float32 layers of this folder."""
import numpy as np

from .conv_backward import conv2d_backward
from .conv_forward import conv2d_forward
from .layers import relu_backward, relu_forward

F32 = np.float32
AXES = (0, 2, 3)


def global_avg_pool_forward(x):
    return np.asarray(x, dtype=F32).mean(axis=(2, 3), dtype=F32)


def global_avg_pool_backward(delta_in, x):
    n, c, h, w = np.shape(x)
    out = np.empty((n, c, h, w), dtype=F32)
    out[...] = (np.asarray(delta_in, dtype=F32) / F32(h * w))[:, :, None, None]
    return out


def _normalised(x, eps):
    x = np.asarray(x, dtype=F32)
    mean = x.mean(axis=AXES, keepdims=True, dtype=F32)
    var = x.var(axis=AXES, keepdims=True, dtype=F32)
    return (x - mean) / np.sqrt(var + F32(eps)), np.sqrt(var + F32(eps))


def batchnorm2d_forward(x, gamma, beta, eps=1e-5):
    x_hat, _ = _normalised(x, eps)
    return np.asarray(gamma, dtype=F32).reshape(1, -1, 1, 1) * x_hat + np.asarray(beta, dtype=F32).reshape(1, -1, 1, 1)


def batchnorm2d_backward(delta_in, x, gamma, beta, eps=1e-5):
    x_hat, std = _normalised(x, eps)
    d = np.asarray(delta_in, dtype=F32)
    dbeta = d.sum(axis=AXES, dtype=F32)
    dgamma = (d * x_hat).sum(axis=AXES, dtype=F32)
    m = F32(d.size // d.shape[1])
    g = np.asarray(gamma, dtype=F32).reshape(1, -1, 1, 1)
    dx = g / (m * std) * (m * d - dbeta.reshape(1, -1, 1, 1) - x_hat * dgamma.reshape(1, -1, 1, 1))
    return dx, dgamma, dbeta


def _conv(x, params, name, stride=1, padding=0):
    weight = params[f"{name}.weight"]
    bias = params.get(f"{name}.bias", np.zeros(len(weight), dtype=F32))
    return conv2d_forward(x, weight, bias, stride, padding)


def _add_shortcut(branch, x, params, stride):
    return branch + (_conv(x, params, "shortcut", stride) if "shortcut.weight" in params else np.asarray(x, dtype=F32))


def _shortcut_grad(d, x, params, stride, grads):
    if "shortcut.weight" not in params:
        return d
    dx, grads["shortcut.weight"], _ = conv2d_backward(d, x, params["shortcut.weight"], stride, 0)
    return dx


def residual_block_forward(x, params, stride=1):
    branch = _conv(relu_forward(_conv(x, params, "conv1", stride, 1)), params, "conv2", 1, 1)
    return relu_forward(_add_shortcut(branch, x, params, stride))


def residual_block_backward(delta_in, x, params, stride=1):
    z1 = _conv(x, params, "conv1", stride, 1)
    a1 = relu_forward(z1)
    d = relu_backward(delta_in, _add_shortcut(_conv(a1, params, "conv2", 1, 1), x, params, stride))
    grads = {}
    da1, grads["conv2.weight"], grads["conv2.bias"] = conv2d_backward(d, a1, params["conv2.weight"], 1, 1)
    dx, grads["conv1.weight"], grads["conv1.bias"] = conv2d_backward(relu_backward(da1, z1), x, params["conv1.weight"], stride, 1)
    dx = dx + _shortcut_grad(d, x, params, stride, grads)
    return {**{name: grads[name] for name in params}, "x": dx}


def bottleneck_block_forward(x, params):
    a1 = relu_forward(_conv(x, params, "conv1"))
    a2 = relu_forward(_conv(a1, params, "conv2", 1, 1))
    return relu_forward(_add_shortcut(_conv(a2, params, "conv3"), x, params, 1))


def bottleneck_block_backward(delta_in, x, params):
    z1 = _conv(x, params, "conv1")
    a1 = relu_forward(z1)
    z2 = _conv(a1, params, "conv2", 1, 1)
    a2 = relu_forward(z2)
    d = relu_backward(delta_in, _add_shortcut(_conv(a2, params, "conv3"), x, params, 1))
    grads = {}
    da2, grads["conv3.weight"], grads["conv3.bias"] = conv2d_backward(d, a2, params["conv3.weight"])
    da1, grads["conv2.weight"], grads["conv2.bias"] = conv2d_backward(relu_backward(da2, z2), a1, params["conv2.weight"], 1, 1)
    dx, grads["conv1.weight"], grads["conv1.bias"] = conv2d_backward(relu_backward(da1, z1), x, params["conv1.weight"])
    dx = dx + _shortcut_grad(d, x, params, 1, grads)
    return {**{name: grads[name] for name in params}, "x": dx}


def _dense(x, params, num_layers):
    features = [np.asarray(x, dtype=F32)]
    seen = []
    for i in range(num_layers):
        z = np.concatenate(features, axis=1)
        seen.append(z)
        features.append(_conv(relu_forward(z), params, f"layer{i}", 1, 1))
    return features, seen


def dense_block_forward(x, params, num_layers):
    return np.concatenate(_dense(x, params, num_layers)[0], axis=1)


def dense_block_backward(delta_in, x, params, num_layers):
    features, seen = _dense(x, params, num_layers)
    bounds = np.cumsum([0] + [f.shape[1] for f in features])
    d = np.asarray(delta_in, dtype=F32)
    pieces = [d[:, bounds[j]:bounds[j + 1]].copy() for j in range(len(features))]
    grads = {}
    for i in range(num_layers - 1, -1, -1):
        da, grads[f"layer{i}.weight"], grads[f"layer{i}.bias"] = conv2d_backward(pieces[i + 1], relu_forward(seen[i]), params[f"layer{i}.weight"], 1, 1)
        dz = relu_backward(da, seen[i])
        for j in range(i + 1):
            pieces[j] += dz[:, bounds[j]:bounds[j + 1]]
    return {**{name: grads[name] for name in params}, "x": pieces[0]}
