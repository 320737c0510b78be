"""The expected value of every API function, computed by PyTorch in float64.

Written with torch only, never with the course's numpy solutions: this package ships
to students. Convolutions use F.conv2d, backward passes use autograd, pooling uses
F.max_pool2d / F.avg_pool2d (+ autograd), the true 1-D convolution is torch's conv1d
with a flipped kernel, sizes are arithmetic, the nine kernels are the lecture's
constants, and LeNet is a torch nn.Module loaded from a params dict by state_dict key.
Part 6: a network's shapes and parameter counts come from nn modules built from its
layer list (on the meta device), its receptive field from autograd through them, batch
normalization from F.batch_norm in training mode, and the blocks from F.conv2d,
torch.relu and torch.cat with autograd.

Every function takes numpy arrays (the case's arguments, with the API function's
signature) and returns float64 numpy arrays on the CPU. `configure()` picks the
device once per process ("auto": CUDA when available) and makes torch exact and
repeatable: float64, TF32 off, deterministic algorithms.
"""
from __future__ import annotations

import functools
import os
import platform
import threading

import numpy as np

DEVICE_SETTINGS = ("auto", "cpu", "cuda")

_lock = threading.Lock()
_device: str | None = None


def _torch():
    import torch

    return torch


def configure(setting: str = "auto") -> dict:
    """Select the oracle's device and make torch deterministic; return the environment to record.

    The latest call chooses the device for the whole process (expected values are
    cached per device, so switching never mixes them); torch's settings are global.
    """
    global _device
    if setting not in DEVICE_SETTINGS:
        raise ValueError(f"oracle device must be one of {', '.join(DEVICE_SETTINGS)}, got {setting!r}")
    # cuBLAS needs this before its first use to run deterministically.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch = _torch()
    with _lock:
        wanted = "cuda" if setting == "cuda" or (setting == "auto" and torch.cuda.is_available()) else "cpu"
        if wanted == "cuda" and not torch.cuda.is_available():
            raise ValueError("oracle_device is 'cuda' but torch sees no CUDA device")
        # The oracle's tensors are tiny and the grader runs two exercises at once: one
        # intra-op thread is many times faster than several competing for two cores.
        torch.set_num_threads(1)
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = False
        _use_deterministic_algorithms(torch)
        _device = wanted
    return environment()


def _use_deterministic_algorithms(torch) -> None:
    """torch.use_deterministic_algorithms(True), without importing torch._inductor.

    The public function also sets a flag for compiled graphs, which the oracle never
    builds, and importing the compiler for it takes about 1.5 s: as long as importing
    torch, in every grader process. Set the flag itself; the public getter confirms it
    took, and the public function is the fallback should torch rename its internals.
    """
    setter = getattr(torch._C, "_set_deterministic_algorithms", None)
    if setter is not None:
        setter(True)
    if not torch.are_deterministic_algorithms_enabled():
        torch.use_deterministic_algorithms(True)


def environment() -> dict:
    """Device and versions, for the result (the device as torch names it, e.g. "cuda (NVIDIA H200)")."""
    torch = _torch()
    device = device_name()
    if device == "cuda":
        device = f"cuda ({torch.cuda.get_device_name(0)})"
    return {
        "device": device,
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__},
    }


def device_name() -> str:
    """ "cpu" or "cuda" (configuring with "auto" first if nothing chose yet)."""
    if _device is None:
        configure("auto")
    return _device


def tensor(a, *, grad: bool = False):
    """A float64 tensor on the oracle's device (a copy: the caller's array is never touched)."""
    torch = _torch()
    t = torch.tensor(np.ascontiguousarray(a, dtype=np.float64), dtype=torch.float64, device=device_name())
    return t.requires_grad_(grad)


def to_numpy(t) -> np.ndarray:
    """float64 numpy on the CPU."""
    return t.detach().to(device="cpu", dtype=_torch().float64).numpy().copy()


# --- warm-up and sizes ------------------------------------------------------------------------


