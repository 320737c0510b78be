"""How a training run looks, in a terminal (`convlab train`) and in a notebook (part 5).

While it trains: a rich progress bar for the current epoch (batches done, the epoch's mean loss
so far, time spent, ETA) under one row per finished epoch. At the end: the loss and accuracy
curves drawn in a few lines of text, the test accuracy and the time. `training_figure` draws
the same curves with matplotlib, for a PNG beside the run or a notebook cell.

On a terminal the bar is redrawn in place; in a notebook rich draws it in a widget; elsewhere
(a CI log, a pipe) only the rows and the summary are printed. Words come from the catalog's
[train] table.
"""
from __future__ import annotations

import time
from collections.abc import Sequence

from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from ..messages import LANGUAGES, catalog
from .text import format_seconds

SPARK_CHARACTERS = "▁▂▃▄▅▆▇█"
CURVE_WIDTH = 32  # columns of a curve drawn in text
LOSS_STYLE = "magenta"
ACCURACY_STYLE = "green"


def _text(lang: str, key: str, **fields) -> str:
    return catalog(lang if lang in LANGUAGES else "en").text(f"train.{key}", **fields)


def sparkline(values: Sequence[float], width: int, low: float | None = None, high: float | None = None) -> str:
    """values drawn as `width` block characters (each the mean of its share of the values),
    scaled from low (▁) to high (█): by default the smallest and the largest value."""
    values = [float(v) for v in values]
    if not values:
        return ""
    if len(values) > width:  # one character per bucket of values, their mean
        edges = [round(i * len(values) / width) for i in range(width + 1)]
        values = [sum(values[a:b]) / (b - a) for a, b in zip(edges, edges[1:]) if b > a]
    low = min(values) if low is None else low
    high = max(values) if high is None else high
    span = high - low
    top = len(SPARK_CHARACTERS) - 1
    return "".join(
        SPARK_CHARACTERS[0 if span <= 0 else max(0, min(top, round((value - low) / span * top)))] for value in values
    )


def stretch(values: Sequence[float], width: int) -> list[float]:
    """A few values (one per epoch) spread over `width` columns, each repeated in turn."""
    if not values or len(values) >= width:
        return list(values)
    return [values[i * len(values) // width] for i in range(width)]


class TrainingDisplay:
    """Shows a training run as it happens; use it as a context manager around the loop.

        with TrainingDisplay(epochs, batches_per_epoch) as display:
            ... display.on_batch(epoch, batch, loss) after every batch
            ... display.on_epoch({"epoch": e, "test_accuracy": a, ...}) after every epoch
        display.print_summary(n_test)

    on_batch and on_epoch have the signatures training.train() calls them with. A record
    needs "epoch" and "test_accuracy"; "train_loss" (default: the mean of the epoch's batch
    losses), "train_accuracy" and "seconds" (default: measured here) are optional.
    """

    def __init__(self, epochs: int, batches_per_epoch: int, *, console: Console | None = None, lang: str = "en"):
        self.epochs = epochs
        self.batches_per_epoch = batches_per_epoch
        self.console = console or Console(highlight=False)
        self.lang = lang
        self.batch_losses: list[float] = []
        self.history: list[dict] = []
        self._epoch_losses: list[float] = []
        self._started = time.perf_counter()
        self._epoch_started = self._started
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(_text(lang, "batches")),
            TextColumn("{task.fields[loss]}"),
            TimeElapsedColumn(),
            TextColumn(_text(lang, "eta")),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,  # the rows stay, the bar goes: nothing of it lands in a log
        )
        self._task = None

    @property
    def live(self) -> bool:
        """Whether the bar is drawn: on a terminal or in a notebook, not into a log or a pipe."""
        return self.console.is_terminal or self.console.is_jupyter

    def __enter__(self) -> TrainingDisplay:
        self._started = self._epoch_started = time.perf_counter()
        if self.live:
            self._progress.start()
        self._new_epoch(1)
        return self

    def __exit__(self, *exc) -> None:
        if self.live:
            self._progress.stop()

    def _new_epoch(self, epoch: int) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
        if epoch > self.epochs:
            self._task = None
            return
        description = _text(self.lang, "epoch", epoch=epoch, epochs=self.epochs)
        self._task = self._progress.add_task(description, total=self.batches_per_epoch, loss="")
        self._epoch_losses = []
        self._epoch_started = time.perf_counter()

    def on_batch(self, epoch: int, batch: int, loss: float) -> None:
        """One batch done: its loss joins the curve, the bar advances."""
        self.batch_losses.append(float(loss))
        self._epoch_losses.append(float(loss))
        if self._task is not None:
            mean = sum(self._epoch_losses) / len(self._epoch_losses)
            # Drawn now, not at the next tick: a batch takes long enough for that to cost nothing.
            self._progress.update(self._task, completed=batch, loss=_text(self.lang, "loss", loss=mean), refresh=self.live)

    def on_epoch(self, record: dict) -> None:
        """One epoch done: its row goes above the bar, and the bar starts the next epoch."""
        record = dict(record)
        if "train_loss" not in record and self._epoch_losses:
            record["train_loss"] = sum(self._epoch_losses) / len(self._epoch_losses)
        record.setdefault("seconds", time.perf_counter() - self._epoch_started)
        self.history.append(record)
        self._progress.console.print(self.epoch_row(record))
        self._new_epoch(int(record["epoch"]) + 1)

    def epoch_row(self, record: dict) -> Text:
        """ "epoch  3/10  loss 0.4026  train 86.80%  test 91.30%  5.1 s" """
        parts = [_text(self.lang, "epoch", epoch=f"{record['epoch']:>{len(str(self.epochs))}}", epochs=self.epochs)]
        if "train_loss" in record:
            parts.append(_text(self.lang, "loss", loss=record["train_loss"]))
        if "train_accuracy" in record:
            parts.append(_text(self.lang, "train_accuracy", accuracy=record["train_accuracy"]))
        parts.append(_text(self.lang, "test_accuracy", accuracy=record["test_accuracy"]))
        parts.append(format_seconds(float(record["seconds"])))
        return Text("  ".join(parts))

    def seconds(self) -> float:
        return time.perf_counter() - self._started

    def curves(self, width: int = CURVE_WIDTH) -> Table:
        """The loss of every batch and the test accuracy after every epoch, as lines of blocks:

            loss, 630 batches          2.303 ████▇▆▅▄▃▃▂▂▂▂▂▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁ 0.061
            test accuracy, 10 epochs   49.0% ▄▄▄▇▇▇▇▇▇▇▇▇▇▇▇█████████████████ 97.0%
        """
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, overflow="ellipsis")
        grid.add_column(justify="right", no_wrap=True, min_width=6)
        grid.add_column(no_wrap=True, min_width=width)
        grid.add_column(no_wrap=True)
        if self.batch_losses:
            losses = self.batch_losses
            grid.add_row(
                _text(self.lang, "curve_loss", count=len(losses)), f"{losses[0]:.3f}",
                Text(sparkline(losses, width), style=LOSS_STYLE), f"{losses[-1]:.3f}",
            )
        accuracy = [float(record["test_accuracy"]) for record in self.history]
        if accuracy:
            grid.add_row(
                _text(self.lang, "curve_accuracy", count=len(accuracy)), f"{accuracy[0]:.1%}",
                Text(sparkline(stretch(accuracy, width), width, 0.0, 1.0), style=ACCURACY_STYLE), f"{accuracy[-1]:.1%}",
            )
        return grid

    def final_line(self, n_test: int) -> Text:
        """ "test accuracy 97.00% (970 of 1000 test digits) · 10 epochs in 63.6 s" """
        accuracy = float(self.history[-1]["test_accuracy"]) if self.history else 0.0
        return Text(_text(
            self.lang, "final", accuracy=accuracy, correct=round(accuracy * n_test), total=n_test,
            epochs=len(self.history), seconds=format_seconds(self.seconds()),
        ), style="bold")

    def print_summary(self, n_test: int) -> None:
        """The curves in text, then the test accuracy and the time."""
        self.console.print(Group(Text(""), self.curves(), Text(""), self.final_line(n_test)))


