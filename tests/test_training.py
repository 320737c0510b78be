"""The provided training loop: SGD with momentum as torch takes it, and LeNet learning real digits."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from submissions import build_submission

from autograder.paths import REPO_ROOT
from autograder.report.training import CURVE_WIDTH, SPARK_CHARACTERS, sparkline, stretch
from reference import LeNet, softmax_cross_entropy
from assignments.data import load_digits
from reference.training import (
    EPOCHS,
    ProgressBar,
    evaluate,
    random_shift,
    sgd_momentum_step,
    train,
)

TARGET_ACCURACY = 0.96
HISTORY_KEYS = {"epoch", "train_loss", "train_accuracy", "test_accuracy", "seconds"}


class LinearModel:
    """Softmax regression on flattened images: the smallest model with LeNet's interface."""

    def __init__(self, n_features, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {"weight": rng.normal(0, 0.01, size=(10, n_features)), "bias": np.zeros(10)}
        self.seen = []

    def forward(self, x):
        self._flat = x.reshape(len(x), -1)
        self.seen.append(self._flat.copy())
        return self._flat @ self.params["weight"].T + self.params["bias"]

    def backward(self, dlogits):
        return {"weight": dlogits.T @ self._flat, "bias": dlogits.sum(axis=0)}


def _tiny_digits(n=60, seed=0):
    # Ten well separated classes: class k lights pixel k of a 1x4x4 image.
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    x = rng.normal(0, 0.05, size=(n, 1, 4, 4))
    x.reshape(n, 16)[np.arange(n), labels] += 1.0
    return x, labels


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sgd_momentum_matches_torch(dtype):
    rng = np.random.default_rng(1)
    shapes = {"conv.weight": (2, 1, 3, 3), "conv.bias": (2,), "fc.weight": (3, 4)}
    params = {name: rng.standard_normal(shape).astype(dtype) for name, shape in shapes.items()}
    tensors = {name: torch.tensor(value, requires_grad=True) for name, value in params.items()}
    optimiser = torch.optim.SGD(tensors.values(), lr=0.1, momentum=0.9)
    velocity = {}
    for _ in range(3):
        grads = {name: rng.standard_normal(shape).astype(dtype) for name, shape in shapes.items()}
        for name, tensor in tensors.items():
            tensor.grad = torch.tensor(grads[name])
        optimiser.step()
        sgd_momentum_step(params, grads, velocity, lr=0.1, momentum=0.9)
        for name, tensor in tensors.items():
            assert params[name].dtype == dtype
            np.testing.assert_allclose(params[name], tensor.detach().numpy(), rtol=1e-6, atol=1e-7)
            buffer = optimiser.state[tensor]["momentum_buffer"].numpy()
            np.testing.assert_allclose(velocity[name], buffer, rtol=1e-6, atol=1e-7)


def test_sgd_names_a_missing_or_misshaped_gradient():
    params = {"w": np.zeros((2, 3)), "b": np.zeros(2)}
    with pytest.raises(KeyError, match=r"no gradient for \['b'\]"):
        sgd_momentum_step(params, {"w": np.zeros((2, 3))}, {}, 0.1, 0.9)
    with pytest.raises(ValueError, match=r"gradient of w has shape \(3, 2\), the parameter has shape \(2, 3\)"):
        sgd_momentum_step(params, {"w": np.zeros((3, 2)), "b": np.zeros(2)}, {}, 0.1, 0.9)


def test_train_learns_and_reports_each_epoch():
    x, y = _tiny_digits()
    model = LinearModel(16)
    history = train(model, x, y, x[:20], y[:20], epochs=4, batch_size=8, lr=0.5, progress=False, max_shift=0)
    assert [record["epoch"] for record in history] == [1, 2, 3, 4]
    assert all(set(record) == HISTORY_KEYS for record in history)
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert history[-1]["test_accuracy"] == 1.0 == evaluate(model, x[:20], y[:20])
    assert all(record["seconds"] > 0 for record in history)


def test_each_epoch_visits_every_image_once_in_a_seeded_order():
    x, y = _tiny_digits(n=20)
    runs = {}
    for seed in (0, 0, 1):
        model = LinearModel(16)
        train(model, x, y, x, y, epochs=2, batch_size=6, lr=0.1, seed=seed, progress=False, max_shift=0)
        # Training batches are the forward calls of sizes 6, 6, 6, 2; evaluation sees all 20 at once.
        batches = [b for b in model.seen if len(b) != 20]
        assert [len(b) for b in batches] == [6, 6, 6, 2] * 2
        epochs = [np.concatenate(batches[:4]), np.concatenate(batches[4:])]
        for seen in epochs:
            np.testing.assert_array_equal(np.sort(seen, axis=0), np.sort(x.reshape(20, 16), axis=0))
        assert not np.array_equal(epochs[0], epochs[1])
        runs.setdefault(seed, []).append(epochs[0])
    np.testing.assert_array_equal(runs[0][0], runs[0][1])
    assert not np.array_equal(runs[0][0], runs[1][0])


class ConstantGradient:
    """grad = 1 for its one parameter, whatever the data: the parameter's path shows the rates used."""

    def __init__(self):
        self.params = {"w": np.zeros(1)}

    def forward(self, x):
        return np.zeros((len(x), 10))

    def backward(self, dlogits):
        return {"w": np.ones(1)}


@pytest.mark.parametrize(("decay", "total"), [(True, 1.0 + 0.75 + 0.5 + 0.25), (False, 4.0)])
def test_learning_rate_falls_linearly_to_zero(decay, total):
    x, y = _tiny_digits(n=8)
    model = ConstantGradient()
    # 2 epochs of 2 batches; momentum 0 so each step moves w by exactly its rate.
    train(model, x, y, x, y, epochs=2, batch_size=4, lr=1.0, momentum=0.0, decay=decay, progress=False)
    np.testing.assert_allclose(model.params["w"], [-total])


def test_random_shift_moves_each_image_within_bounds():
    x = np.zeros((50, 2, 8, 8))
    x[:, 0, 4, 3] = 1.0
    x[:, 1, 4, 3] = 2.0
    shifted = random_shift(x, 2, np.random.default_rng(0))
    assert shifted.shape == x.shape and shifted.dtype == x.dtype
    offsets = set()
    for image in shifted:
        (row,), (col,) = np.nonzero(image[0])
        assert image[0].sum() == 1.0 and image[1, row, col] == 2.0 and image[1].sum() == 2.0
        offsets.add((row - 4, col - 3))
    assert offsets <= {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)} and len(offsets) > 10
    np.testing.assert_array_equal(shifted, random_shift(x, 2, np.random.default_rng(0)))
    assert random_shift(x, 0, np.random.default_rng(0)) is x


