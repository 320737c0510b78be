"""Every terminal reporter draws through rich: one way to get widths (CJK characters take two
columns), wrapping, colours and progress bars right.

`terminal_console` writes to a real stream (stdout, stderr) and lets rich decide about colour
and live redrawing: colour and bars on a terminal, plain lines elsewhere (CI logs, files, pipes),
never colour under NO_COLOR or TERM=dumb. `render` draws renderables into a string of a fixed
width, with colour only when asked: what the reporters return and the tests pin.
"""
from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable

from rich.console import Console, Group, RenderableType

# One style per verdict; the status words themselves come from the catalog (report.status_*).
STATUS_STYLES = {"PASS": "green", "PART": "yellow", "FAIL": "red", "ERROR": "bold red", "TODO": "cyan"}
HEADING_STYLE = "bold"
# Spaces at the end of a line, before any colour codes that close it.
TRAILING_SPACES = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$")
FOOTER_STYLE = "dim"


def _plain_console(width: int, color: bool, file) -> Console:
    return Console(
        file=file,
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        legacy_windows=False,
        soft_wrap=False,
        # Never guess a terminal's size, encoding quirks or a notebook from the environment.
        force_jupyter=False,
        force_interactive=False,
    )


def render(renderables: Iterable[RenderableType], *, width: int, color: bool = False) -> str:
    """The renderables drawn one under the other into `width` columns, without a trailing newline."""
    buffer = io.StringIO()
    console = _plain_console(width, color, buffer)
    # One Group: console.print would join top-level Texts into a plain Text, losing their class.
    console.print(Group(*renderables))
    # rich pads every cell to its column's width; a line needs no spaces after its last word.
    lines = (TRAILING_SPACES.sub(r"\1", line) for line in buffer.getvalue().rstrip("\n").split("\n"))
    return "\n".join(lines)


def terminal_console(stream, *, width: int | None = None) -> Console:
    """A console on `stream` (sys.stdout, sys.stderr): colour and live bars only on a terminal."""
    isatty = getattr(stream, "isatty", None)
    terminal = bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"
    return Console(
        file=stream,
        width=width,
        force_terminal=terminal,
        force_interactive=terminal,
        force_jupyter=False,
        no_color="NO_COLOR" in os.environ or not terminal,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )
