"""The expected value of every API function, computed by PyTorch in float64.

Written with torch only, never with the course's numpy solutions: this package ships
to students. Convolutions use F.conv2d, backward passes use autograd, pooling uses
F.max_pool2d / F.avg_pool2d (+ autograd), the true 1-D convolution is torch's conv1d
with a flipped kernel, sizes are arithmetic, the nine kernels are the lecture's
constants, and LeNet is a torch nn.Module loaded from a params dict by state_dict key.

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
}