def training_figure(batch_losses: Sequence[float], batches_per_epoch: int, test_accuracy: Sequence[float],
                    train_accuracy: Sequence[float] = (), *, title: str = "", first_epoch: int = 1, lang: str = "en"):
    """A matplotlib Figure of the curves (see draw_training), made without pyplot so that it
    can be saved from any process."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGURE_SIZE, layout="constrained")
    draw_training(figure, batch_losses, batches_per_epoch, test_accuracy, train_accuracy, title=title, first_epoch=first_epoch, lang=lang)
    return figure


FIGURE_SIZE = (10, 3.4)


def draw_training(figure, batch_losses: Sequence[float], batches_per_epoch: int, test_accuracy: Sequence[float],
                  train_accuracy: Sequence[float] = (), *, title: str = "", first_epoch: int = 1, lang: str = "en") -> None:
    """Draw the curves into a matplotlib figure: left, the loss of every batch and each epoch's
    mean (at the epoch's middle); right, the test (and train) accuracy after each epoch, where
    test_accuracy[0] belongs to epoch `first_epoch` (0: before training)."""
    left, right = figure.subplots(1, 2)
    steps = [(i + 1) / batches_per_epoch for i in range(len(batch_losses))]
    left.plot(steps, batch_losses, linewidth=0.8, alpha=0.6, label=_text(lang, "plot_batch_loss"))
    epochs = len(batch_losses) // batches_per_epoch
    if epochs:
        means = [sum(batch_losses[e * batches_per_epoch:(e + 1) * batches_per_epoch]) / batches_per_epoch for e in range(epochs)]
        left.plot([e + 0.5 for e in range(epochs)], means, marker="o", label=_text(lang, "plot_epoch_loss"))
    left.set_xlabel(_text(lang, "plot_epoch"))
    left.set_ylabel(_text(lang, "plot_loss"))
    left.set_title(_text(lang, "plot_loss_title"))
    left.legend()
    x = list(range(first_epoch, first_epoch + len(test_accuracy)))
    right.plot(x, test_accuracy, marker="o", label=_text(lang, "plot_test"))
    if train_accuracy:
        right.plot(list(range(1, 1 + len(train_accuracy))), train_accuracy, marker=".", linestyle="--", label=_text(lang, "plot_train"))
    right.set_xlabel(_text(lang, "plot_epoch"))
    right.set_ylabel(_text(lang, "plot_accuracy"))
    right.set_ylim(0, 1)
    right.set_xticks(x)
    right.set_title(_text(lang, "plot_accuracy_title"))
    right.legend(loc="lower right")
    if title:
        figure.suptitle(title)
