"""How long the numpy reference takes to train LeNet, next to PyTorch training the same network. A benchmark, not a test.

    python bench/bench_training.py                      # seeds 0, 1 and 2, one thread
    python bench/bench_training.py --seeds 0 --markdown

For each seed both sides train the lecture's LeNet on load_digits() (4,000 training and
1,000 test digits, split seed 0) with reference.training's schedule: EPOCHS passes over the
training set in batches of BATCH_SIZE, SGD with momentum MOMENTUM, the learning rate falling
linearly from LEARNING_RATE towards 0 step by step, every batch moved by random_shift, and
the test accuracy measured after each epoch (batches of EVAL_BATCH_SIZE). Both start from
the same weights (reference.lenet.init_params(seed)) and see the same batches in the same
order with the same shifts (one np.random.default_rng(seed), drawn as train() draws it), in
float64, the reference's precision with these float64 digits:
- reference: reference.training.train(LeNet(seed), ...), the loop students run;
- torch: the same network as a torch.nn.Module, F.cross_entropy, backward(),
  torch.optim.SGD with the step's rate, evaluation under torch.no_grad().
The times are wall clock for the whole training, evaluation included, data loading not.
The two sides alternate seed by seed, so a busy machine slows both alike; ratio = reference
seconds / torch seconds.

Threads: numpy's BLAS and torch get the same count (--threads, default 1, as
tests/test_training.py trains): the BLAS variables are set before numpy is imported.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
HEADER = ("seed", "reference s", "reference test accuracy", "torch s", "torch test accuracy", "ratio")


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="weight and batch-order seeds (default 0 1 2)")
    parser.add_argument("--threads", type=int, default=1, help="threads for numpy's BLAS and for torch (default 1)")
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
    from reference import LeNet
    from reference.data import load_digits
    from reference.training import train

    data = load_digits()
    rows = []
    for seed in args.seeds:
        start = time.perf_counter()
        history = train(LeNet(seed=seed), *data, seed=seed, progress=False)
        reference = (time.perf_counter() - start, history[-1]["test_accuracy"])
        start = time.perf_counter()
        accuracy = train_torch(torch, np, data, seed)
        rows.append((seed, reference, (time.perf_counter() - start, accuracy)))
        print("  ".join(_cells(rows[-1])), file=sys.stderr, flush=True)
    print(environment(np, torch, args.threads))
    print(format_table(rows, markdown=args.markdown))


def train_torch(torch, np, data, seed):
    """Train the torch LeNet as reference.training.train trains a model; return the final test accuracy."""
    from torch.nn import functional as F

    from bench_reference import torch_lenet
    from reference import training
    from reference.lenet import init_params

    x_train, y_train, x_test, y_test = data
    net = torch_lenet(torch, init_params(seed), torch.float64)
    optimiser = torch.optim.SGD(net.parameters(), lr=training.LEARNING_RATE, momentum=training.MOMENTUM)
    rng = np.random.default_rng(seed)
    n = len(y_train)
    batches = range(0, n, training.BATCH_SIZE)
    total_steps = training.EPOCHS * len(batches)
    step = 0
    accuracy = None
    for _ in range(training.EPOCHS):
        order = rng.permutation(n)
        for first in batches:
            chosen = order[first:first + training.BATCH_SIZE]
            x = training.random_shift(x_train[chosen], training.MAX_SHIFT, rng)
            for group in optimiser.param_groups:
                group["lr"] = training.LEARNING_RATE * (1 - step / total_steps)
            optimiser.zero_grad()
            F.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y_train[chosen])).backward()
            optimiser.step()
            step += 1
        correct = 0
        with torch.no_grad():
            for first in range(0, len(y_test), training.EVAL_BATCH_SIZE):
                logits = net(torch.from_numpy(x_test[first:first + training.EVAL_BATCH_SIZE]))
                correct += int((logits.argmax(dim=1).numpy() == y_test[first:first + training.EVAL_BATCH_SIZE]).sum())
        accuracy = correct / len(y_test)
    return accuracy


def environment(np, torch, threads):
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs; Python {platform.python_version()}, "
        f"numpy {np.__version__}, torch {torch.__version__}; {threads} thread(s) for numpy's BLAS and torch"
    )


def _cells(row):
    seed, (ref_seconds, ref_accuracy), (torch_seconds, torch_accuracy) = row
    return (
        str(seed), f"{ref_seconds:.1f}", f"{ref_accuracy:.1%}", f"{torch_seconds:.1f}", f"{torch_accuracy:.1%}",
        f"{ref_seconds / torch_seconds:.2f}x",
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
