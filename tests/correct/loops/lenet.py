"""LeNet-5 from the loop-based layers; the fully connected layers use matrix products."""
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


class LeNet:
    def __init__(self, seed=0):
        self.params = init_params(seed)
        self._cache = None

    def forward(self, x):
        p = self.params
        x = np.asarray(x, dtype=np.float64)
        cache = {"x": x}
        cache["z1"] = conv2d_forward(x, p["conv1.weight"], p["conv1.bias"])
        cache["a1"] = relu_forward(cache["z1"])
        cache["s1"] = max_pool_forward(cache["a1"], 2, 2)
        cache["z2"] = conv2d_forward(cache["s1"], p["conv2.weight"], p["conv2.bias"])
        cache["a2"] = relu_forward(cache["z2"])
        cache["s2"] = max_pool_forward(cache["a2"], 2, 2)
        n = x.shape[0]
        flat = np.zeros((n, 400))
        for i in range(n):
            flat[i] = cache["s2"][i].flatten()
        cache["flat"] = flat
        cache["z3"] = flat @ np.transpose(p["fc1.weight"]) + p["fc1.bias"]
        cache["a3"] = relu_forward(cache["z3"])
        cache["z4"] = cache["a3"] @ np.transpose(p["fc2.weight"]) + p["fc2.bias"]
        cache["a4"] = relu_forward(cache["z4"])
        logits = cache["a4"] @ np.transpose(p["fc3.weight"]) + p["fc3.bias"]
        self._cache = cache
        return logits

    def backward(self, dlogits):
        p = self.params
        cache = self._cache
        dlogits = np.asarray(dlogits, dtype=np.float64)
        grads = {}
        grads["fc3.weight"] = np.transpose(dlogits) @ cache["a4"]
        grads["fc3.bias"] = np.sum(dlogits, axis=0)
        d_a4 = dlogits @ p["fc3.weight"]
        d_z4 = relu_backward(d_a4, cache["z4"])
        grads["fc2.weight"] = np.transpose(d_z4) @ cache["a3"]
        grads["fc2.bias"] = np.sum(d_z4, axis=0)
        d_a3 = d_z4 @ p["fc2.weight"]
        d_z3 = relu_backward(d_a3, cache["z3"])
        grads["fc1.weight"] = np.transpose(d_z3) @ cache["flat"]
        grads["fc1.bias"] = np.sum(d_z3, axis=0)
        d_flat = d_z3 @ p["fc1.weight"]
        d_s2 = np.zeros(cache["s2"].shape)
        for i in range(d_flat.shape[0]):
            d_s2[i] = d_flat[i].reshape(16, 5, 5)
        d_a2 = max_pool_backward(d_s2, cache["a2"], 2, 2)
        d_z2 = relu_backward(d_a2, cache["z2"])
        d_s1, grads["conv2.weight"], grads["conv2.bias"] = conv2d_backward(d_z2, cache["s1"], p["conv2.weight"])
        d_a1 = max_pool_backward(d_s1, cache["a1"], 2, 2)
        d_z1 = relu_backward(d_a1, cache["z1"])
        _, grads["conv1.weight"], grads["conv1.bias"] = conv2d_backward(d_z1, cache["x"], p["conv1.weight"])
        return {name: grads[name] for name in p}