def test_random_shift_fills_with_zeros_and_drops_what_leaves():
    x = np.arange(1.0, 17.0).reshape(1, 1, 4, 4)
    rng = np.random.default_rng(0)
    for _ in range(20):
        shifted = random_shift(x, 1, rng)[0, 0]
        # x[1, 1] = 6 stays inside for any shift of 1: where it went gives the offset.
        (row,), (col,) = np.nonzero(shifted == 6.0)
        dy, dx = row - 1, col - 1
        expected = np.zeros((4, 4))
        for i in range(4):
            for j in range(4):
                if 0 <= i - dy < 4 and 0 <= j - dx < 4:
                    expected[i, j] = x[0, 0, i - dy, j - dx]
        np.testing.assert_array_equal(shifted, expected)


def test_evaluate_counts_largest_logit_at_the_label():
    class Fixed:
        def forward(self, x):
            logits = np.zeros((len(x), 10))
            logits[:, 3] = 1.0
            return logits

    x = np.zeros((10, 1, 32, 32))
    y = np.array([3, 3, 3, 1, 2, 3, 0, 3, 5, 9])
    assert evaluate(Fixed(), x, y, batch_size=3) == 0.5


def test_a_diverging_loss_stops_training_with_a_hint():
    x, y = _tiny_digits()
    model = LinearModel(16)
    model.params["weight"][:] = np.nan
    with pytest.raises(FloatingPointError, match="the loss became nan at epoch 1, batch 1"):
        train(model, x, y, x, y, epochs=1, progress=False)


