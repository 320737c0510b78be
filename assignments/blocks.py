# Generated from reference/ by `convlab release`. This is your copy to edit: replace
# each TODO(student) and the raise below it with your implementation.
"""The building blocks after LeNet: global average pooling (NIN), batch normalization, ResNet's
residual and bottleneck blocks, DenseNet's dense block. Each has a forward and a backward pass.

The blocks are built from your own layers: conv2d_forward / conv2d_backward, relu_forward /
relu_backward. A block's parameters are a dict keyed like PyTorch's state_dict of the same
module ("conv1.weight" (C_out, C_in, 3, 3), "conv1.bias" (C_out,), ...); forward and backward
read it when they are called. A backward pass takes the forward's inputs again (no cache),
returns a dict with a gradient for every key of params plus "x" (dJ/dx), each the shape of
what it differentiates, and sums over the batch (delta_in already carries any 1/N).
"""
import numpy as np

from .conv_backward import conv2d_backward
from .conv_forward import conv2d_forward
from .layers import relu_backward, relu_forward


def global_avg_pool_forward(x):
    """Global average pooling: the mean of each feature map, the network-in-network's head.

    Shapes: x (N, C, H, W) -> (N, C). One number per channel, whatever H and W are:
    NIN ends with C = 1000 maps and pools each to its class score, where VGG needs
    three fully connected layers and over 120 million parameters.

    Example: global_avg_pool_forward(np.arange(8.0).reshape(1, 2, 2, 2)) == [[1.5, 5.5]]
    """
    # TODO(student): implement global_avg_pool_forward — see the docstring above.
    raise NotImplementedError("global_avg_pool_forward: not implemented yet")


def global_avg_pool_backward(delta_in, x):
    """Backward pass of global average pooling: each position gets delta / (H * W).

    Shapes: delta_in (N, C), x (N, C, H, W) the forward input (only its shape is
    needed) -> delta_out (N, C, H, W).

    Example: delta_in [[8.0]] and x of shape (1, 1, 2, 2) -> [[[[2, 2], [2, 2]]]]

    Common mistake: copying delta to every position without the 1 / (H * W) of the mean.
    """
    # TODO(student): implement global_avg_pool_backward — see the docstring above.
    raise NotImplementedError("global_avg_pool_backward: not implemented yet")


def batchnorm2d_forward(x, gamma, beta, eps=1e-5):
    """Batch normalization in training mode, per channel (torch.nn.BatchNorm2d, .train()).

    Shapes: x (N, C, H, W), gamma (C,), beta (C,) -> y (N, C, H, W).

    For each channel c, over its M = N * H * W values:
        mean_c = mean of x[:, c]        var_c = mean of (x[:, c] - mean_c)^2   (divide by M)
        x_hat = (x - mean_c) / sqrt(var_c + eps)
        y = gamma_c * x_hat + beta_c

    Example: x = [1, 2, 3, 4] in one channel (shape (1, 1, 2, 2)), gamma 1, beta 0, eps 0:
        mean 2.5, var 1.25, y = [-1.342, -0.447, 0.447, 1.342]

    Common mistakes: the unbiased variance (divide by M - 1, as np.var(ddof=1) or
    torch.var do by default); statistics per image or over all channels instead of per
    channel over N, H and W.
    """
    # TODO(student): implement batchnorm2d_forward — see the docstring above.
    raise NotImplementedError("batchnorm2d_forward: not implemented yet")


def batchnorm2d_backward(delta_in, x, gamma, beta, eps=1e-5):
    """Backward pass of batchnorm2d_forward(x, gamma, beta, eps): (dx, dgamma, dbeta).

    Shapes: delta_in and x (N, C, H, W), gamma and beta (C,)
        -> dx (N, C, H, W), dgamma (C,), dbeta (C,).

    With g = delta_in * gamma_c and every mean taken per channel over N, H and W:
        dbeta_c  = sum of delta_in[:, c]
        dgamma_c = sum of delta_in[:, c] * x_hat[:, c]
        dx = (g - mean(g) - x_hat * mean(g * x_hat)) / sqrt(var_c + eps)
    The mean(g) term is the gradient through the mean, the x_hat * mean(g * x_hat) term
    the gradient through the variance: every x moves every mean and variance of its channel.

    Common mistakes: leaving out either term (as if the mean or the variance were
    constants); the unbiased variance.
    """
    # TODO(student): implement batchnorm2d_backward — see the docstring above.
    raise NotImplementedError("batchnorm2d_backward: not implemented yet")


def residual_block_forward(x, params, stride=1):
    """ResNet's basic block: out = ReLU(F(x) + shortcut(x)).

    F(x) = conv2(ReLU(conv1(x))): conv1 3x3 with stride S and padding 1, conv2 3x3 with
    stride 1 and padding 1. The branch learns the residual H(x) - x; the shortcut adds x back.
    The shortcut is x itself when the shapes agree, or, when params holds "shortcut.weight"
    (C_out, C_in, 1, 1), the 1x1 convolution of x with it at stride S, no bias: the
    projection a block needs when it changes the channel count or the size.

    Shapes: x (N, C_in, H, W) -> (N, C_out, H_out, W_out), H_out = (H - 1) // S + 1.
    params: "conv1.weight" (C_out, C_in, 3, 3), "conv1.bias" (C_out,),
            "conv2.weight" (C_out, C_out, 3, 3), "conv2.bias" (C_out,),
            and, for a projection, "shortcut.weight" (C_out, C_in, 1, 1).
    ValueError when the shapes differ and there is no "shortcut.weight".

    Example: all weights and biases zero gives F(x) = 0, so out = ReLU(x): the block can
    be the identity, which is why a deeper ResNet trains no worse than a shallower one.

    Common mistakes: the ReLU before the addition (ReLU(F(x)) + x) instead of after it;
    adding x without the projection when the shapes change; the stride on conv2.
    """
    # TODO(student): implement residual_block_forward — see the docstring above.
    raise NotImplementedError("residual_block_forward: not implemented yet")


