"""More correct solutions, each written in a way a real student might write it, each must score 100.

The three folders beside this file are whole submissions (loops, float32, im2col). The
styles here are the reference with some functions written again at the end of their
module (a later `def` replaces the earlier one), so each stays short and names exactly
what it does differently:

- return a subclass of the container the API names (namedtuple, OrderedDict, defaultdict,
  an int subclass, a list subclass);
- raise a subclass of the exception the API names;
- use the standard library: multiprocessing (a fork pool, a spawn pool, shared memory),
  threads, lazy and relative imports, plain lists and generators;
- keep state: a LeNet that keeps float32 copies in its own params, one that zeroes its
  gradient buffers on each backward call;
- be slow: pure-Python loops over lists, far from numpy;
- vectorise another way: as_strided windows and einsum.
`exercises` lists what each style changes: those are graded (every other exercise runs
the reference's own code).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Style:
    name: str
    exercises: tuple[str, ...]
    appends: dict = field(default_factory=dict)  # module -> source added at its end
    base: str = "reference"  # or one of the folders beside this file


STYLES = (
    Style("namedtuple_results", ("conv2d_backward", "softmax_cross_entropy", "conv_relu_pool", "max_pool"), {
        "conv_backward": """
from collections import namedtuple

Gradients = namedtuple("Gradients", "delta_out dw db")
_plain_conv2d_backward = conv2d_backward


def conv2d_backward(delta_in, x, w, stride=1, padding=0):
    return Gradients(*_plain_conv2d_backward(delta_in, x, w, stride, padding))
""",
        "layers": """
from typing import NamedTuple


class LossAndGradient(NamedTuple):
    loss: float
    dlogits: object


_plain_softmax_cross_entropy = softmax_cross_entropy


def softmax_cross_entropy(logits, labels):
    return LossAndGradient(*_plain_softmax_cross_entropy(logits, labels))
""",
        "kernels": """
class Stages(tuple):
    pass


_plain_conv_relu_pool = conv_relu_pool


def conv_relu_pool(image, kernel):
    return Stages(_plain_conv_relu_pool(image, kernel))
""",
        "pooling": """
class Shaped(int):
    pass


_plain_max_pool_forward = max_pool_forward


def max_pool_forward(x, size=2, stride=2):
    return _plain_max_pool_forward(x, Shaped(size), Shaped(stride))
""",
    }),
    Style("mapping_subclasses", ("classic_kernels", "lenet"), {
        "kernels": """
from collections import OrderedDict

_plain_classic_kernels = classic_kernels


def classic_kernels():
    return OrderedDict(sorted(_plain_classic_kernels().items()))
""",
        "lenet": """
from collections import OrderedDict, defaultdict


class LeNet(LeNet):
    def backward(self, dlogits):
        grads = defaultdict(lambda: 0.0)
        grads.update(super().backward(dlogits))
        return OrderedDict(grads)
""",
    }),
    Style("exception_subclasses", ("conv_output_size", "pool_output_size"), {
        "sizes": """
class InvalidSizeError(ValueError):
    \"\"\"A size that no layer can have.\"\"\"


class KernelTooLargeError(InvalidSizeError):
    pass


_plain_conv_output_size = conv_output_size
_plain_pool_output_size = pool_output_size


def conv_output_size(in_size, kernel_size, stride=1, padding=0):
    try:
        return _plain_conv_output_size(in_size, kernel_size, stride, padding)
    except ValueError as error:
        raise KernelTooLargeError(str(error)) from None


def pool_output_size(in_size, pool_size, stride):
    try:
        return _plain_pool_output_size(in_size, pool_size, stride)
    except ValueError as error:
        raise InvalidSizeError(str(error)) from None
""",
    }),
    Style("int_subclass_sizes", ("conv_output_size", "pool_output_size"), {
        "sizes": """
import enum


class Size(int):
    def __repr__(self):
        return f"Size({int(self)})"


class Smallest(enum.IntEnum):
    ONE = 1


