"""`convlab train`: train a LeNet on real MNIST digits and show how it learns.

    convlab train [--impl assignments|reference] [--epochs N] [--seed S] [--lr LR] [--out DIR] [--lang en|zh]

Uses the package's own LeNet, softmax_cross_entropy, data.load_digits and
training.train: `--impl assignments` (the default) trains the student's code in this
process, as `pytest assignments/` does; `--impl reference` trains the instructors'
solution. The 4,000 / 1,000 split is always the one of load_digits(seed=0), so runs
compare; --seed changes the initial weights and the order of the batches.

While it trains: a progress bar per epoch (batches done, loss, ETA) on a terminal, and a
row per finished epoch. At the end: the loss and accuracy curves in text, the test
accuracy and the time; the curves as a PNG and the history as JSON go to
DIR/lenet-<impl>-seed<S>.png and .json (DIR: runs/ in the current folder).
Exit codes: 0 trained, 1 the code under training is not finished or training failed.
No torch here: this runs where only numpy, mlxtend, rich and matplotlib are installed.
"""
from __future__ import annotations

import argparse
import importlib
import math
import sys
import traceback
from pathlib import Path

from ..messages import LANGUAGES, catalog
from ..paths import REPO_ROOT
from .common import EXIT_GRADER_FAILED, EXIT_OK, CommandError, run_command

IMPLEMENTATIONS = ("assignments", "reference")
SPLIT_SEED = 0
DEFAULT_OUT = Path("runs")


def _text(lang: str, key: str, **fields) -> str:
    return catalog(lang).text(f"train.{key}", **fields)


def available_implementations() -> tuple[str, ...]:
    """The packages there are to train here (a student release has no reference/)."""
    found = tuple(name for name in IMPLEMENTATIONS if (REPO_ROOT / name / "__init__.py").is_file())
    return found or IMPLEMENTATIONS[:1]


def train_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `convlab train`."""
    choices = available_implementations()
    parser.add_argument(
        "--impl",
        choices=choices,
        default="assignments",
        help="whose LeNet to train: your assignments package (default)" + (" or the reference solution" if "reference" in choices else ""),
    )
    parser.add_argument("--epochs", type=_positive_int, default=None, metavar="N", help="passes over the training set (default: training.EPOCHS)")
    parser.add_argument("--seed", type=_non_negative_int, default=0, metavar="S", help="seed of the initial weights and the batch order (default: 0)")
    parser.add_argument("--lr", type=float, default=None, metavar="LR", help="learning rate (default: training.LEARNING_RATE)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="folder for the curves (PNG) and the history (JSON) (default: runs)")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the output (default: en)")


def train(args: argparse.Namespace) -> int:
    """Train the chosen package's LeNet on the digits; show its progress, curves and final accuracy."""
    return run_command("train", lambda: _train(args))


def _train(args: argparse.Namespace) -> int:
    from ..report.console import terminal_console
    from ..report.training import TrainingDisplay

    lang = getattr(args, "lang", "en")
    package, data, training = _import_package(args.impl)
    try:
        x_train, y_train, x_test, y_test = data.load_digits(seed=SPLIT_SEED)
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise CommandError(str(error), EXIT_GRADER_FAILED) from None
    options = {"seed": args.seed, "progress": False}
    if args.epochs is not None:
        options["epochs"] = args.epochs
    if args.lr is not None:
        options["lr"] = args.lr
    epochs = options.get("epochs", training.EPOCHS)
    lr = options.get("lr", training.LEARNING_RATE)
    console = terminal_console(sys.stdout)
    console.print(_text(
        lang, "header", impl=args.impl, n_train=len(y_train), n_test=len(y_test), epochs=epochs, batch=training.BATCH_SIZE,
        lr=lr, momentum=training.MOMENTUM, shift=training.MAX_SHIFT, seed=args.seed,
    ), soft_wrap=True)
    batches = math.ceil(len(y_train) / training.BATCH_SIZE)
    display = TrainingDisplay(epochs, batches, console=console, lang=lang)
    try:
        with display:
            history = training.train(
                package.LeNet(seed=args.seed), x_train, y_train, x_test, y_test,
                on_batch=display.on_batch, on_epoch=display.on_epoch, **options,
            )
    except NotImplementedError as error:
        raise CommandError(_not_implemented(error, args.impl, lang), EXIT_GRADER_FAILED) from None
    except FloatingPointError as error:
        raise CommandError(str(error), EXIT_GRADER_FAILED) from None
    display.print_summary(len(y_test))
    console.print(_save_run(args, history, display, batches, lang), soft_wrap=True)
    return EXIT_OK


def _save_run(args: argparse.Namespace, history: list[dict], display, batches: int, lang: str) -> str:
    """Write DIR/lenet-<impl>-seed<S>.json (history, batch losses) and .png (the curves); say where."""
    from ..report.atomic import write_json_atomic

    stem = args.out / f"lenet-{args.impl}-seed{args.seed}"
    json_path = stem.with_suffix(".json")
    try:
        write_json_atomic(json_path, {"implementation": args.impl, "seed": args.seed, "history": history, "batch_losses": display.batch_losses})
    except OSError as error:
        raise CommandError(f"cannot write {json_path}: {error.strerror or error}", EXIT_GRADER_FAILED) from None
    png_path = stem.with_suffix(".png")
    try:
        from ..report.training import training_figure

        # matplotlib's default fonts hold no Chinese glyphs: the picture's words stay English.
        figure = training_figure(
            display.batch_losses, batches, [r["test_accuracy"] for r in history], [r["train_accuracy"] for r in history],
            title=f"LeNet ({args.impl}/), seed {args.seed}", lang="en",
        )
        figure.savefig(png_path, dpi=110)
    except ImportError as error:
        return _text(lang, "no_matplotlib", error=error)
    return _text(lang, "saved", png=png_path, json=json_path)


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


def _not_implemented(error: NotImplementedError, impl: str, lang: str = "en") -> str:
    return _text(lang, "not_finished", impl=impl, error=error or "NotImplementedError", where=_innermost_frame_in(error, REPO_ROOT / impl, lang))


def _innermost_frame_in(error: BaseException, folder: Path, lang: str = "en") -> str:
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if _is_inside(frame.filename, folder)]
    if not frames:
        return ""
    frame = frames[-1]
    return _text(lang, "where", file=Path(frame.filename).relative_to(REPO_ROOT), line=frame.lineno, function=frame.name)


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