def residual_block_backward(delta_in, x, params, stride=1):
    """Backward pass of residual_block_forward(x, params, stride).

    Shapes: delta_in (N, C_out, H_out, W_out) -> a dict: the gradient of every key of
    params ("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", and
    "shortcut.weight" when present) and "x" (N, C_in, H, W).

    The gradient below the final ReLU, d = relu_backward(delta_in, F(x) + shortcut(x)),
    flows down BOTH paths of the addition: through conv2, ReLU and conv1 (each with its
    own backward), and through the shortcut (d itself, or the projection's backward).
    dJ/dx is the sum of the two: the shortcut's gradient reaches x unchanged, however
    small the branch's, which is why deep ResNets still train.

    Common mistake: dJ/dx from the branch alone, the shortcut's share forgotten.
    """
    # TODO(student): implement residual_block_backward — see the docstring above.
    raise NotImplementedError("residual_block_backward: not implemented yet")


def bottleneck_block_forward(x, params):
    """ResNet's bottleneck block: 1x1 (reduce) -> ReLU -> 3x3 -> ReLU -> 1x1 (restore), plus x.

    out = ReLU(conv3(ReLU(conv2(ReLU(conv1(x))))) + shortcut(x)), all at stride 1:
    conv1 1x1, conv2 3x3 with padding 1, conv3 1x1. The 1x1 convolutions shrink the channels
    before the costly 3x3 and restore them after. The shortcut is x, or the 1x1 projection
    "shortcut.weight" (C_out, C_in, 1, 1), no bias, when the channel count changes.

    Shapes: x (N, C_in, H, W) -> (N, C_out, H, W).
    params: "conv1.weight" (C_mid, C_in, 1, 1), "conv1.bias" (C_mid,),
            "conv2.weight" (C_mid, C_mid, 3, 3), "conv2.bias" (C_mid,),
            "conv3.weight" (C_out, C_mid, 1, 1), "conv3.bias" (C_out,),
            and "shortcut.weight" (C_out, C_in, 1, 1) when C_out != C_in.
    ValueError when C_out != C_in and there is no "shortcut.weight".

    Common mistakes: as residual_block_forward: the ReLU before the addition, no projection.
    """
    # TODO(student): implement bottleneck_block_forward — see the docstring above.
    raise NotImplementedError("bottleneck_block_forward: not implemented yet")


def bottleneck_block_backward(delta_in, x, params):
    """Backward pass of bottleneck_block_forward(x, params).

    Shapes: delta_in (N, C_out, H, W) -> a dict with the gradient of every key of params
    and "x" (N, C_in, H, W). As in the basic block, dJ/dx adds the shortcut's gradient to
    the one that comes down through conv3, conv2 and conv1.
    """
    # TODO(student): implement bottleneck_block_backward — see the docstring above.
    raise NotImplementedError("bottleneck_block_backward: not implemented yet")


def dense_block_forward(x, params, num_layers):
    """DenseNet's dense block: every layer sees the concatenation of everything before it.

    Layer i (i = 0 .. num_layers - 1) takes z_i = concatenate([x, out_0, ..., out_{i-1}])
    along the channels, in that order, and computes out_i = conv_i(ReLU(z_i)): a 3x3
    convolution with padding 1 and k output channels (the growth rate). The block returns
    concatenate([x, out_0, ..., out_{num_layers-1}]) along the channels.

    Shapes: x (N, C, H, W) -> (N, C + num_layers * k, H, W).
    params: "layer{i}.weight" (k, C + i * k, 3, 3) and "layer{i}.bias" (k,) for each i.

    Example: C = 4, k = 2, num_layers = 3: the layers see 4, 6 and 8 channels, and the
    block returns 10.

    Common mistakes: concatenating in another order (newest first) than the weights
    expect; the ReLU after the convolution instead of before; leaving x out of the output.
    """
    # TODO(student): implement dense_block_forward — see the docstring above.
    raise NotImplementedError("dense_block_forward: not implemented yet")


def dense_block_backward(delta_in, x, params, num_layers):
    """Backward pass of dense_block_forward(x, params, num_layers).

    Shapes: delta_in (N, C + num_layers * k, H, W) -> a dict: "layer{i}.weight",
    "layer{i}.bias" for each i, and "x" (N, C, H, W).

    Split delta_in along the channels into one gradient per feature (x, out_0, out_1, ...).
    Then go through the layers from the last to the first: layer i's output has its
    complete gradient once every later layer is done; run layer i's conv and ReLU backward,
    split the result by the features layer i read, and ADD each part to that feature's
    gradient. x and each output are read by every later layer, so their gradient is the
    sum over all of those layers, plus their own slice of delta_in.

    Common mistake: assigning (=) a layer's share instead of adding it (+=), or dropping
    it: a feature's gradient must sum over every later layer that reads it.
    """
    # TODO(student): implement dense_block_backward — see the docstring above.
    raise NotImplementedError("dense_block_backward: not implemented yet")