def test_progress_bar_draws_on_its_stream_and_can_be_silenced(capsys):
    stream = io.StringIO()
    bar = ProgressBar("epoch 1/2", 4, stream=stream)
    bar.update(2, "loss 0.5000")
    bar.close("done")
    assert "\repoch 1/2 [" + "#" * 15 + "." * 15 + "] 2/4 loss 0.5000" in stream.getvalue()
    assert stream.getvalue().endswith("\n") and "epoch 1/2 done" in stream.getvalue()
    x, y = _tiny_digits()
    train(LinearModel(16), x, y, x, y, epochs=1, progress=True)
    assert "epoch 1/1 [" in capsys.readouterr().err
    train(LinearModel(16), x, y, x, y, epochs=1, progress=False)
    assert capsys.readouterr().err == ""


def test_data_shape_errors_are_explained():
    x, y = _tiny_digits()
    with pytest.raises(ValueError, match=r"training data: expected x \(N, 1, 32, 32\) and y \(N,\)"):
        train(LinearModel(16), x[:, 0], y, x, y, progress=False)


# One BLAS thread: with two, every small matrix product waits for the slower thread, and
# on a shared machine that alone can triple the time. One thread is also the stricter test.
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
TRAIN_REFERENCE = (
    "import json, time; from reference import LeNet; from assignments.data import load_digits; "
    "from reference.training import train; data = load_digits(); start = time.perf_counter(); "
    "history = train(LeNet(seed=0), *data, progress=False); "
    "print(json.dumps({'seconds': time.perf_counter() - start, 'history': history}))"
)


@pytest.mark.slow
def test_reference_lenet_learns_real_digits(record_property):
    # How long it takes is a benchmark's question (bench/bench_training.py, against PyTorch in
    # the same run), not a test's: inside the suite the time depends on what else runs.
    load_before = os.getloadavg()[0]
    done = subprocess.run(
        [sys.executable, "-c", TRAIN_REFERENCE], cwd=REPO_ROOT, env={**os.environ, **ONE_THREAD},
        capture_output=True, text=True, timeout=900, check=True,
    )
    result = json.loads(done.stdout)
    seconds, history = result["seconds"], result["history"]
    final = history[-1]["test_accuracy"]
    record_property("training_seconds", round(seconds, 1))
    record_property("test_accuracy", final)
    print(f"reference LeNet: {EPOCHS} epochs in {seconds:.1f} s (load average {load_before:.1f}), test accuracy {final:.2%}")
    assert len(history) == EPOCHS
    assert final >= TARGET_ACCURACY, history
    assert history[-1]["train_loss"] < history[0]["train_loss"] / 5


def test_softmax_loss_of_untrained_lenet_is_near_log_10():
    # The loop's starting point: PyTorch's initialisation gives near-uniform predictions.
    x_train, y_train, _, _ = load_digits(n_train=64, n_test=1)
    loss, _ = softmax_cross_entropy(LeNet(seed=0).forward(x_train), y_train)
    assert abs(loss - np.log(10)) < 0.1


# ---- convlab train ----

def _run_train_command(root, *arguments):
    # A fresh interpreter whose `assignments` package is the one under `root`.
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
        "import autograder.commands.train as command; command.REPO_ROOT = Path(sys.argv[1]); "
        "import argparse; parser = argparse.ArgumentParser(); command.train_arguments(parser); "
        "sys.exit(command.train(parser.parse_args(sys.argv[2:])))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(root), *arguments], env={**os.environ, **ONE_THREAD},
        capture_output=True, text=True, timeout=600, check=False,
    )


def test_train_command_says_what_is_not_implemented(tmp_path):
    build_submission(
        tmp_path / "assignments",
        {"layers": [("    ### BEGIN SOLUTION\n    logits = np.asarray(logits, dtype=np.float64)",
                     "    raise NotImplementedError('softmax_cross_entropy: not implemented yet')\n    ### BEGIN SOLUTION\n    logits = np.asarray(logits, dtype=np.float64)")]},
    )
    done = _run_train_command(tmp_path, "--epochs", "1")
    assert done.returncode == 1
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("convlab train: assignments is not finished: softmax_cross_entropy: not implemented yet")
    assert "(in assignments/layers.py, line" in message and "softmax_cross_entropy)" in message


