"""LeNet-5 in float32: parameters are cast on every call, logits and gradients are float32."""
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


def init_params(seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in PARAM_SHAPES.items():
        layer = name.split(".")[0]
        fan_in = int(np.prod(PARAM_SHAPES[layer + ".weight"][1:]))
        bound = 1.0 / np.sqrt(fan_in)
        params[name] = rng.uniform(-bound, bound, size=shape)
    return params


def _linear(a, weight, bias):
    return a @ weight.T + bias


class LeNet:
    def __init__(self, seed=0):
        self.params = init_params(seed)
        self._cache = None

    def _p(self):
        return {name: np.asarray(value, dtype=np.float32) for name, value in self.params.items()}

    def forward(self, x):
        p = self._p()
        x = np.asarray(x, dtype=np.float32)
        n = x.shape[0]
        z1 = conv2d_forward(x, p["conv1.weight"], p["conv1.bias"])
        s1 = max_pool_forward(relu_forward(z1), 2, 2)
        z2 = conv2d_forward(s1, p["conv2.weight"], p["conv2.bias"])
        s2 = max_pool_forward(relu_forward(z2), 2, 2)
        flat = s2.reshape(n, 16 * 5 * 5)
        z3 = _linear(flat, p["fc1.weight"], p["fc1.bias"])
        z4 = _linear(relu_forward(z3), p["fc2.weight"], p["fc2.bias"])
        logits = _linear(relu_forward(z4), p["fc3.weight"], p["fc3.bias"])
        self._cache = {"x": x, "z1": z1, "s1": s1, "z2": z2, "z3": z3, "z4": z4}
        return logits.astype(np.float32)

    def backward(self, dlogits):
        p = self._p()
        c = self._cache
        d = np.asarray(dlogits, dtype=np.float32)
        a1, a2 = relu_forward(c["z1"]), relu_forward(c["z2"])
        s2 = max_pool_forward(a2, 2, 2)
        a3, a4 = relu_forward(c["z3"]), relu_forward(c["z4"])
        g = {}
        for layer, a_in, z_in in (("fc3", a4, c["z4"]), ("fc2", a3, c["z3"]), ("fc1", s2.reshape(len(d), -1), None)):
            g[layer + ".weight"] = d.T @ a_in
            g[layer + ".bias"] = d.sum(axis=0)
            d = d @ p[layer + ".weight"]
            if z_in is not None:
                d = relu_backward(d, z_in)
        d = relu_backward(max_pool_backward(d.reshape(s2.shape), a2, 2, 2), c["z2"])
        d, g["conv2.weight"], g["conv2.bias"] = conv2d_backward(d, c["s1"], p["conv2.weight"])
        d = relu_backward(max_pool_backward(d, a1, 2, 2), c["z1"])
        _, g["conv1.weight"], g["conv1.bias"] = conv2d_backward(d, c["x"], p["conv1.weight"])
        return {name: g[name].astype(np.float32) for name in self.params}
