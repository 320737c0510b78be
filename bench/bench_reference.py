"""How fast is the numpy reference next to PyTorch on the CPU? A benchmark, not a test.

    python bench/bench_reference.py                    # 2 threads, float32 and float64
    python bench/bench_reference.py --threads 1 --repeat 50 --markdown

Times, on identical inputs: conv2d_forward (vs F.conv2d), conv2d_backward (vs autograd's
backward of F.conv2d: input, weight and bias gradients), max pooling forward + backward
(vs F.max_pool2d and its autograd backward) and one LeNet training step at batch 64
(forward, loss, backward, SGD-with-momentum update; vs the same network in torch with
torch.optim.SGD), and part 6's blocks forward + backward (residual with and without the
projection, bottleneck, dense, batch normalization in training mode; vs the same blocks
written with torch.nn.functional and autograd). Each case first checks that both give the same numbers, then runs
`--warmup` untimed rounds and `--repeat` timed rounds; reference and torch alternate
round by round, so a busy machine slows both alike. The table gives the median and the
best time of each and ratio = reference / torch (of the medians, and of the best times).

Threads: numpy's BLAS and torch get the same count (--threads, default 2): the BLAS
variables are set before numpy is imported, and torch.set_num_threads(threads).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
BATCH = 64
LR = 0.05
MOMENTUM = 0.9

# name -> (x shape (N, C_in, H, W), w shape (C_out, C_in, KH, KW), stride, padding)
CONV_SHAPES = {
    "16->32 3x3 P1 32x32": ((BATCH, 16, 32, 32), (32, 16, 3, 3), 1, 1),
    "LeNet conv1": ((BATCH, 1, 32, 32), (6, 1, 5, 5), 1, 0),
    "LeNet conv2": ((BATCH, 6, 14, 14), (16, 6, 5, 5), 1, 0),
}
# name -> x shape; every pool is 2x2 with stride 2
POOL_SHAPES = {
    "32ch 32x32": (BATCH, 32, 32, 32),
    "LeNet pool1": (BATCH, 6, 28, 28),
}


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="threads for numpy's BLAS and for torch (default 2)")
    parser.add_argument("--repeat", type=int, default=20, help="timed rounds per case (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (default 3)")
    parser.add_argument("--dtype", choices=("float32", "float64", "both"), default="both")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_arguments(argv)
    for variable in BLAS_THREAD_VARIABLES:
        os.environ[variable] = str(args.threads)
    # Imported only now: the BLAS reads its thread count when numpy loads.
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    sys.path.insert(0, str(REPO_ROOT))
    import reference

    dtypes = ("float32", "float64") if args.dtype == "both" else (args.dtype,)
    rows = []
    for dtype in dtypes:
        for case in cases(np, torch, reference, dtype):
            rows.append(measure(case, args.warmup, args.repeat))
            print("  ".join(_cells(rows[-1])), file=sys.stderr, flush=True)
    print(environment(np, torch, args.threads))
    print(format_table(rows, markdown=args.markdown))


def cases(np, torch, reference, dtype):
    """Every benchmark Case for one dtype, with its inputs built from a fixed seed."""
    import torch.nn.functional as F

    from reference.training import sgd_momentum_step

    rng = np.random.default_rng(0)
    tdtype = getattr(torch, dtype)

    def both(array):
        array = array.astype(dtype)
        return array, torch.from_numpy(array.copy())

    for name, (x_shape, w_shape, stride, padding) in CONV_SHAPES.items():
        x, tx = both(rng.standard_normal(x_shape))
        w, tw = both(rng.standard_normal(w_shape))
        b, tb = both(rng.standard_normal(w_shape[0]))
        yield Case(
            f"conv2d_forward {name}", dtype,
            lambda x=x, w=w, b=b, s=stride, p=padding: reference.conv2d_forward(x, w, b, s, p),
            lambda tx=tx, tw=tw, tb=tb, s=stride, p=padding: F.conv2d(tx, tw, tb, s, p),
        )
        tx, tw, tb = (t.clone().requires_grad_(True) for t in (tx, tw, tb))
        tz = F.conv2d(tx, tw, tb, stride, padding)
        delta, tdelta = both(rng.standard_normal(tuple(tz.shape)))
        yield Case(
            f"conv2d_backward {name}", dtype,
            lambda d=delta, x=x, w=w, s=stride, p=padding: reference.conv2d_backward(d, x, w, s, p),
            lambda tz=tz, tx=tx, tw=tw, tb=tb, td=tdelta: torch.autograd.grad(tz, (tx, tw, tb), td, retain_graph=True),
        )

    for name, x_shape in POOL_SHAPES.items():
        x, tx = both(rng.standard_normal(x_shape))
        tx.requires_grad_(True)
        out_shape = x_shape[:2] + (x_shape[2] // 2, x_shape[3] // 2)
        delta, tdelta = both(rng.standard_normal(out_shape))

        def reference_pool(x=x, delta=delta):
            return reference.max_pool_forward(x, 2, 2), reference.max_pool_backward(delta, x, 2, 2)

        def torch_pool(tx=tx, tdelta=tdelta):
            out = F.max_pool2d(tx, 2, 2)
            return out, torch.autograd.grad(out, tx, tdelta)[0]

        yield Case(f"max pool fwd+bwd {name}", dtype, reference_pool, torch_pool)

    x, tx = both(rng.random((BATCH, 1, 32, 32)))
    labels = rng.integers(0, 10, size=BATCH)
    model = reference.LeNet(seed=0)
    model.params = {key: value.astype(dtype) for key, value in model.params.items()}
    velocity = {key: np.zeros_like(value) for key, value in model.params.items()}
    net = torch_lenet(torch, model.params, tdtype)
    optimiser = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    tlabels = torch.from_numpy(labels)

    def reference_step():
        logits = model.forward(x)
        _, dlogits = reference.softmax_cross_entropy(logits, labels)
        # The loss works in float64; hand its gradient back in the network's dtype, as torch does.
        grads = model.backward(dlogits.astype(dtype))
        sgd_momentum_step(model.params, grads, velocity, LR, MOMENTUM)
        return logits

    def torch_step():
        optimiser.zero_grad()
        logits = net(tx)
        F.cross_entropy(logits, tlabels).backward()
        optimiser.step()
        return logits

    yield Case("LeNet train step (batch 64)", dtype, reference_step, torch_step)
    yield from block_cases(np, torch, reference, dtype, rng)


# Part 6's blocks, forward + backward. name -> (x shape, the block's parameter shapes, stride)
BLOCK_BATCH = 32
RESIDUAL_SHAPES = {
    "residual 16ch 16x16": ((BLOCK_BATCH, 16, 16, 16), 16, 1),
    "residual 16->32 stride 2 (projection)": ((BLOCK_BATCH, 16, 16, 16), 32, 2),
}
BOTTLENECK_SHAPE = ((BLOCK_BATCH, 64, 8, 8), 16, 64)  # x, the 1x1's narrowing, out channels
DENSE_SHAPE = ((BLOCK_BATCH, 16, 16, 16), 12, 3)  # x, growth rate, layers
BATCHNORM_SHAPE = (BATCH, 32, 16, 16)


def block_cases(np, torch, reference, dtype, rng):
    """Part 6's blocks next to the same blocks written with torch.nn.functional and autograd.

    Both sides return the output, then dJ/dx, then one gradient per parameter, in the order
    of the params dict.
    """
    import torch.nn.functional as F

    def both(array):
        array = array.astype(dtype)
        return array, torch.from_numpy(array.copy())

    def parameters(shapes):
        params, tparams = {}, {}
        for key, shape in shapes.items():
            params[key], tensor = both(rng.standard_normal(shape) * (0.2 if key.endswith("weight") else 0.1))
            tparams[key] = tensor.requires_grad_(True)
        return params, tparams

    def case(label, x_shape, shapes, reference_forward, reference_backward, torch_forward):
        x, tx = both(rng.standard_normal(x_shape))
        tx.requires_grad_(True)
        params, tparams = parameters(shapes)
        out_shape = tuple(torch_forward(tx, tparams).shape)
        delta, tdelta = both(rng.standard_normal(out_shape))

        def ours():
            grads = reference_backward(delta, x, params)
            return [reference_forward(x, params), grads["x"], *(grads[key] for key in params)]

        def theirs():
            out = torch_forward(tx, tparams)
            return [out, *torch.autograd.grad(out, [tx, *tparams.values()], tdelta)]

        return Case(label, dtype, ours, theirs)

    def shortcut(tx, tp, stride):
        return F.conv2d(tx, tp["shortcut.weight"], None, stride) if "shortcut.weight" in tp else tx

    for name, (x_shape, out_channels, stride) in RESIDUAL_SHAPES.items():
        channels = x_shape[1]
        shapes = {"conv1.weight": (out_channels, channels, 3, 3), "conv1.bias": (out_channels,),
                  "conv2.weight": (out_channels, out_channels, 3, 3), "conv2.bias": (out_channels,)}
        if out_channels != channels or stride != 1:
            shapes["shortcut.weight"] = (out_channels, channels, 1, 1)

        def torch_residual(tx, tp, stride=stride):
            h = F.relu(F.conv2d(tx, tp["conv1.weight"], tp["conv1.bias"], stride, 1))
            return F.relu(F.conv2d(h, tp["conv2.weight"], tp["conv2.bias"], 1, 1) + shortcut(tx, tp, stride))

        yield case(f"{name} fwd+bwd", x_shape, shapes,
                   lambda x, p, s=stride: reference.residual_block_forward(x, p, s),
                   lambda d, x, p, s=stride: reference.residual_block_backward(d, x, p, s),
                   torch_residual)

    x_shape, width, out_channels = BOTTLENECK_SHAPE
    shapes = {"conv1.weight": (width, x_shape[1], 1, 1), "conv1.bias": (width,),
              "conv2.weight": (width, width, 3, 3), "conv2.bias": (width,),
              "conv3.weight": (out_channels, width, 1, 1), "conv3.bias": (out_channels,)}

    def torch_bottleneck(tx, tp):
        h = F.relu(F.conv2d(tx, tp["conv1.weight"], tp["conv1.bias"]))
        h = F.relu(F.conv2d(h, tp["conv2.weight"], tp["conv2.bias"], 1, 1))
        return F.relu(F.conv2d(h, tp["conv3.weight"], tp["conv3.bias"]) + shortcut(tx, tp, 1))

    yield case(f"bottleneck {x_shape[1]}->{width}->{out_channels} {x_shape[2]}x{x_shape[3]} fwd+bwd", x_shape, shapes,
               reference.bottleneck_block_forward, reference.bottleneck_block_backward, torch_bottleneck)

    x_shape, growth, layers = DENSE_SHAPE
    shapes = {}
    for i in range(layers):
        shapes[f"layer{i}.weight"] = (growth, x_shape[1] + i * growth, 3, 3)
        shapes[f"layer{i}.bias"] = (growth,)

    def torch_dense(tx, tp):
        features = [tx]
        for i in range(layers):
            features.append(F.conv2d(F.relu(torch.cat(features, 1)), tp[f"layer{i}.weight"], tp[f"layer{i}.bias"], 1, 1))
        return torch.cat(features, 1)

    yield case(f"dense block {layers} layers k={growth} {x_shape[2]}x{x_shape[3]} fwd+bwd", x_shape, shapes,
               lambda x, p: reference.dense_block_forward(x, p, layers),
               lambda d, x, p: reference.dense_block_backward(d, x, p, layers),
               torch_dense)

    channels = BATCHNORM_SHAPE[1]

    def batchnorm_backward(d, x, p):
        dx, dgamma, dbeta = reference.batchnorm2d_backward(d, x, p["gamma"], p["beta"])
        return {"x": dx, "gamma": dgamma, "beta": dbeta}

    yield case(f"batchnorm2d {channels}ch {BATCHNORM_SHAPE[2]}x{BATCHNORM_SHAPE[3]} fwd+bwd", BATCHNORM_SHAPE,
               {"gamma": (channels,), "beta": (channels,)},
               lambda x, p: reference.batchnorm2d_forward(x, p["gamma"], p["beta"]),
               batchnorm_backward,
               lambda tx, tp: F.batch_norm(tx, None, None, tp["gamma"], tp["beta"], training=True))


@dataclass
class Case:
    """One timed comparison: two zero-argument callables that compute the same arrays."""

    label: str
    dtype: str
    reference_fn: Callable
    torch_fn: Callable

    def check(self):
        """Both sides compute the same numbers (first call only; a training step changes the weights)."""
        import numpy as np

        ours, theirs = _flatten(self.reference_fn()), _flatten(self.torch_fn())
        if len(ours) != len(theirs):
            raise AssertionError(f"{self.label}: {len(ours)} results against torch's {len(theirs)}")
        tolerance = 1e-3 if self.dtype == "float32" else 1e-9
        for a, b in zip(ours, theirs):
            b = b.detach().numpy()
            scale = max(1.0, float(np.abs(b).max()))
            if a.shape != b.shape or not np.allclose(a, b, rtol=tolerance, atol=tolerance * scale):
                raise AssertionError(f"{self.label} {self.dtype}: reference and torch disagree")


def _flatten(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def measure(case, warmup, repeat):
    import numpy as np

    case.check()
    for _ in range(warmup):
        case.reference_fn()
        case.torch_fn()
    times = {"reference": [], "torch": []}
    for _ in range(repeat):
        for side, fn in (("reference", case.reference_fn), ("torch", case.torch_fn)):
            start = time.perf_counter()
            fn()
            times[side].append(time.perf_counter() - start)
    summary = {side: (float(np.median(t)) * 1e3, float(np.min(t)) * 1e3) for side, t in times.items()}
    return {"label": case.label, "dtype": case.dtype, **summary}


def torch_lenet(torch, params, tdtype):
    """The lecture's LeNet in torch, holding a copy of `params` (keys as in its state_dict)."""
    from torch import nn
    from torch.nn import functional as F

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
            self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2, 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2, 2)
            x = F.relu(self.fc1(x.flatten(1)))
            return self.fc3(F.relu(self.fc2(x)))

    net = LeNet().to(tdtype)
    net.load_state_dict({key: torch.from_numpy(value.copy()) for key, value in params.items()})
    return net


def environment(np, torch, threads):
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs; Python {platform.python_version()}, "
        f"numpy {np.__version__}, torch {torch.__version__}; {threads} thread(s) for numpy's BLAS and torch"
    )


HEADER = ("case", "dtype", "reference ms (median / best)", "torch ms (median / best)", "ratio median", "ratio best")


def _cells(row):
    ref, tor = row["reference"], row["torch"]
    return (
        row["label"], row["dtype"], f"{ref[0]:.2f} / {ref[1]:.2f}", f"{tor[0]:.2f} / {tor[1]:.2f}",
        f"{ref[0] / tor[0]:.2f}x", f"{ref[1] / tor[1]:.2f}x",
    )


def format_table(rows, markdown=False):
    cells = [HEADER] + [_cells(row) for row in rows]
    if markdown:
        lines = ["| " + " | ".join(line) + " |" for line in cells]
        lines.insert(1, "|" + "|".join("---" for _ in HEADER) + "|")
        return "\n".join(lines)
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)) for line in cells)


if __name__ == "__main__":
    main()
