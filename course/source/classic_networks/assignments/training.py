"""The training loop for LeNet: mini-batch SGD with momentum. Provided whole; you call it.

    from assignments import LeNet
    from assignments.data import load_digits
    from assignments.training import train

    x_train, y_train, x_test, y_test = load_digits()
    history = train(LeNet(seed=0), x_train, y_train, x_test, y_test)
    history[-1]["test_accuracy"]   # about 0.97 with a correct LeNet

It uses only your model's forward and backward and your softmax_cross_entropy; if those
are right, the loss falls and the accuracy rises epoch after epoch.
"""
import math
import sys
import time

import numpy as np

from .layers import softmax_cross_entropy

# With these defaults the reference LeNet reaches about 97% test accuracy on the
# 4,000 / 1,000 split of load_digits(), in about 40 seconds on two CPU cores.
EPOCHS = 10
LEARNING_RATE = 0.05
MOMENTUM = 0.9
BATCH_SIZE = 64
MAX_SHIFT = 2
EVAL_BATCH_SIZE = 500
PROGRESS_WIDTH = 30


def train(
    model,
    x_train,
    y_train,
    x_test,
    y_test,
    epochs=EPOCHS,
    batch_size=BATCH_SIZE,
    lr=LEARNING_RATE,
    momentum=MOMENTUM,
    seed=0,
    progress=True,
    max_shift=MAX_SHIFT,
    decay=True,
):
    """Train `model` in place with mini-batch SGD with momentum; return the per-epoch history.

    model: has `params` (dict name -> array), `forward(x) -> logits (N, 10)` and
        `backward(dlogits) -> grads` (a dict with the keys and shapes of params).
    x_train (N, 1, 32, 32), y_train (N,) int; x_test (M, 1, 32, 32), y_test (M,) int.

    Each epoch visits the training set once in a new order, batch_size images at a time:
        x = random_shift(x, max_shift, rng)
        logits = model.forward(x);  loss, dlogits = softmax_cross_entropy(logits, y)
        grads = model.backward(dlogits);  sgd_momentum_step(model.params, grads, velocity, rate, momentum)
    - All randomness (the order, the shifts) comes from np.random.default_rng(seed).
    - random_shift moves each image by up to max_shift pixels (0 turns it off): 4,000
      digits are few, and a digit moved by a pixel or two is still the same digit.
    - decay=True lowers the rate linearly from lr at the first step towards 0 at the last:
      large steps early, small ones to settle at the end. decay=False keeps it at lr.

    Returns a list with one dict per epoch:
        epoch (1, 2, ...), train_loss (mean over the epoch's batches, weighted by batch size),
        train_accuracy (of the predictions made during the epoch, while the weights moved),
        test_accuracy (after the epoch), seconds (wall time of the epoch, test included).
    progress=True draws a progress bar on stderr.
    """
    x_train, y_train = _check_data("training", x_train, y_train)
    x_test, y_test = _check_data("test", x_test, y_test)
    rng = np.random.default_rng(seed)
    velocity = {}
    n = len(y_train)
    n_batches = math.ceil(n / batch_size)
    total_steps = epochs * n_batches
    history = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        bar = ProgressBar(f"epoch {epoch}/{epochs}", n_batches, enabled=progress)
        order = rng.permutation(n)
        total_loss = 0.0
        correct = 0
        for batch, first in enumerate(range(0, n, batch_size), start=1):
            chosen = order[first:first + batch_size]
            x, y = random_shift(x_train[chosen], max_shift, rng), y_train[chosen]
            logits = model.forward(x)
            loss, dlogits = softmax_cross_entropy(logits, y)
            if not np.isfinite(loss):
                bar.close()
                raise FloatingPointError(
                    f"the loss became {loss} at epoch {epoch}, batch {batch}: a learning rate too "
                    f"large for this model (lr={lr}), or a softmax that is not numerically stable"
                )
            grads = model.backward(dlogits)
            step = (epoch - 1) * n_batches + batch - 1
            rate = lr * (1 - step / total_steps) if decay else lr
            sgd_momentum_step(model.params, grads, velocity, rate, momentum)
            total_loss += loss * len(y)
            correct += int(np.sum(np.argmax(logits, axis=1) == y))
            bar.update(batch, f"loss {total_loss / (first + len(y)):.4f}")
        record = {
            "epoch": epoch,
            "train_loss": total_loss / n,
            "train_accuracy": correct / n,
            "test_accuracy": evaluate(model, x_test, y_test),
        }
        record["seconds"] = time.perf_counter() - start
        bar.close(
            f"loss {record['train_loss']:.4f}  train {record['train_accuracy']:.2%}  "
            f"test {record['test_accuracy']:.2%}  {record['seconds']:.1f} s"
        )
        history.append(record)
    return history


