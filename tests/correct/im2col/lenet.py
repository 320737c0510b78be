"""LeNet-5 as a table of stages run forward, then in reverse for the gradients."""
import numpy as np

from .conv_backward import conv2d_backward
from .conv_forward import conv2d_forward
from .layers import relu_backward, relu_forward
from .pooling import max_pool_backward, max_pool_forward

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

# (kind, layer name): the network in the order the forward pass runs it.
STAGES = (
    ("conv", "conv1"), ("relu", None), ("pool", None),
    ("conv", "conv2"), ("relu", None), ("pool", None),
    ("flatten", None),
    ("fc", "fc1"), ("relu", None),
    ("fc", "fc2"), ("relu", None),
    ("fc", "fc3"),
)


def init_params(seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in PARAM_SHAPES.items():
        layer = name.split(".")[0]
        fan_in = int(np.prod(PARAM_SHAPES[layer + ".weight"][1:]))
        bound = 1.0 / np.sqrt(fan_in)
        params[name] = rng.uniform(-bound, bound, size=shape)
    return params


class LeNet:
    def __init__(self, seed=0):
        self.params = init_params(seed)
        self._cache = None

    def forward(self, x):
        a = np.asarray(x, dtype=np.float64)
        inputs = []
        for kind, layer in STAGES:
            inputs.append(a)
            if kind == "conv":
                a = conv2d_forward(a, self.params[layer + ".weight"], self.params[layer + ".bias"])
            elif kind == "relu":
                a = relu_forward(a)
            elif kind == "pool":
                a = max_pool_forward(a, 2, 2)
            elif kind == "flatten":
                a = a.reshape(len(a), -1)
            else:
                a = np.einsum("ni,oi->no", a, self.params[layer + ".weight"]) + self.params[layer + ".bias"]
        self._cache = inputs
        return a

    def backward(self, dlogits):
        d = np.asarray(dlogits, dtype=np.float64)
        grads = {}
        for (kind, layer), a in zip(reversed(STAGES), reversed(self._cache)):
            if kind == "conv":
                d, grads[layer + ".weight"], grads[layer + ".bias"] = conv2d_backward(
                    d, a, self.params[layer + ".weight"])
            elif kind == "relu":
                d = relu_backward(d, a)
            elif kind == "pool":
                d = max_pool_backward(d, a, 2, 2)
            elif kind == "flatten":
                d = d.reshape(a.shape)
            else:
                grads[layer + ".weight"] = np.einsum("no,ni->oi", d, a)
                grads[layer + ".bias"] = d.sum(axis=0)
                d = np.einsum("no,oi->ni", d, self.params[layer + ".weight"])
        return {name: grads[name] for name in self.params}