_plain_conv_output_size = conv_output_size
_plain_pool_output_size = pool_output_size


def conv_output_size(in_size, kernel_size, stride=1, padding=0):
    size = _plain_conv_output_size(in_size, kernel_size, stride, padding)
    return Smallest.ONE if size == 1 else Size(size)


def pool_output_size(in_size, pool_size, stride):
    return Size(_plain_pool_output_size(in_size, pool_size, stride))
""",
    }),
    Style("multiprocessing", ("conv2d_forward", "conv1d_full", "avg_pool"), {
        "conv_forward": """
import multiprocessing

_plain_conv2d_forward = conv2d_forward


def _one_image(job):
    image, w, b, stride, padding = job
    return _plain_conv2d_forward(image[np.newaxis], w, b, stride, padding)[0]


def conv2d_forward(x, w, b, stride=1, padding=0):
    x = np.asarray(x)
    jobs = [(image, w, b, stride, padding) for image in x]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        return np.stack(pool.map(_one_image, jobs))
""",
        "warmup": """
import multiprocessing
from multiprocessing import shared_memory

_plain_conv1d_full = conv1d_full


def _square(value):
    return value * value


def conv1d_full(f, g):
    result = _plain_conv1d_full(f, g)
    block = shared_memory.SharedMemory(create=True, size=result.nbytes)
    try:
        shared = np.ndarray(result.shape, dtype=result.dtype, buffer=block.buf)
        shared[:] = result
        copy = shared.copy()
        del shared
    finally:
        block.close()
        block.unlink()
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.map(_square, [3]) == [9]
    return copy
""",
        "pooling": """
import multiprocessing

_plain_avg_pool_backward = avg_pool_backward


def _channel(job):
    return _plain_avg_pool_backward(*job)


def avg_pool_backward(delta_in, x, size=2, stride=2):
    jobs = [(delta_in[:, [c]], x[:, [c]], size, stride) for c in range(x.shape[1])]
    with multiprocessing.Pool(2) as pool:
        return np.concatenate(pool.map(_channel, jobs), axis=1)
""",
    }),
    Style("threads", ("conv2d_forward", "relu"), {
        "conv_forward": """
from concurrent.futures import ThreadPoolExecutor

_plain_conv2d_forward = conv2d_forward


def conv2d_forward(x, w, b, stride=1, padding=0):
    w, b = np.asarray(w), np.asarray(b)
    with ThreadPoolExecutor(max_workers=3) as pool:
        maps = list(pool.map(lambda m: _plain_conv2d_forward(x, w[m:m + 1], b[m:m + 1], stride, padding), range(len(w))))
    return np.concatenate(maps, axis=1)
""",
        "layers": """
import threading

_plain_relu_backward = relu_backward


def relu_backward(delta_in, z):
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("value", _plain_relu_backward(delta_in, z)))
    worker.start()
    worker.join()
    return result["value"]
""",
    }),
    Style("lazy_relative_imports", ("conv2d_forward", "max_pool", "conv2d_backward"), {
        "conv_forward": """
def conv2d_forward(x, w, b, stride=1, padding=0):
    import importlib

    from . import sizes

    numpy = importlib.import_module("numpy")
    x, w, b = numpy.asarray(x, dtype=float), numpy.asarray(w, dtype=float), numpy.asarray(b, dtype=float)
    h_out = sizes.conv_output_size(x.shape[2], w.shape[2], stride, padding)
    w_out = sizes.conv_output_size(x.shape[3], w.shape[3], stride, padding)
    xp = pad2d(x, padding)
    z = numpy.empty((x.shape[0], w.shape[0], h_out, w_out))
    for i in range(h_out):
        for j in range(w_out):
            window = xp[:, :, i * stride:i * stride + w.shape[2], j * stride:j * stride + w.shape[3]]
            z[:, :, i, j] = numpy.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return z
""",
        "pooling": """