def random_shift(x, max_shift, rng):
    """Move each image by its own random offset of up to max_shift pixels in each direction.

    Shapes: x (N, C, H, W) -> (N, C, H, W). Offsets dy, dx are drawn uniformly from
    -max_shift .. max_shift per image; pixels moved in from outside are 0, pixels
    moved out are lost (load_digits leaves a 2-pixel zero border, so max_shift <= 2
    loses no ink). max_shift = 0 returns x unchanged.
    """
    if max_shift == 0:
        return x
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (max_shift, max_shift), (max_shift, max_shift)))
    top = rng.integers(0, 2 * max_shift + 1, size=n)
    left = rng.integers(0, 2 * max_shift + 1, size=n)
    rows = (top[:, None] + np.arange(h))[:, None, :, None]
    cols = (left[:, None] + np.arange(w))[:, None, None, :]
    return padded[np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None], rows, cols]


def evaluate(model, x, y, batch_size=EVAL_BATCH_SIZE):
    """Fraction of the images in x (N, 1, 32, 32) whose largest logit is at their label y (N,)."""
    x, y = _check_data("evaluation", x, y)
    correct = 0
    for first in range(0, len(y), batch_size):
        logits = np.asarray(model.forward(x[first:first + batch_size]))
        correct += int(np.sum(np.argmax(logits, axis=1) == y[first:first + batch_size]))
    return correct / len(y)


def sgd_momentum_step(params, grads, velocity, lr, momentum):
    """One step of SGD with momentum, as torch.optim.SGD(lr=lr, momentum=momentum) takes it.

    For every parameter p with gradient g and velocity v (zeros before the first step):
        v = momentum * v + g
        p = p - lr * v
    params and velocity (a dict, empty before the first step) are updated: their entries
    are replaced by new arrays, in the parameter's precision (float32 stays float32).
    """
    missing = set(params) - set(grads)
    if missing:
        raise KeyError(f"backward returned no gradient for {sorted(missing)}")
    for name in params:
        param = np.asarray(params[name])
        grad = np.asarray(grads[name])
        if grad.shape != param.shape:
            raise ValueError(f"the gradient of {name} has shape {grad.shape}, the parameter has shape {param.shape}")
        dtype = np.result_type(param, np.float32)
        previous = velocity.get(name, 0.0)
        velocity[name] = (momentum * previous + grad).astype(dtype, copy=False)
        params[name] = (param - lr * velocity[name]).astype(dtype, copy=False)


class ProgressBar:
    """A one-line text progress bar on stderr: `epoch 2/8 [#######.......] 31/63 loss 0.1234`."""

    def __init__(self, label, total, enabled=True, stream=None):
        self.label = label
        self.total = total
        self.enabled = enabled
        self.stream = sys.stderr if stream is None else stream

    def update(self, done, note=""):
        if not self.enabled:
            return
        filled = PROGRESS_WIDTH * done // self.total
        bar = "#" * filled + "." * (PROGRESS_WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{self.total} {note}")
        self.stream.flush()

    def close(self, summary=""):
        if not self.enabled:
            return
        # Pad with spaces so the summary fully overwrites the longer bar line.
        line = f"{self.label} {summary}"
        self.stream.write(f"\r{line:<{PROGRESS_WIDTH + len(self.label) + 30}}\n")
        self.stream.flush()


def _check_data(name, x, y):
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 4 or len(x) != len(y) or y.ndim != 1:
        raise ValueError(f"{name} data: expected x (N, 1, 32, 32) and y (N,), got x {x.shape} and y {y.shape}")
    if len(y) == 0:
        raise ValueError(f"{name} data is empty")
    return x, y.astype(np.int64, copy=False)
