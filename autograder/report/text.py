"""Plain-text helpers for the terminal reporters: display width, wrapping, points.

Widths are counted in terminal columns, not characters: a CJK character takes two
columns, so a Chinese message wraps at the same right edge as an English one.
Text without spaces (Chinese) may break between any two wide characters.
"""
from __future__ import annotations

import unicodedata

ELLIPSIS = "…"
# Closing punctuation never starts a line in CJK typesetting: it sticks to the character before it.
CLOSING_PUNCTUATION = "，。、：；！？）》」』】"


def char_width(char: str) -> int:
    """Columns one character takes in a terminal: 2 for wide (CJK), 0 for combining marks."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns a single-line string takes in a terminal."""
    return sum(char_width(c) for c in text)


def truncate(text: str, width: int) -> str:
    """text cut to at most `width` columns, ending in an ellipsis when cut."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        if used + char_width(char) > width - 1:
            break
        kept.append(char)
        used += char_width(char)
    return "".join(kept) + ELLIPSIS


def pad_right(text: str, width: int) -> str:
    """text followed by spaces up to `width` columns."""
    return text + " " * max(0, width - display_width(text))


def pad_left(text: str, width: int) -> str:
    """text preceded by spaces up to `width` columns."""
    return " " * max(0, width - display_width(text)) + text


def _tokens(line: str) -> list[str]:
    # Words separated by spaces; each wide character is a token of its own, so
    # Chinese text can break anywhere while English words stay whole.
    tokens: list[str] = []
    current = ""
    for char in line:
        if char == " ":
            if current:
                tokens.append(current)
                current = ""
            tokens.append(" ")
        elif char in CLOSING_PUNCTUATION and tokens and tokens[-1] != " " and not current:
            tokens[-1] += char
        elif char_width(char) == 2:
            if current:
                tokens.append(current)
                current = ""
            tokens.append(char)
        else:
            current += char
    if current:
        tokens.append(current)
    return tokens


def _wrap_line(line: str, width: int) -> list[str]:
    lines: list[str] = []
    current, used = "", 0
    for token in _tokens(line):
        size = display_width(token)
        if token == " ":
            if current:
                current, used = current + " ", used + 1
            continue
        if used + size > width and current.strip():
            lines.append(current.rstrip())
            current, used = "", 0
        while size > width:  # a word longer than the line: split it hard
            head = truncate(token, width + 1)[:-1] if width > 1 else token[:1]
            lines.append(head)
            token = token[len(head):]
            size = display_width(token)
        current, used = current + token, used + size
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Lines of `text` wrapped to `width` columns, each prefixed by `indent`.

    Line breaks in text are kept (each line wrapped on its own); an empty text gives [].
    """
    text = text.rstrip()
    if not text:
        return []
    room = max(8, width - display_width(indent))
    out: list[str] = []
    for line in text.splitlines():
        out.extend(indent + part if part else "" for part in _wrap_line(line.expandtabs(4), room))
    return out


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
