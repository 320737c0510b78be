"""The pictures the course notebooks draw: image grids, annotated matrices, training curves.

matplotlib is imported when a picture is drawn, not when this module is imported.
Each function draws one figure and shows it (inline in a notebook).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

# Grey values outside these percentiles are clipped, so a few extreme responses
# (an edge kernel on a sharp corner) do not wash out the rest of a feature map.
ROBUST_PERCENTILES = (1.0, 99.0)
MATRIX_CELL_INCHES = 0.42
MAX_MATRIX_ANNOTATED = 100  # matrices with more entries are drawn without their numbers
DARK_CELL = 0.6  # entries beyond this fraction of the largest magnitude are dark: white numbers


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _grey_limits(image: np.ndarray, robust: bool) -> tuple[float, float]:
    finite = image[np.isfinite(image)]
    if finite.size == 0:
        return 0.0, 1.0
    low, high = np.percentile(finite, ROBUST_PERCENTILES) if robust else (finite.min(), finite.max())
    return (float(low), float(high)) if high > low else (float(low) - 0.5, float(low) + 0.5)


def show_images(
    images: Sequence[np.ndarray],
    titles: Sequence[str],
    *,
    ncols: int = 3,
    size: float = 3.0,
    robust: bool = True,
) -> None:
    """A grid of images with titles: 2-D arrays in grey, (H, W, 3) uint8 arrays in colour."""
    plt = _pyplot()
    nrows = math.ceil(len(images) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles):
        image = np.asarray(image)
        if image.ndim == 3:
            ax.imshow(image)
        else:
            low, high = _grey_limits(image.astype(np.float64), robust)
            ax.imshow(image, cmap="gray", vmin=low, vmax=high)
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    plt.show()


def _number_text(value: float, integers: bool) -> str:
    if integers:
        return f"{value:.0f}"
    return f"{value:.2g}" if abs(value) < 0.01 and value != 0 else f"{value:.2f}".rstrip("0").rstrip(".")


def show_matrices(
    matrices: Sequence[np.ndarray],
    titles: Sequence[str],
    *,
    marks: Mapping[int, np.ndarray] | None = None,
) -> None:
    """Small matrices side by side, each entry written in its cell (zero is white).

    marks: panel index -> boolean mask of the entries to frame (e.g. the positions a
    stride-2 layer keeps from the stride-1 map).
    """
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    arrays = [np.asarray(m, dtype=np.float64) for m in matrices]
    widths = [max(a.shape[1], 2) for a in arrays]
    height = max(max(a.shape[0] for a in arrays), 2) * MATRIX_CELL_INCHES + 0.8
    fig, axes = plt.subplots(
        1, len(arrays), figsize=(sum(widths) * MATRIX_CELL_INCHES + 0.4 * len(arrays), height),
        gridspec_kw={"width_ratios": widths}, squeeze=False,
    )
    for index, (ax, array, title) in enumerate(zip(axes[0], arrays, titles)):
        limit = float(np.abs(array).max()) or 1.0
        ax.imshow(array, cmap="coolwarm", vmin=-limit, vmax=limit)
        if array.size <= MAX_MATRIX_ANNOTATED:
            integers = bool(np.all(array == np.round(array)))
            for (row, col), value in np.ndenumerate(array):
                colour = "white" if abs(value) > DARK_CELL * limit else "black"
                ax.text(col, row, _number_text(value, integers), ha="center", va="center", fontsize=9, color=colour)
        for row, col in np.argwhere((marks or {}).get(index, np.zeros(array.shape, bool))):
            ax.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, linewidth=2.5, edgecolor="black"))
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    plt.show()


def plot_training(batch_losses: Sequence[float], test_accuracy: Sequence[float], batches_per_epoch: int) -> None:
    """Training curves, as `convlab train` draws them: the loss of every batch (and each epoch's
    mean), and the test accuracy before training and after each epoch."""
    from ..report.training import FIGURE_SIZE, draw_training

    plt = _pyplot()
    figure = plt.figure(figsize=FIGURE_SIZE, layout="constrained")
    draw_training(figure, list(batch_losses), batches_per_epoch, list(test_accuracy), first_epoch=0)
    plt.show()


# --- part 6 ---------------------------------------------------------------------------------------------


def plot_parameters(networks: Mapping[str, Sequence[tuple[str, int]]]) -> None:
    """One bar chart per network: the parameters of each layer (log scale), the largest layer named."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(networks), figsize=(6.5 * len(networks), 3.6), squeeze=False)
    for ax, (name, layers) in zip(axes[0], networks.items()):
        labels = [label for label, _ in layers]
        counts = np.array([count for _, count in layers], dtype=np.float64)
        positions = np.arange(len(counts))
        bars = ax.bar(positions, np.where(counts > 0, counts, np.nan), color="tab:blue")
        largest = int(np.argmax(counts))
        bars[largest].set_color("tab:red")
        ax.set_yscale("log")
        ax.set_xticks(positions)
        ax.set_xticklabels(labels, rotation=90, fontsize=7)
        ax.set_ylabel("parameters (log scale)")
        share = counts[largest] / counts.sum()
        ax.set_title(f"{name}: {int(counts.sum()):,} in all; {labels[largest]} holds {share:.0%}", fontsize=10)
    fig.tight_layout()
    plt.show()


