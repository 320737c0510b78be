"""`convlab train`: train a LeNet on real MNIST digits and print how it learned.

    convlab train [--impl assignments|reference] [--epochs N] [--seed S] [--lr LR]

Uses the package's own LeNet, softmax_cross_entropy, data.load_digits and
training.train: `--impl assignments` (the default) trains the student's code in this
process, as `pytest assignments/` does; `--impl reference` trains the instructors'
solution. The 4,000 / 1,000 split is always the one of load_digits(seed=0), so runs
compare; --seed changes the initial weights and the order of the batches.
Exit codes: 0 trained, 1 the code under training is not finished or training failed.
No torch here: this runs where only numpy and mlxtend are installed.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from pathlib import Path

from ..paths import REPO_ROOT
from .common import EXIT_GRADER_FAILED, EXIT_OK, CommandError, run_command

IMPLEMENTATIONS = ("assignments", "reference")
SPLIT_SEED = 0


def train_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab train`."""
    parser.add_argument(
        "--impl",
        choices=IMPLEMENTATIONS,
        default="assignments",
        help="whose LeNet to train: your assignments package (default) or the reference solution",
    )
    parser.add_argument("--epochs", type=_positive_int, default=None, metavar="N", help="passes over the training set (default: training.EPOCHS)")
    parser.add_argument("--seed", type=_non_negative_int, default=0, metavar="S", help="seed of the initial weights and the batch order (default: 0)")
    parser.add_argument("--lr", type=float, default=None, metavar="LR", help="learning rate (default: training.LEARNING_RATE)")


def train(args: argparse.Namespace) -> int:
    """Train the chosen package's LeNet on the digits; print the per-epoch table and the final accuracy."""
    return run_command("train", lambda: _train(args))


def _train(args: argparse.Namespace) -> int:
    package, data, training = _import_package(args.impl)
    try:
        x_train, y_train, x_test, y_test = data.load_digits(seed=SPLIT_SEED)
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise CommandError(str(error), EXIT_GRADER_FAILED) from None
    options = {"seed": args.seed, "progress": sys.stderr.isatty()}
    if args.epochs is not None:
        options["epochs"] = args.epochs
    if args.lr is not None:
        options["lr"] = args.lr
    epochs = options.get("epochs", training.EPOCHS)
    lr = options.get("lr", training.LEARNING_RATE)
    print(
        f"Training LeNet from {args.impl}/ on {len(y_train)} MNIST digits (test: {len(y_test)}): "
        f"{epochs} epochs, batch {training.BATCH_SIZE}, lr {lr} falling linearly to 0, momentum {training.MOMENTUM}, "
        f"shifts of up to {training.MAX_SHIFT} pixels, seed {args.seed}",
        flush=True,
    )
    try:
        history = training.train(package.LeNet(seed=args.seed), x_train, y_train, x_test, y_test, **options)
    except NotImplementedError as error:
        raise CommandError(_not_implemented(error, args.impl), EXIT_GRADER_FAILED) from None
    except FloatingPointError as error:
        raise CommandError(str(error), EXIT_GRADER_FAILED) from None
    print(format_history(history))
    final = history[-1]["test_accuracy"]
    print(f"final test accuracy: {final:.2%} ({round(final * len(y_test))} of {len(y_test)} test digits)")
    return EXIT_OK


def format_history(history: list[dict]) -> str:
    """The per-epoch table: epoch, train loss, train accuracy, test accuracy, seconds."""
    lines = [f"{'epoch':>5}  {'train loss':>10}  {'train acc':>9}  {'test acc':>8}  {'seconds':>7}"]
    for record in history:
        lines.append(
            f"{record['epoch']:>5}  {record['train_loss']:>10.4f}  {record['train_accuracy']:>9.2%}  "
            f"{record['test_accuracy']:>8.2%}  {record['seconds']:>7.1f}"
        )
    lines.append(f"{'total':>5}  {'':>10}  {'':>9}  {'':>8}  {sum(r['seconds'] for r in history):>7.1f}")
    return "\n".join(lines)


def _import_package(name: str):
    folder = REPO_ROOT / name
    if not (folder / "__init__.py").is_file():
        raise CommandError(f"no {name} package at {folder}", EXIT_GRADER_FAILED)
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    try:
        # The digits come from the one provided data.py, in assignments/; reference/ has none.
        return tuple(importlib.import_module(module) for module in (name, "assignments.data", f"{name}.training"))
    except Exception as error:  # noqa: BLE001 - a student's syntax error must read as one line, not a traceback
        if isinstance(error, SyntaxError) and error.filename:
            where = f" (in {error.filename}, line {error.lineno})"
        else:
            where = _innermost_frame_in(error, folder)
        raise CommandError(f"could not import {name}: {type(error).__name__}: {error}{where}", EXIT_GRADER_FAILED) from None


def _not_implemented(error: NotImplementedError, impl: str) -> str:
    frame = _innermost_frame_in(error, REPO_ROOT / impl)
    return (
        f"{impl} is not finished: {error or 'NotImplementedError'}{frame}. "
        f"Training needs LeNet.forward/backward, softmax_cross_entropy and every layer they use; "
        f"`pytest {impl}/` shows which are still missing."
    )


def _innermost_frame_in(error: BaseException, folder: Path) -> str:
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if _is_inside(frame.filename, folder)]
    if not frames:
        return ""
    frame = frames[-1]
    return f" (in {Path(frame.filename).relative_to(REPO_ROOT)}, line {frame.lineno}, {frame.name})"


def _is_inside(filename: str, folder: Path) -> bool:
    try:
        Path(filename).resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value