def max_pool_forward(x, size=2, stride=2):
    import numpy

    from .sizes import pool_output_size as out

    x = numpy.asarray(x)
    h, w = out(x.shape[2], size, stride), out(x.shape[3], size, stride)
    return numpy.array([[[[x[n, c, i * stride:i * stride + size, j * stride:j * stride + size].max()
                           for j in range(w)] for i in range(h)] for c in range(x.shape[1])] for n in range(x.shape[0])],
                       dtype=float)
""",
        "conv_backward": """
_plain_conv2d_backward = conv2d_backward


def conv2d_backward(delta_in, x, w, stride=1, padding=0):
    import importlib

    here = importlib.import_module(__package__ + ".conv_backward")
    return here._plain_conv2d_backward(delta_in, x, w, stride, padding)
""",
    }),
    Style("lists_and_generators", ("conv1d_full", "relu", "pad2d"), {
        "warmup": """
def conv1d_full(f, g):
    f, g = [float(v) for v in f], [float(v) for v in g]
    return np.array([sum(f[t] * g[n - t] for t in range(len(f)) if 0 <= n - t < len(g))
                     for n in range(len(f) + len(g) - 1)])
""",
        "layers": """
def relu_forward(z):
    z = np.asarray(z, dtype=float)
    return np.fromiter((v if v > 0 else 0.0 for v in z.ravel()), dtype=float, count=z.size).reshape(z.shape)


def relu_backward(delta_in, z):
    d, z = np.asarray(delta_in, dtype=float), np.asarray(z, dtype=float)
    return np.array([di if zi > 0 else 0.0 for di, zi in zip(d.ravel().tolist(), z.ravel().tolist())]).reshape(z.shape)
""",
        "conv_forward": """
def pad2d(x, padding):
    x = np.asarray(x)
    out = np.zeros(x.shape[:-2] + (x.shape[-2] + 2 * padding, x.shape[-1] + 2 * padding), dtype=x.dtype)
    out[..., padding:out.shape[-2] - padding, padding:out.shape[-1] - padding] = x
    return out
""",
    }),
    Style("lenet_float32_params", ("lenet",), {
        "lenet": """
class LeNet(LeNet):
    \"\"\"Keeps float32 copies in its own params and computes in float32 (half the memory).\"\"\"

    def forward(self, x):
        for name, value in list(self.params.items()):
            self.params[name] = np.asarray(value, dtype=np.float32)
        return super().forward(np.asarray(x, dtype=np.float32))

    def backward(self, dlogits):
        return super().backward(np.asarray(dlogits, dtype=np.float32))
""",
    }),
    Style("lenet_gradient_buffers", ("lenet",), {
        "lenet": """
class LeNet(LeNet):
    \"\"\"Adds into gradient buffers it keeps between calls, and zeroes them on every backward.\"\"\"

    def __init__(self, seed=0):
        super().__init__(seed)
        self._buffers = {name: np.zeros_like(value) for name, value in self.params.items()}
        self._calls = []

    def forward(self, x):
        self._calls.append(np.asarray(x).shape[0])
        return super().forward(x)

    def backward(self, dlogits):
        for buffer in self._buffers.values():
            buffer[...] = 0.0
        for name, grad in super().backward(dlogits).items():
            self._buffers[name] += grad
        return {name: buffer.copy() for name, buffer in self._buffers.items()}
""",
    }),
    Style("pure_python_loops", ("conv2d_forward", "max_pool", "lenet"), {
        "conv_forward": """
def conv2d_forward(x, w, b, stride=1, padding=0):
    xs = pad2d(np.asarray(x, dtype=float), padding).tolist()
    ws, bs = np.asarray(w, dtype=float).tolist(), np.asarray(b, dtype=float).tolist()
    kh, kw = len(ws[0][0]), len(ws[0][0][0])
    h_out = (len(xs[0][0]) - kh) // stride + 1
    w_out = (len(xs[0][0][0]) - kw) // stride + 1
    out = []
    for image in xs:
        maps = []
        for kernel, bias in zip(ws, bs):
            rows = []
            for i in range(h_out):
                row = []
                for j in range(w_out):
                    total = bias
                    for channel, k in zip(image, kernel):
                        for u in range(kh):
                            line, krow = channel[i * stride + u], k[u]
                            for v in range(kw):
                                total += line[j * stride + v] * krow[v]
                    row.append(total)
                rows.append(row)
            maps.append(rows)
        out.append(maps)
    return np.array(out, dtype=float)
