"""Numbers for people: points without useless zeros, seconds in a readable unit.

Widths, wrapping and alignment are rich's (report/console.py, report/cjk.py).
"""
from __future__ import annotations


def format_points(value: float) -> str:
    """Points without useless zeros: 5.0 -> "5", 12.5 -> "12.5", 10/3 -> "3.33"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_seconds(value: float) -> str:
    """Seconds for people: 0.042 -> "0.04 s", 12.3456 -> "12.3 s", 125 -> "2 min 5 s"."""
    if value >= 120:
        minutes, seconds = divmod(round(value), 60)
        return f"{minutes} min {seconds} s"
    if value >= 10:
        return f"{value:.1f} s"
    return f"{value:.2f} s"
