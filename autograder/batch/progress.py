"""The batch's progress on stderr: a bar with counts and an ETA, or one line per submission.

On a terminal the bar is redrawn in place; elsewhere (CI logs, a file) each finished
submission prints one line, so a log shows what happened without control characters.
The ETA is the remaining count times the average time between finished submissions,
which already accounts for how many workers run at once.
"""
from __future__ import annotations

import sys
import time

BAR_WIDTH = 24
NAME_WIDTH = 28


def format_duration(seconds: float) -> str:
    """12s, 3m05s, 1h02m."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress:
    """Counts finished submissions of `total` to grade and draws them on `stream`."""

    def __init__(self, total: int, stream=None, clock=time.monotonic):
        self.total = total
        self.stream = stream or sys.stderr
        self.clock = clock
        self.started = clock()
        self.done = 0
        self.failed = 0
        isatty = getattr(self.stream, "isatty", None)
        self.interactive = bool(isatty and isatty())

    def eta_seconds(self) -> float | None:
        if not self.done:
            return None
        return (self.clock() - self.started) / self.done * (self.total - self.done)

    def advance(self, name: str, verdict: str, failed: bool = False) -> None:
        """One submission finished: `verdict` is e.g. "37.5/50" or "refused" or "grader error"."""
        self.done += 1
        self.failed += failed
        if self.interactive:
            self._draw()
        else:
            eta = self.eta_seconds()
            eta_text = f", ETA {format_duration(eta)}" if eta is not None and self.done < self.total else ""
            width = len(str(self.total))
            print(f"[{self.done:>{width}}/{self.total}] {name}: {verdict}{eta_text}", file=self.stream, flush=True)

    def _draw(self) -> None:
        filled = int(BAR_WIDTH * self.done / self.total) if self.total else BAR_WIDTH
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        eta = self.eta_seconds()
        eta_text = f"ETA {format_duration(eta)}" if eta is not None and self.done < self.total else ""
        failed = f", {self.failed} grader errors" if self.failed else ""
        line = f"[{bar}] {self.done}/{self.total} graded{failed}, {format_duration(self.clock() - self.started)} {eta_text}"
        print(f"\r\x1b[2K{line}", end="", file=self.stream, flush=True)

    def finish(self) -> float:
        """End the bar's line; return the seconds since the start."""
        if self.interactive and self.total:
            print(file=self.stream, flush=True)
        return self.clock() - self.started