""",
        "pooling": """
def max_pool_forward(x, size=2, stride=2):
    xs = np.asarray(x, dtype=float).tolist()
    h_out, w_out = (len(xs[0][0]) - size) // stride + 1, (len(xs[0][0][0]) - size) // stride + 1
    return np.array([[[[max(channel[i * stride + u][j * stride + v] for u in range(size) for v in range(size))
                        for j in range(w_out)] for i in range(h_out)] for channel in image] for image in xs])


def max_pool_backward(delta_in, x, size=2, stride=2):
    xs, ds = np.asarray(x, dtype=float).tolist(), np.asarray(delta_in, dtype=float).tolist()
    out = [[[[0.0] * len(row) for row in channel] for channel in image] for image in xs]
    for n, image in enumerate(xs):
        for c, channel in enumerate(image):
            for i, drow in enumerate(ds[n][c]):
                for j, d in enumerate(drow):
                    best, where = None, None
                    for u in range(size):
                        for v in range(size):
                            value = channel[i * stride + u][j * stride + v]
                            if best is None or value > best:
                                best, where = value, (i * stride + u, j * stride + v)
                    out[n][c][where[0]][where[1]] += d
    return np.array(out)
""",
    }),
    Style("einsum_as_strided", ("conv2d_forward", "conv2d_backward"), {
        "conv_forward": """
from numpy.lib.stride_tricks import as_strided


def _windows(xp, kh, kw, stride, h_out, w_out):
    n, c, _, _ = xp.shape
    sn, sc, sh, sw = xp.strides
    return as_strided(xp, (n, c, h_out, w_out, kh, kw), (sn, sc, sh * stride, sw * stride, sh, sw), writeable=False)


def conv2d_forward(x, w, b, stride=1, padding=0):
    x, w, b = (np.asarray(a, dtype=float) for a in (x, w, b))
    xp = np.ascontiguousarray(pad2d(x, padding))
    h_out = (xp.shape[2] - w.shape[2]) // stride + 1
    w_out = (xp.shape[3] - w.shape[3]) // stride + 1
    windows = _windows(xp, w.shape[2], w.shape[3], stride, h_out, w_out)
    return np.einsum("ncijuv,mcuv->nmij", windows, w, optimize=True) + b[None, :, None, None]
""",
        "conv_backward": """
def conv2d_backward(delta_in, x, w, stride=1, padding=0):
    from .conv_forward import _windows

    delta_in, x, w = (np.asarray(a, dtype=float) for a in (delta_in, x, w))
    xp = np.ascontiguousarray(pad2d(x, padding))
    h_out, w_out = delta_in.shape[2:]
    kh, kw = w.shape[2:]
    windows = _windows(xp, kh, kw, stride, h_out, w_out)
    dw = np.einsum("ncijuv,nmij->mcuv", windows, delta_in, optimize=True)
    db = delta_in.sum(axis=(0, 2, 3))
    dxp = np.zeros_like(xp)
    contribution = np.einsum("nmij,mcuv->ncijuv", delta_in, w, optimize=True)
    for u in range(kh):
        for v in range(kw):
            dxp[:, :, u:u + (h_out - 1) * stride + 1:stride, v:v + (w_out - 1) * stride + 1:stride] += contribution[..., u, v]
    h, wid = x.shape[2:]
    return dxp[:, :, padding:padding + h, padding:padding + wid], dw, db
""",
    }),
)

BY_NAME = {style.name: style for style in STYLES}