def conv1d_full(f, g):
    """h[n] = sum_t f[t] g[n - t]: conv1d (a cross-correlation) with g flipped and B - 1 zeros each side."""
    F = _torch().nn.functional
    ft, gt = tensor(f), tensor(g)
    h = F.conv1d(ft.view(1, 1, -1), gt.flip(0).view(1, 1, -1), padding=gt.numel() - 1)
    return to_numpy(h.view(-1))


def conv_output_size(in_size, kernel_size, stride=1, padding=0):
    return (in_size - kernel_size + 2 * padding) // stride + 1


def pool_output_size(in_size, pool_size, stride):
    return (in_size - pool_size) // stride + 1


# --- convolution forward -------------------------------------------------------------------------


def pad2d(x, padding):
    F = _torch().nn.functional
    return to_numpy(F.pad(tensor(x), (padding, padding, padding, padding)))


def conv2d_forward(x, w, b, stride=1, padding=0):
    F = _torch().nn.functional
    return to_numpy(F.conv2d(tensor(x), tensor(w), tensor(b), stride=stride, padding=padding))


# The lecture's table, row by row (blur is exactly 1/9; the slide rounds it to 0.11).
CLASSIC_KERNELS = {
    "sharpness": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "vertical_edge": [[0, 0, 0], [-1, 2, -1], [0, 0, 0]],
    "surround": [[1, 1, 1], [1, -9, 1], [1, 1, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "horizontal_edge": [[0, -1, 0], [0, 2, 0], [0, -1, 0]],
    "blur": [[1 / 9] * 3] * 3,
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "emboss": [[2, 0, 0], [0, -1, 0], [0, 0, -1]],
}


def classic_kernels():
    return {name: np.array(rows, dtype=np.float64) for name, rows in CLASSIC_KERNELS.items()}


def conv_relu_pool(image, kernel):
    """(H, W, 3) image -> NCHW, one (1, 3, 3, 3) filter, no bias; ReLU; 2x2 max pool, stride 2."""
    torch = _torch()
    F = torch.nn.functional
    x = tensor(image).permute(2, 0, 1).unsqueeze(0)
    w = tensor(kernel).expand(1, 3, 3, 3)
    conv = F.conv2d(x, w)
    relu = torch.relu(conv)
    pool = F.max_pool2d(relu, 2, 2)
    return to_numpy(conv), to_numpy(relu), to_numpy(pool)


# --- convolution backward ------------------------------------------------------------------------


def rot180(w):
    return to_numpy(tensor(w).flip(-2, -1))


def dilate(delta, stride):
    torch = _torch()
    d = tensor(delta)
    m, n = d.shape[-2:]
    out = torch.zeros(*d.shape[:-2], (m - 1) * stride + 1, (n - 1) * stride + 1, dtype=d.dtype, device=d.device)
    out[..., ::stride, ::stride] = d
    return to_numpy(out)


def conv2d_backward(delta_in, x, w, stride=1, padding=0):
    """(delta_out, dw, db) by autograd through F.conv2d."""
    torch = _torch()
    F = torch.nn.functional
    xt, wt = tensor(x, grad=True), tensor(w, grad=True)
    bt = torch.zeros(wt.shape[0], dtype=torch.float64, device=wt.device, requires_grad=True)
    z = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    dx, dw, db = torch.autograd.grad(z, (xt, wt, bt), grad_outputs=tensor(delta_in))
    return to_numpy(dx), to_numpy(dw), to_numpy(db)


# --- pooling and layers --------------------------------------------------------------------------


def _pool(kind: str):
    F = _torch().nn.functional
    return F.max_pool2d if kind == "max" else F.avg_pool2d


def max_pool_forward(x, size=2, stride=2):
    return to_numpy(_pool("max")(tensor(x), size, stride))


def avg_pool_forward(x, size=2, stride=2):
    return to_numpy(_pool("avg")(tensor(x), size, stride))


def _pool_backward(kind, delta_in, x, size, stride):
    torch = _torch()
    xt = tensor(x, grad=True)
    (dx,) = torch.autograd.grad(_pool(kind)(xt, size, stride), xt, grad_outputs=tensor(delta_in))
    return to_numpy(dx)


def max_pool_backward(delta_in, x, size=2, stride=2):
    """Autograd of F.max_pool2d: ties go to the first maximum in row-major order, overlaps add."""
    return _pool_backward("max", delta_in, x, size, stride)


def avg_pool_backward(delta_in, x, size=2, stride=2):
    return _pool_backward("avg", delta_in, x, size, stride)


def relu_forward(z):
    return to_numpy(_torch().relu(tensor(z)))


def relu_backward(delta_in, z):
    """Autograd of torch.relu: the gradient at exactly 0 is 0."""
    torch = _torch()
    zt = tensor(z, grad=True)
    (dz,) = torch.autograd.grad(torch.relu(zt), zt, grad_outputs=tensor(delta_in))
    return to_numpy(dz)


def softmax_cross_entropy(logits, labels):
    """(mean cross-entropy loss as a float, dlogits) by F.cross_entropy and autograd (on CUDA, its formula)."""
    torch = _torch()
    lt = tensor(logits, grad=True)
    target = torch.as_tensor(np.asarray(labels, dtype=np.int64), device=lt.device)
    if lt.device.type == "cuda":
        loss = mean_cross_entropy(lt, target)
    else:
        loss = torch.nn.functional.cross_entropy(lt, target)
    (dlogits,) = torch.autograd.grad(loss, lt)
    return float(loss.item()), to_numpy(dlogits)


def mean_cross_entropy(logits, target):
    """F.cross_entropy(logits, target) written out: -mean_n sum_k onehot[n, k] * log_softmax(logits)[n, k].

    The oracle's loss on CUDA. F.cross_entropy runs nll_loss there, which torch's
    documentation lists among the operations that raise instead of running when
    deterministic algorithms are on ("torch.nn.NLLLoss when called on a CUDA tensor");
    this formula needs only log_softmax, elementwise products and sums, whose CUDA
    kernels, forward and backward, are deterministic. Labels outside [0, K) raise the
    IndexError F.cross_entropy raises on the CPU.
    """
    torch = _torch()
    classes = logits.shape[1]
    outside = target[(target < 0) | (target >= classes)]
    if outside.numel():
        raise IndexError(f"Target {int(outside[0])} is out of bounds.")
    onehot = (target[:, None] == torch.arange(classes, device=logits.device)).to(logits.dtype)
    return -(onehot * torch.nn.functional.log_softmax(logits, dim=1)).sum(dim=1).mean()


# --- LeNet -------------------------------------------------------------------------------------------

# name -> shape, PyTorch's state_dict order for the lecture's LeNet.
LENET_PARAM_SHAPES = {
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


@functools.lru_cache(maxsize=1)
def lenet_class():
    """The lecture's LeNet as an nn.Module. Subclasses override one step to model a mistake."""
    torch = _torch()
    nn, F = torch.nn, torch.nn.functional

    class TorchLeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(400, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def activation(self, z, layer: str):
            return torch.relu(z)

        def pool(self, a):
            return F.max_pool2d(a, 2, 2)

        def flatten(self, s):
            return s.reshape(s.shape[0], -1)  # (C, H, W) order

        def head(self, logits):
            return logits

        def forward(self, x):
            s1 = self.pool(self.activation(self.conv1(x), "conv1"))
            s2 = self.pool(self.activation(self.conv2(s1), "conv2"))
            a3 = self.activation(self.fc1(self.flatten(s2)), "fc1")
            a4 = self.activation(self.fc2(a3), "fc2")
            return self.head(self.fc3(a4))

    return TorchLeNet


def lenet_module(params, net_class=None):
    """An nn.Module (float64, oracle device) holding `params`, loaded by state_dict key (strict).

    Built on the meta device (no random initialisation to pay for), then given the
    params' tensors themselves.
    """
    torch = _torch()
    with torch.device("meta"):
        net = (net_class or lenet_class())()
    net.load_state_dict({name: tensor(value) for name, value in params.items()}, strict=True, assign=True)
    return net


def lenet_forward(params, x, net_class=None):
    with _torch().no_grad():
        return to_numpy(lenet_module(params, net_class)(tensor(x)))


def lenet_backward(params, x, dlogits, net_class=None):
    """Gradients of <dlogits, logits> for every parameter, keyed and ordered like state_dict."""
    torch = _torch()
    net = lenet_module(params, net_class)
    names = list(params)
    tensors = [dict(net.named_parameters())[name] for name in names]
    grads = torch.autograd.grad(net(tensor(x)), tensors, grad_outputs=tensor(dlogits))
    return {name: to_numpy(g) for name, g in zip(names, grads)}


def lenet_steps(params, batches, net_class=None):
    """The gradients of the last of several (x, dlogits) steps on one network: each step's own, nothing carried over."""
    x, dlogits = batches[-1]
    return lenet_backward(params, x, dlogits, net_class)


# --- part 6: architecture arithmetic, from torch modules built from the layer list ---------------------


def _window(value) -> tuple[int, int]:
    return (value[0], value[1]) if isinstance(value, (tuple, list)) else (value, value)


def torch_layers(input_shape, layers, *, ones: bool = False) -> list[tuple]:
    """(nn module, the shape after it) for each layer of a layer list: conv -> Conv2d, pool ->
    MaxPool2d, flatten -> Flatten, fc -> Linear, channels and widths taken from the shape that
    reaches the layer.

    The modules live on the meta device (parameter counts without memory), and each shape
    comes from running a one-channel probe through torch's functional op with the module's
    own kernel, stride and padding: torch's arithmetic, at no cost, and without the meta
    device's forward pass, whose first use imports sympy (a second). Too small an input raises
    RuntimeError, as torch does. With ones=True the modules are on the CPU with one channel
    throughout, every weight 1 and every bias 0, pools replaced by average pools of the same
    window and stride, and no padding (for receptive_field: the input gradient of one output
    pixel is then positive exactly on the input region it sees, and that region lies inside
    the input).
    """
    torch = _torch()
    nn, F = torch.nn, torch.nn.functional
    built = []
    shape = tuple(input_shape)
    for layer in layers:
        kind = layer["type"]
        with torch.device("cpu" if ones else "meta"):
            if kind == "conv":
                channels, padding = (1, 0) if ones else (layer["out_channels"], layer.get("padding", 0))
                module = nn.Conv2d(shape[0], channels, _window(layer["kernel"]), layer.get("stride", 1), padding, dtype=torch.float64)
            elif kind == "pool":
                window = _window(layer["size"])
                module = (nn.AvgPool2d if ones else nn.MaxPool2d)(window, layer.get("stride", window))
            elif kind == "flatten":
                module = nn.Flatten()
            elif kind == "fc":
                module = nn.Linear(shape[0], layer["out"], dtype=torch.float64)
            else:
                raise ValueError(f"unknown layer type {kind!r}")
        if ones:
            with torch.no_grad():
                for name, parameter in module.named_parameters():
                    parameter.fill_(1.0 if name == "weight" else 0.0)
        if kind in ("conv", "pool") and len(shape) == 3:
            probe = torch.zeros((1, 1, *shape[1:]))
            if kind == "conv":
                probe = F.conv2d(probe, torch.zeros((1, 1, *module.kernel_size)), stride=module.stride, padding=module.padding)
                shape = (module.out_channels, *probe.shape[2:])
            else:
                shape = (shape[0], *F.max_pool2d(probe, module.kernel_size, module.stride).shape[2:])
        elif kind == "flatten" and len(shape) == 3:
            shape = (shape[0] * shape[1] * shape[2],)
        elif kind == "fc" and len(shape) == 1:
            shape = (module.out_features,)
        else:
            raise RuntimeError(f"a {kind} layer cannot take an input of shape {shape}")
        built.append((module, tuple(int(n) for n in shape)))
    return built


def network_shapes(input_shape, layers):
    """The shape after each layer (see torch_layers)."""
    return tuple(shape for _, shape in torch_layers(input_shape, layers))


def parameter_count(input_shape, layers):
    """(total, per_layer): numel() of every parameter of each module."""
    per_layer = tuple(int(sum(p.numel() for p in module.parameters())) for module, _ in torch_layers(input_shape, layers))
    return int(sum(per_layer)), per_layer


def receptive_field(layers):
    """The extent of the input gradient of one output pixel, through weights of ones (see torch_layers)."""
    torch = _torch()
    side = 1
    while True:
        try:
            modules = torch_layers((1, side, side), layers, ones=True)
            break
        except RuntimeError:  # the input is still smaller than one output pixel needs
            side *= 2
    x = torch.zeros((1, 1, side, side), dtype=torch.float64, requires_grad=True)
    y = x
    for module, _ in modules:
        y = module(y)
    (gradient,) = torch.autograd.grad(y[0, :, 0, 0].sum(), x)
    rows = torch.nonzero(gradient[0, 0].abs().sum(dim=1)).flatten()
    return int(rows.max() - rows.min() + 1)


# --- part 6: the blocks, forward by torch.nn.functional, backward by autograd -----------------------------


def global_avg_pool_forward(x):
    return to_numpy(tensor(x).mean(dim=(2, 3)))


def global_avg_pool_backward(delta_in, x):
    torch = _torch()
    xt = tensor(x, grad=True)
    (dx,) = torch.autograd.grad(xt.mean(dim=(2, 3)), xt, grad_outputs=tensor(delta_in))
    return to_numpy(dx)


def batchnorm(x, gamma, beta, eps=1e-5):
    """nn.BatchNorm2d in training mode: F.batch_norm(training=True), batch statistics, biased variance."""
    F = _torch().nn.functional
    return F.batch_norm(x, None, None, gamma, beta, training=True, momentum=0.0, eps=eps)


def batchnorm2d_forward(x, gamma, beta, eps=1e-5):
    with _torch().no_grad():
        return to_numpy(batchnorm(tensor(x), tensor(gamma), tensor(beta), eps))


def batchnorm2d_backward(delta_in, x, gamma, beta, eps=1e-5, norm=None):
    """(dx, dgamma, dbeta) by autograd; norm(x, gamma, beta, eps) replaces the layer (to model a mistake)."""
    torch = _torch()
    xt, gt, bt = tensor(x, grad=True), tensor(gamma, grad=True), tensor(beta, grad=True)
    y = (norm or batchnorm)(xt, gt, bt, eps)
    return tuple(to_numpy(g) for g in torch.autograd.grad(y, (xt, gt, bt), grad_outputs=tensor(delta_in)))


def _conv(x, params, name, stride=1, padding=0):
    F = _torch().nn.functional
    return F.conv2d(x, params[f"{name}.weight"], params.get(f"{name}.bias"), stride=stride, padding=padding)


def shortcut(x, params, stride=1):
    """x, or the 1x1 projection shortcut.weight at stride S (no bias)."""
    return _conv(x, params, "shortcut", stride) if "shortcut.weight" in params else x


def residual_branch(x, params, stride=1):
    """F(x) = conv2(ReLU(conv1(x))), 3x3 convolutions with padding 1, conv1 at stride S."""
    torch = _torch()
    return _conv(torch.relu(_conv(x, params, "conv1", stride, 1)), params, "conv2", 1, 1)


def residual_block(x, params, stride=1):
    return _torch().relu(residual_branch(x, params, stride) + shortcut(x, params, stride))


def bottleneck_branch(x, params, stride=1):
    """conv3(ReLU(conv2(ReLU(conv1(x))))): 1x1, 3x3 with padding 1, 1x1."""
    torch = _torch()
    a1 = torch.relu(_conv(x, params, "conv1"))
    a2 = torch.relu(_conv(a1, params, "conv2", 1, 1))
    return _conv(a2, params, "conv3")


def bottleneck_block(x, params, stride=1):
    return _torch().relu(bottleneck_branch(x, params) + shortcut(x, params))


def dense_block(x, params, num_layers):
    """concat(x, out_0, ..., out_{L-1}), out_i = conv_i(ReLU(concat(x, out_0, ..., out_{i-1})))."""
    torch = _torch()
    features = [x]
    for i in range(num_layers):
        features.append(_conv(torch.relu(torch.cat(features, dim=1)), params, f"layer{i}", 1, 1))
    return torch.cat(features, dim=1)


def block_forward(block, x, params, *options):
    """A block's output; block(x, params, *options) is one of the blocks above (or a wrong one)."""
    torch = _torch()
    with torch.no_grad():
        return to_numpy(block(tensor(x), {name: tensor(value) for name, value in params.items()}, *options))


def block_backward(block, delta_in, x, params, *options):
    """The gradient of every parameter (params' keys, in order) and "x", by autograd."""
    torch = _torch()
    xt = tensor(x, grad=True)
    tensors = {name: tensor(value, grad=True) for name, value in params.items()}
    grads = torch.autograd.grad(block(xt, tensors, *options), [*tensors.values(), xt], grad_outputs=tensor(delta_in))
    return {name: to_numpy(g) for name, g in zip([*tensors, "x"], grads)}


def residual_block_forward(x, params, stride=1):
    return block_forward(residual_block, x, params, stride)


def residual_block_backward(delta_in, x, params, stride=1):
    return block_backward(residual_block, delta_in, x, params, stride)


def bottleneck_block_forward(x, params):
    return block_forward(bottleneck_block, x, params)


def bottleneck_block_backward(delta_in, x, params):
    return block_backward(bottleneck_block, delta_in, x, params)


def dense_block_forward(x, params, num_layers):
    return block_forward(dense_block, x, params, num_layers)


def dense_block_backward(delta_in, x, params, num_layers):
    return block_backward(dense_block, delta_in, x, params, num_layers)


# target (as the sandbox names it) -> the function giving its expected value.
ORACLES = {
    "conv1d_full": conv1d_full,
    "conv_output_size": conv_output_size,
    "pool_output_size": pool_output_size,
    "pad2d": pad2d,
    "conv2d_forward": conv2d_forward,
    "classic_kernels": classic_kernels,
    "conv_relu_pool": conv_relu_pool,
    "rot180": rot180,
    "dilate": dilate,
    "conv2d_backward": conv2d_backward,
    "max_pool_forward": max_pool_forward,
    "max_pool_backward": max_pool_backward,
    "avg_pool_forward": avg_pool_forward,
    "avg_pool_backward": avg_pool_backward,
    "relu_forward": relu_forward,
    "relu_backward": relu_backward,
    "softmax_cross_entropy": softmax_cross_entropy,
    "LeNet.forward": lenet_forward,
    "LeNet.backward": lenet_backward,
    "LeNet.steps": lenet_steps,
    "network_shapes": network_shapes,
    "parameter_count": parameter_count,
    "receptive_field": receptive_field,
    "global_avg_pool_forward": global_avg_pool_forward,
    "global_avg_pool_backward": global_avg_pool_backward,
    "batchnorm2d_forward": batchnorm2d_forward,
    "batchnorm2d_backward": batchnorm2d_backward,
    "residual_block_forward": residual_block_forward,
    "residual_block_backward": residual_block_backward,
    "bottleneck_block_forward": bottleneck_block_forward,
    "bottleneck_block_backward": bottleneck_block_backward,
    "dense_block_forward": dense_block_forward,
    "dense_block_backward": dense_block_backward,
}
