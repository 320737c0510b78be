"""The expected answers, from PyTorch on the CPU in float64 (autograd for every gradient).

Every function takes and returns numpy arrays; inputs are copied into fresh tensors,
so the arrays a test passes to the student are never shared with PyTorch.
"""
import numpy as np
import torch
import torch.nn.functional as F


def tensor(array, requires_grad=False):
    data = np.array(array, dtype=np.float64, order="C", copy=True)
    return torch.tensor(data, dtype=torch.float64, requires_grad=requires_grad)


def numpy(t):
    return t.detach().numpy().copy()


def conv2d(x, w, b, stride=1, padding=0):
    """z (N, C_out, H_out, W_out) for x (N, C_in, H, W), w (C_out, C_in, KH, KW), b (C_out,)."""
    return numpy(F.conv2d(tensor(x), tensor(w), tensor(b), stride=stride, padding=padding))


def conv2d_grads(delta_in, x, w, stride=1, padding=0):
    """(delta_out, dw, db) of conv2d for the upstream gradient delta_in, by autograd."""
    xt, wt = tensor(x, True), tensor(w, True)
    bt = torch.zeros(wt.shape[0], dtype=torch.float64, requires_grad=True)
    F.conv2d(xt, wt, bt, stride=stride, padding=padding).backward(tensor(delta_in))
    return numpy(xt.grad), numpy(wt.grad), numpy(bt.grad)


def conv2d_padded_input_grad(delta_in, x, w, stride=1, padding=0):
    """dJ/d(padded input), shape (N, C_in, H + 2P, W + 2P): delta_out before cropping."""
    padded = tensor(np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding))), True)
    F.conv2d(padded, tensor(w), stride=stride).backward(tensor(delta_in))
    return numpy(padded.grad)


def max_pool(x, size, stride):
    return numpy(F.max_pool2d(tensor(x), size, stride))


def max_pool_grad(delta_in, x, size, stride):
    xt = tensor(x, True)
    F.max_pool2d(xt, size, stride).backward(tensor(delta_in))
    return numpy(xt.grad)


def avg_pool(x, size, stride):
    return numpy(F.avg_pool2d(tensor(x), size, stride))


def avg_pool_grad(delta_in, x, size, stride):
    xt = tensor(x, True)
    F.avg_pool2d(xt, size, stride).backward(tensor(delta_in))
    return numpy(xt.grad)


def relu(z):
    return numpy(F.relu(tensor(z)))


def relu_grad(delta_in, z):
    zt = tensor(z, True)
    F.relu(zt).backward(tensor(delta_in))
    return numpy(zt.grad)


def softmax_cross_entropy(logits, labels):
    """(mean loss, dloss/dlogits) for logits (N, K) and integer labels (N,)."""
    lt = tensor(logits, True)
    loss = F.cross_entropy(lt, torch.as_tensor(np.asarray(labels), dtype=torch.int64))
    loss.backward()
    return loss.item(), numpy(lt.grad)


def conv_relu_pool(chw_image, kernel):
    """(conv, relu, pool) of the colour demo for an image already in (C, H, W) order."""
    x = tensor(chw_image)[None]
    w = tensor(kernel).expand(1, x.shape[1], *np.shape(kernel))
    conv = F.conv2d(x, w)
    relu = F.relu(conv)
    return numpy(conv), numpy(relu), numpy(F.max_pool2d(relu, 2, 2))


def conv1d_full(f, g):
    return np.convolve(np.asarray(f, dtype=np.float64), np.asarray(g, dtype=np.float64), mode="full")
