"""The blocks with einsum and preallocated arrays: batch statistics as reshaped matrices,
the dense block written into one array it grows in place."""
import numpy as np

from .conv_backward import conv2d_backward
from .conv_forward import conv2d_forward
from .layers import relu_backward, relu_forward


def global_avg_pool_forward(x):
    x = np.asarray(x, dtype=np.float64)
    n, c, h, w = x.shape
    return np.einsum("ncp->nc", x.reshape(n, c, h * w)) / (h * w)


def global_avg_pool_backward(delta_in, x):
    n, c, h, w = np.shape(x)
    return np.repeat(np.asarray(delta_in, dtype=np.float64) / (h * w), h * w, axis=1).reshape(n, c, h, w)


def _channels_first(x):
    # (N, C, H, W) -> (C, N*H*W): one row per channel.
    return np.moveaxis(np.asarray(x, dtype=np.float64), 1, 0).reshape(np.shape(x)[1], -1)


def _back(rows, shape):
    n, c, h, w = shape
    return np.moveaxis(rows.reshape(c, n, h, w), 0, 1)


def batchnorm2d_forward(x, gamma, beta, eps=1e-5):
    rows = _channels_first(x)
    centred = rows - rows.mean(axis=1, keepdims=True)
    x_hat = centred / np.sqrt(np.einsum("cm,cm->c", centred, centred)[:, None] / rows.shape[1] + eps)
    return _back(np.asarray(gamma)[:, None] * x_hat + np.asarray(beta)[:, None], np.shape(x))


def batchnorm2d_backward(delta_in, x, gamma, beta, eps=1e-5):
    rows, d = _channels_first(x), _channels_first(delta_in)
    m = rows.shape[1]
    centred = rows - rows.mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(np.einsum("cm,cm->c", centred, centred) / m + eps)
    x_hat = centred * inv_std[:, None]
    dbeta = d.sum(axis=1)
    dgamma = np.einsum("cm,cm->c", d, x_hat)
    dx = (np.asarray(gamma) * inv_std / m)[:, None] * (m * d - dbeta[:, None] - x_hat * dgamma[:, None])
    return _back(dx, np.shape(x)), dgamma, dbeta


def _projection(x, params, stride):
    w = params.get("shortcut.weight")
    return x if w is None else conv2d_forward(x, w, np.zeros(len(w)), stride, 0)


def _gradients(params, found, dx):
    return {**{name: found[name] for name in params}, "x": dx}


def residual_block_forward(x, params, stride=1):
    x = np.asarray(x, dtype=np.float64)
    h = relu_forward(conv2d_forward(x, params["conv1.weight"], params["conv1.bias"], stride, 1))
    return relu_forward(conv2d_forward(h, params["conv2.weight"], params["conv2.bias"], 1, 1) + _projection(x, params, stride))


def residual_block_backward(delta_in, x, params, stride=1):
    x = np.asarray(x, dtype=np.float64)
    z1 = conv2d_forward(x, params["conv1.weight"], params["conv1.bias"], stride, 1)
    h = relu_forward(z1)
    total = conv2d_forward(h, params["conv2.weight"], params["conv2.bias"], 1, 1) + _projection(x, params, stride)
    d = relu_backward(delta_in, total)
    found = {}
    if "shortcut.weight" in params:
        dx, found["shortcut.weight"], _ = conv2d_backward(d, x, params["shortcut.weight"], stride, 0)
    else:
        dx = d.copy()
    dh, found["conv2.weight"], found["conv2.bias"] = conv2d_backward(d, h, params["conv2.weight"], 1, 1)
    dx_branch, found["conv1.weight"], found["conv1.bias"] = conv2d_backward(relu_backward(dh, z1), x, params["conv1.weight"], stride, 1)
    return _gradients(params, found, dx + dx_branch)


def _bottleneck_steps(x, params):
    # (weight name, padding) of the branch's three convolutions.
    return (("conv1", 0), ("conv2", 1), ("conv3", 0))


def bottleneck_block_forward(x, params):
    x = np.asarray(x, dtype=np.float64)
    a = x
    for number, (name, padding) in enumerate(_bottleneck_steps(x, params)):
        a = conv2d_forward(a, params[f"{name}.weight"], params[f"{name}.bias"], 1, padding)
        if number < 2:
            a = relu_forward(a)
    return relu_forward(a + _projection(x, params, 1))


def bottleneck_block_backward(delta_in, x, params):
    x = np.asarray(x, dtype=np.float64)
    inputs, pre = [], []
    a = x
    for number, (name, padding) in enumerate(_bottleneck_steps(x, params)):
        inputs.append(a)
        z = conv2d_forward(a, params[f"{name}.weight"], params[f"{name}.bias"], 1, padding)
        pre.append(z)
        a = relu_forward(z) if number < 2 else z
    d = relu_backward(delta_in, a + _projection(x, params, 1))
    found = {}
    if "shortcut.weight" in params:
        dx, found["shortcut.weight"], _ = conv2d_backward(d, x, params["shortcut.weight"])
    else:
        dx = d.copy()
    g = d
    for number in (2, 1, 0):
        name, padding = _bottleneck_steps(x, params)[number]
        if number < 2:
            g = relu_backward(g, pre[number])
        g, found[f"{name}.weight"], found[f"{name}.bias"] = conv2d_backward(g, inputs[number], params[f"{name}.weight"], 1, padding)
    return _gradients(params, found, dx + g)


def dense_block_forward(x, params, num_layers):
    x = np.asarray(x, dtype=np.float64)
    n, c, h, w = x.shape
    k = len(params["layer0.bias"]) if num_layers else 0
    block = np.zeros((n, c + num_layers * k, h, w))
    block[:, :c] = x
    for i in range(num_layers):
        width = c + i * k
        block[:, width:width + k] = conv2d_forward(relu_forward(block[:, :width]), params[f"layer{i}.weight"], params[f"layer{i}.bias"], 1, 1)
    return block


def dense_block_backward(delta_in, x, params, num_layers):
    block = dense_block_forward(x, params, num_layers)
    c = np.shape(x)[1]
    k = len(params["layer0.bias"]) if num_layers else 0
    grad = np.array(delta_in, dtype=np.float64)  # dJ/d(block), completed layer by layer from the top
    found = {}
    for i in reversed(range(num_layers)):
        width = c + i * k
        da, found[f"layer{i}.weight"], found[f"layer{i}.bias"] = conv2d_backward(
            grad[:, width:width + k], relu_forward(block[:, :width]), params[f"layer{i}.weight"], 1, 1
        )
        grad[:, :width] += relu_backward(da, block[:, :width])
    return _gradients(params, found, grad[:, :c])
