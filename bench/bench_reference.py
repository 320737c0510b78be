"""How fast is the numpy reference next to PyTorch on the CPU? A benchmark, not a test.

    python bench/bench_reference.py                    # 2 threads, float32 and float64
    python bench/bench_reference.py --threads 1 --repeat 50 --markdown

Times, on identical inputs: conv2d_forward (vs F.conv2d), conv2d_backward (vs autograd's
backward of F.conv2d: input, weight and bias gradients), max pooling forward + backward
(vs F.max_pool2d and its autograd backward) and one LeNet training step at batch 64
(forward, loss, backward, SGD-with-momentum update; vs the same network in torch with
torch.optim.SGD). Each case first checks that both give the same numbers, then runs
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
