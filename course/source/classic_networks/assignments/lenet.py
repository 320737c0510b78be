# Generated from reference/ by `convlab release`. This is your copy to edit: replace
# each TODO(student) and the raise below it with your implementation.
"""LeNet-5 as the lecture draws it, built from your own layers, trained on MNIST digits."""
import numpy as np

from .conv_backward import conv2d_backward
from .conv_forward import conv2d_forward
from .layers import relu_backward, relu_forward
from .pooling import max_pool_backward, max_pool_forward

# name -> shape, in the order of PyTorch's state_dict for the same network.
PARAM_SHAPES = {
    "conv1.weight": (6, 1, 5, 5),
    "conv1.bias": (6,),
    "conv2.weight": (16, 6, 5, 5),
    "conv2.bias": (16,),
    "fc1.weight": (120, 400),
    "fc1.bias": (120,),
    "fc2.weight": (84, 120),
    "fc2.bias": (84,),
    "fc3.weight": (10, 84),
    "fc3.bias": (10,),
}


def init_params(seed=0):
    """PyTorch's default initialisation: weights and biases uniform in +-1/sqrt(fan_in).

    fan_in is C_in * KH * KW for a convolution and the input width for a linear layer.
    """
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in PARAM_SHAPES.items():
        layer = name.split(".")[0]
        fan_in = int(np.prod(PARAM_SHAPES[layer + ".weight"][1:]))
        bound = 1.0 / np.sqrt(fan_in)
        params[name] = rng.uniform(-bound, bound, size=shape)
    return params


class LeNet:
    """LeNet-5: 32x32x1 -> conv 6@5x5 -> ReLU -> maxpool 2 -> conv 16@5x5 -> ReLU -> maxpool 2
    -> flatten (C, H, W) -> fc 120 -> ReLU -> fc 84 -> ReLU -> fc 10 (logits).

    Shapes through the network, for x (N, 1, 32, 32):
        conv1 (N, 6, 28, 28) -> pool (N, 6, 14, 14) -> conv2 (N, 16, 10, 10)
        -> pool (N, 16, 5, 5) -> flatten (N, 400) -> fc1 (N, 120) -> fc2 (N, 84) -> fc3 (N, 10)

    `params` is a dict keyed and shaped exactly like PyTorch's state_dict of the same
    network ("conv1.weight" (6, 1, 5, 5), ..., "fc3.bias" (10,)). A linear layer
    computes y = x @ W.T + b with W of shape (out, in), as torch.nn.Linear does.
    forward and backward must read self.params each time they are called: the
    optimiser and the grader replace or update its entries between calls.
    """

    def __init__(self, seed=0):
        self.params = init_params(seed)
        self._cache = None

    def forward(self, x):
        """Logits (N, 10) for images x (N, 1, 32, 32); keep what backward needs in self._cache.

        Flatten the (N, 16, 5, 5) maps in (C, H, W) order: x.reshape(N, 400), the
        order PyTorch's flatten uses, so the same fc1.weight gives the same result.
        """
        # TODO(student): implement LeNet.forward — see the docstring above.
        raise NotImplementedError("LeNet.forward: not implemented yet")

    def backward(self, dlogits):
        """Gradients of the loss for the last forward call, given dlogits (N, 10).

        Returns a dict with the same keys and shapes as self.params. Run the layers
        in reverse, each with its own backward function; weight gradients are sums
        over the batch (dlogits already carries the 1/N of a mean loss).

        Common mistake: un-flattening the fc1 gradient in a different order than forward flattened.
        """
        # TODO(student): implement LeNet.backward — see the docstring above.
        raise NotImplementedError("LeNet.backward: not implemented yet")
