"""Text a student's code produced, made safe for every place a message goes.

An exception message, a class name or a folder name can hold anything: lone surrogates
(which no UTF-8 file can store), NUL, carriage returns that overwrite a terminal line,
ANSI escape sequences that recolour or clear it, bidirectional overrides that show
code in another order than it runs. `clean` keeps what a reader needs and drops the
rest, so the same string is safe in a terminal, a JSON file, an HTML page (which still
escapes it) and a notebook.
"""
from __future__ import annotations

import re

# ESC [ ... final byte (CSI), ESC ] ... BEL or ESC \ (OSC), and any other ESC + one character.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?", re.DOTALL)
# C0 controls but tab and newline, DEL, C1 controls, lone surrogates, and the
# bidirectional embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
REPLACEMENT = "\ufffd"


def clean(text: object) -> str:
    """text as a str without escape sequences, control characters (but \\t and \\n) or lone surrogates.

    Lone surrogates become U+FFFD (something was there); the rest is removed.
    """
    if not isinstance(text, str):
        text = str(text)
    text = _ESCAPES.sub("", str.__str__(text))
    return _UNSAFE.sub(lambda match: REPLACEMENT if "\ud800" <= match.group() <= "\udfff" else "", text)


def one_line(text: object, limit: int) -> str:
    """clean(text) on one line (runs of whitespace become one space), cut to `limit` characters."""
    text = " ".join(clean(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
