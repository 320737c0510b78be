"""The blocks, channel by channel and layer by layer, built from the loop-based layers."""
import numpy as np

from .conv_backward import conv2d_backward
from .conv_forward import conv2d_forward
from .layers import relu_backward, relu_forward


def global_avg_pool_forward(x):
    x = np.asarray(x, dtype=np.float64)
    n, c, h, w = x.shape
    out = np.zeros((n, c))
    for i in range(n):
        for j in range(c):
            out[i, j] = x[i, j].sum() / (h * w)
    return out


def global_avg_pool_backward(delta_in, x):
    n, c, h, w = np.shape(x)
    out = np.zeros((n, c, h, w))
    for i in range(n):
        for j in range(c):
            out[i, j, :, :] = delta_in[i][j] / (h * w)
    return out


def _statistics(values):
    mean = sum(values) / len(values)
    variance = sum((v - mean) ** 2 for v in values) / len(values)
    return mean, variance


def batchnorm2d_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    y = np.zeros_like(x)
    for c in range(x.shape[1]):
        mean, variance = _statistics(list(x[:, c].ravel()))
        y[:, c] = gamma[c] * (x[:, c] - mean) / np.sqrt(variance + eps) + beta[c]
    return y


def batchnorm2d_backward(delta_in, x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    delta_in = np.asarray(delta_in, dtype=np.float64)
    dx = np.zeros_like(x)
    dgamma = np.zeros(x.shape[1])
    dbeta = np.zeros(x.shape[1])
    for c in range(x.shape[1]):
        mean, variance = _statistics(list(x[:, c].ravel()))
        m = x[:, c].size
        inv_std = 1.0 / np.sqrt(variance + eps)
        x_hat = (x[:, c] - mean) * inv_std
        dy = delta_in[:, c]
        dbeta[c] = dy.sum()
        dgamma[c] = (dy * x_hat).sum()
        # Chain rule written out: through x_hat, the variance and the mean.
        dx_hat = dy * gamma[c]
        dvariance = np.sum(dx_hat * (x[:, c] - mean)) * -0.5 * inv_std ** 3
        dmean = -np.sum(dx_hat) * inv_std + dvariance * -2.0 * np.sum(x[:, c] - mean) / m
        dx[:, c] = dx_hat * inv_std + dvariance * 2.0 * (x[:, c] - mean) / m + dmean / m
    return dx, dgamma, dbeta


def _shortcut(x, params, stride):
    if "shortcut.weight" not in params:
        return np.asarray(x, dtype=np.float64)
    w = params["shortcut.weight"]
    return conv2d_forward(x, w, np.zeros(w.shape[0]), stride, 0)


def residual_block_forward(x, params, stride=1):
    a1 = relu_forward(conv2d_forward(x, params["conv1.weight"], params["conv1.bias"], stride, 1))
    z2 = conv2d_forward(a1, params["conv2.weight"], params["conv2.bias"], 1, 1)
    return relu_forward(z2 + _shortcut(x, params, stride))


def residual_block_backward(delta_in, x, params, stride=1):
    z1 = conv2d_forward(x, params["conv1.weight"], params["conv1.bias"], stride, 1)
    a1 = relu_forward(z1)
    z2 = conv2d_forward(a1, params["conv2.weight"], params["conv2.bias"], 1, 1)
    d = relu_backward(delta_in, z2 + _shortcut(x, params, stride))
    grads = {}
    da1, grads["conv2.weight"], grads["conv2.bias"] = conv2d_backward(d, a1, params["conv2.weight"], 1, 1)
    dx, grads["conv1.weight"], grads["conv1.bias"] = conv2d_backward(relu_backward(da1, z1), x, params["conv1.weight"], stride, 1)
    if "shortcut.weight" in params:
        dx_short, grads["shortcut.weight"], _ = conv2d_backward(d, x, params["shortcut.weight"], stride, 0)
        dx = dx + dx_short
    else:
        dx = dx + d
    result = {}
    for name in params:
        result[name] = grads[name]
    result["x"] = dx
    return result


def bottleneck_block_forward(x, params):
    a1 = relu_forward(conv2d_forward(x, params["conv1.weight"], params["conv1.bias"]))
    a2 = relu_forward(conv2d_forward(a1, params["conv2.weight"], params["conv2.bias"], 1, 1))
    z3 = conv2d_forward(a2, params["conv3.weight"], params["conv3.bias"])
    return relu_forward(z3 + _shortcut(x, params, 1))


def bottleneck_block_backward(delta_in, x, params):
    z1 = conv2d_forward(x, params["conv1.weight"], params["conv1.bias"])
    a1 = relu_forward(z1)
    z2 = conv2d_forward(a1, params["conv2.weight"], params["conv2.bias"], 1, 1)
    a2 = relu_forward(z2)
    z3 = conv2d_forward(a2, params["conv3.weight"], params["conv3.bias"])
    d = relu_backward(delta_in, z3 + _shortcut(x, params, 1))
    grads = {}
    da2, grads["conv3.weight"], grads["conv3.bias"] = conv2d_backward(d, a2, params["conv3.weight"])
    da1, grads["conv2.weight"], grads["conv2.bias"] = conv2d_backward(relu_backward(da2, z2), a1, params["conv2.weight"], 1, 1)
    dx, grads["conv1.weight"], grads["conv1.bias"] = conv2d_backward(relu_backward(da1, z1), x, params["conv1.weight"])
    if "shortcut.weight" in params:
        dx_short, grads["shortcut.weight"], _ = conv2d_backward(d, x, params["shortcut.weight"])
        dx = dx + dx_short
    else:
        dx = dx + d
    result = {name: grads[name] for name in params}
    result["x"] = dx
    return result


def dense_block_forward(x, params, num_layers):
    block = np.asarray(x, dtype=np.float64)
    for i in range(num_layers):
        out = conv2d_forward(relu_forward(block), params[f"layer{i}.weight"], params[f"layer{i}.bias"], 1, 1)
        block = np.concatenate([block, out], axis=1)
    return block


def dense_block_backward(delta_in, x, params, num_layers):
    # Forward, keeping each layer's input: the block so far.
    inputs = []
    block = np.asarray(x, dtype=np.float64)
    for i in range(num_layers):
        inputs.append(block)
        out = conv2d_forward(relu_forward(block), params[f"layer{i}.weight"], params[f"layer{i}.bias"], 1, 1)
        block = np.concatenate([block, out], axis=1)
    # Backward: the gradient of the whole block so far, shrinking by one layer each step.
    d_block = np.array(delta_in, dtype=np.float64)
    grads = {}
    for i in range(num_layers - 1, -1, -1):
        width = inputs[i].shape[1]
        d_out = d_block[:, width:]
        d_block = d_block[:, :width].copy()
        da, grads[f"layer{i}.weight"], grads[f"layer{i}.bias"] = conv2d_backward(d_out, relu_forward(inputs[i]), params[f"layer{i}.weight"], 1, 1)
        d_block += relu_backward(da, inputs[i])
    result = {name: grads[name] for name in params}
    result["x"] = d_block
    return result
