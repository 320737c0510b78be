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