def show_receptive_fields(image: np.ndarray, fields: Sequence[tuple[str, int, np.ndarray]], centre: tuple[int, int]) -> None:
    """The image under each receptive field of the output pixel at `centre` (row, col): a square of
    the computed side around it, and (shaded) the pixels whose gradient is not zero."""
    plt = _pyplot()
    from matplotlib.patches import Rectangle

    fig, axes = plt.subplots(1, len(fields), figsize=(3.2 * len(fields), 3.4), squeeze=False)
    h, w = image.shape
    for ax, (title, side, seen) in zip(axes[0], fields):
        ax.imshow(image, cmap="gray")
        overlay = np.zeros((h, w, 4))
        overlay[seen] = (1.0, 0.2, 0.2, 0.45)
        ax.imshow(overlay)
        # Pixel i covers [i - 0.5, i + 0.5] in imshow's coordinates.
        top = centre[0] - (side - 1) / 2 - 0.5
        left = centre[1] - (side - 1) / 2 - 0.5
        ax.add_patch(Rectangle((left, top), side, side, fill=False, linewidth=2, edgecolor="yellow"))
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    plt.show()


def plot_depth(gradient_norms: Mapping[str, Sequence[float]], losses: Mapping[str, Sequence[float]]) -> None:
    """Left: each layer's weight-gradient norm at initialisation (log scale, input side first);
    right: the training loss step by step, one line per network."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    for name, norms in gradient_norms.items():
        left.plot(np.arange(1, len(norms) + 1), norms, marker="o", markersize=3, label=name)
    left.set_yscale("log")
    left.set_xlabel("conv layer (1 = nearest the input)")
    left.set_ylabel("|dJ/dW| at initialisation")
    left.set_title("gradient reaching each layer")
    left.legend()
    for name, values in losses.items():
        right.plot(np.arange(1, len(values) + 1), values, linewidth=1, label=name)
    right.axhline(np.log(10), color="grey", linestyle=":", linewidth=1)
    right.set_xlabel("training step")
    right.set_ylabel("cross-entropy loss")
    right.set_title("training loss (dotted: log 10, guessing)")
    right.legend()
    fig.tight_layout()
    plt.show()


def plot_accuracy_under(curves: Mapping[str, tuple[str, Sequence[float], Mapping[str, Sequence[float]]]]) -> None:
    """One panel per transformation: test accuracy against its amount, one line per model.

    curves: panel title -> (x-axis label, amounts, model name -> accuracy at each amount).
    """
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(curves), figsize=(4.2 * len(curves), 3.4), squeeze=False)
    for ax, (title, (xlabel, amounts, models)) in zip(axes[0], curves.items()):
        for name, accuracy in models.items():
            ax.plot(amounts, accuracy, marker="o", markersize=3, label=name)
        ax.set_ylim(0, 1)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("test accuracy")
        ax.set_title(title)
        ax.axhline(0.1, color="grey", linestyle=":", linewidth=1)
        ax.legend(fontsize=8)
    fig.tight_layout()
    plt.show()
