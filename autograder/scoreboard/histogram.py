"""Score histograms as inline SVG: no script, no library, readable without the network.

A histogram splits 0..100 % of an exercise's points into `bins` equal ranges (full
marks fall in the last one) and draws one bar per range, its count above it, and
a <title> per bar that a browser shows on hover.
"""
from __future__ import annotations

from html import escape

WIDTH, HEIGHT = 260, 120
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 8, 8, 16, 20
BAR_GAP = 2


def bin_counts(fractions: list[float], bins: int) -> list[int]:
    """How many fractions (0..1) fall in each of `bins` equal ranges; 1.0 counts in the last."""
    counts = [0] * bins
    for fraction in fractions:
        index = min(bins - 1, max(0, int(fraction * bins)))
        counts[index] += 1
    return counts


def _range_label(index: int, bins: int) -> str:
    low, high = 100 * index / bins, 100 * (index + 1) / bins
    return f"{low:g}–{high:g} %"


def histogram_svg(counts: list[int], label: str) -> str:
    """An <svg> drawing counts as bars; label names it for screen readers."""
    bins = len(counts)
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    tallest = max(counts) if counts and max(counts) > 0 else 1
    step = plot_width / bins
    baseline = MARGIN_TOP + plot_height
    parts = [
        f'<svg class="histogram" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}">',
        f'<line class="axis" x1="{MARGIN_LEFT}" y1="{baseline}" x2="{WIDTH - MARGIN_RIGHT}" y2="{baseline}"/>',
    ]
    for index, count in enumerate(counts):
        height = plot_height * count / tallest
        x = MARGIN_LEFT + index * step + BAR_GAP / 2
        y = baseline - height
        students = "student" if count == 1 else "students"
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{step - BAR_GAP:.1f}" height="{height:.1f}">'
            f"<title>{_range_label(index, bins)}: {count} {students}</title></rect>"
        )
        if count:
            parts.append(f'<text class="count" x="{x + (step - BAR_GAP) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">{count}</text>')
    for fraction, anchor in ((0, "start"), (0.5, "middle"), (1, "end")):
        x = MARGIN_LEFT + fraction * plot_width
        parts.append(f'<text class="tick" x="{x:.1f}" y="{HEIGHT - 5}" text-anchor="{anchor}">{100 * fraction:g} %</text>')
    parts.append("</svg>")
    return "".join(parts)