@pytest.mark.slow
def test_train_command_shows_each_epoch_the_curves_and_writes_them_beside_the_run(tmp_path):
    build_submission(tmp_path / "assignments")
    out = tmp_path / "runs"
    done = _run_train_command(tmp_path, "--epochs", "2", "--seed", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Training LeNet from assignments/ on 4000 MNIST digits (test: 1000): 2 epochs")
    assert re.fullmatch(r"epoch 1/2  loss \d\.\d{4}  train \d+\.\d\d%  test \d+\.\d\d%  \d+\.\d+ s", lines[1]), lines[1]
    assert lines[2].startswith("epoch 2/2  loss ") and lines[3] == ""
    loss_curve, accuracy_curve = lines[4].split(), lines[5].split()
    assert loss_curve[:3] == ["loss,", "126", "batches"] and len(loss_curve[4]) == CURVE_WIDTH
    assert set(loss_curve[4]) <= set(SPARK_CHARACTERS) and float(loss_curve[5]) < float(loss_curve[3])
    assert accuracy_curve[:4] == ["test", "accuracy,", "2", "epochs"] and set(accuracy_curve[5]) <= set(SPARK_CHARACTERS)
    history = json.loads((out / "lenet-assignments-seed3.json").read_text())
    final = history["history"][-1]["test_accuracy"]
    assert len(history["batch_losses"]) == 126 and [r["epoch"] for r in history["history"]] == [1, 2]
    assert lines[7].startswith(f"test accuracy {final:.2%} ({round(final * 1000)} of 1000 test digits) · 2 epochs in ")
    assert lines[8] == f"curves: {out / 'lenet-assignments-seed3.png'} · history: {out / 'lenet-assignments-seed3.json'}"
    assert (out / "lenet-assignments-seed3.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Not a terminal: no progress bar, nothing on stderr.
    assert "━" not in done.stdout and done.stderr == ""


def test_train_calls_back_after_every_batch_and_epoch():
    x, y = _tiny_digits()
    batches, epochs = [], []
    history = train(LinearModel(16), x, y, x[:20], y[:20], epochs=2, batch_size=16, lr=0.5, progress=False, max_shift=0,
                    on_batch=lambda *args: batches.append(args), on_epoch=epochs.append)
    assert [(epoch, batch) for epoch, batch, _ in batches] == [(e, b) for e in (1, 2) for b in (1, 2, 3, 4)]
    assert all(isinstance(loss, float) and loss > 0 for _, _, loss in batches)
    assert epochs == history
    # The epoch's mean loss is the mean of its batches' losses, weighted by their sizes (16, 16, 16, 12).
    first = [loss for epoch, _, loss in batches if epoch == 1]
    assert history[0]["train_loss"] == pytest.approx(sum(loss * n for loss, n in zip(first, (16, 16, 16, 12))) / 60)


def test_the_display_draws_a_bar_per_epoch_on_a_terminal_and_only_rows_elsewhere():
    from rich.console import Console

    from autograder.report.training import TrainingDisplay

    x, y = _tiny_digits()
    for terminal in (True, False):
        stream = io.StringIO()
        display = TrainingDisplay(2, 4, console=Console(file=stream, force_terminal=terminal, width=100, color_system=None))
        with display:
            train(LinearModel(16), x, y, x[:20], y[:20], epochs=2, batch_size=16, lr=0.5, progress=False, max_shift=0,
                  on_batch=display.on_batch, on_epoch=display.on_epoch)
        display.print_summary(20)
        text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", stream.getvalue())
        rows = [line for line in text.replace("\r", "\n").splitlines() if re.match(r"epoch \d/2  loss", line)]
        assert [row[:9] for row in rows] == ["epoch 1/2", "epoch 2/2"]
        bar = re.search(r"epoch 1/2 \S+ [1-4]/4 batches loss \d\.\d{4} \d:\d\d:\d\d ETA", text)
        assert (bar is not None) == terminal, text
        assert text.rstrip().splitlines()[-1].startswith("test accuracy 100.00% (20 of 20 test digits) · 2 epochs in ")


def test_sparkline_scales_and_averages():
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8) == SPARK_CHARACTERS
    assert sparkline([0.0, 0.0, 7.0, 7.0], 2) == "▁█"  # each character the mean of its share
    assert sparkline([0.5, 1.0], 2, 0.0, 1.0) == "▅█" and sparkline([3.0, 3.0], 4) == "▁▁"
    assert stretch([0.1, 0.9], 5) == [0.1, 0.1, 0.1, 0.9, 0.9] and stretch([1.0, 2.0], 1) == [1.0, 2.0]
