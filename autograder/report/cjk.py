"""Line breaks for Chinese text in rich: rich measures a CJK character as two columns but breaks
lines only at spaces, so a Chinese sentence (which has none) would be pushed whole onto the
next line and then cut wherever it overflows.

`Wrapping` is a rich Text that may also break before and after any wide character, never before
closing punctuation (CJK typesetting keeps "，。：" with the character before them). English
words and numbers stay whole as before. Everything else (styles, colour, measuring) is rich's.
"""
from __future__ import annotations

import re

from rich.cells import cell_len, chop_cells
from rich.text import Lines, Text

# Closing punctuation never starts a line in CJK typesetting: it sticks to the character before it.
CLOSING_PUNCTUATION = "，。、：；！？）》」』】"
# A wide character with any closing punctuation and spaces after it, or a run of narrow
# non-space characters (a word, a number) with the spaces after it.
_WORD = re.compile(rf"\s*(?:[\u1100-\uffff][{CLOSING_PUNCTUATION}]*|[^\s\u1100-\uffff]+[{CLOSING_PUNCTUATION}]*)\s*")


def _words(text: str):
    position = 0
    while position < len(text):
        match = _WORD.match(text, position)
        if match is None or match.end() == position:  # a narrow character in the wide range's gaps
            yield position, position + 1, text[position]
            position += 1
            continue
        yield match.start(), match.end(), match.group(0)
        position = match.end()


def break_offsets(text: str, width: int) -> list[int]:
    """Where to break `text` so that every line fits `width` columns (rich's divide_line, with
    a break allowed next to every wide character)."""
    offsets: list[int] = []
    used = 0
    for start, _end, word in _words(text):
        size = cell_len(word.rstrip())
        if used + size <= width:
            used += cell_len(word)
        elif size > width:  # longer than a line: cut it where it overflows
            for index, piece in enumerate(chop_cells(word, width)):
                if start and (index or used):
                    offsets.append(start)
                start += len(piece)
                used = cell_len(piece)
        elif start:
            offsets.append(start)
            used = cell_len(word)
    return offsets


class Wrapping(Text):
    """A rich Text whose lines may break next to any wide (CJK) character."""

    def wrap(self, console, width, *, justify=None, overflow=None, tab_size=8, no_wrap=None) -> Lines:
        if no_wrap or self.no_wrap or overflow == "ignore" or not any(cell_len(c) == 2 for c in self.plain):
            return super().wrap(console, width, justify=justify, overflow=overflow, tab_size=tab_size, no_wrap=no_wrap)
        lines = Lines()
        for line in self.split(allow_blank=True):
            if "\t" in line:
                line.expand_tabs(tab_size)
            pieces = line.divide(break_offsets(line.plain, width))
            for piece in pieces:
                piece.rstrip_end(width)
                piece.truncate(width, overflow=overflow or self.overflow or "fold")
            lines.extend(pieces)
        return lines


def wrapping(text: str, style: str = "") -> Wrapping:
    """text as a Wrapping Text (no markup is parsed: a message may hold "[0, 1]")."""
    return Wrapping(text, style=style)
