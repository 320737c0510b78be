"""The batch's progress on stderr: a rich progress bar with counts and an ETA, or one line per submission.

On a terminal the bar is redrawn in place (rich's live display); elsewhere (CI logs, a file)
each finished submission prints one line, so a log shows what happened without control
characters. The ETA of those lines is the remaining count times the average time between
finished submissions, which already accounts for how many workers run at once.
"""
from __future__ import annotations

import sys
import time

from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress
from rich.text import Text

from ..report.console import terminal_console


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
        self.console = terminal_console(self.stream)
        self.interactive = self.console.is_terminal
        self._bar = None
        if self.interactive and total:
            self._bar = RichProgress(
                TextColumn("graded"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=self.console,
                get_time=clock,
                transient=False,
            )
            self._task = self._bar.add_task("batch", total=total, failed="")
            self._bar.start()

    def eta_seconds(self) -> float | None:
        if not self.done:
            return None
        return (self.clock() - self.started) / self.done * (self.total - self.done)

    def advance(self, name: str, verdict: str, failed: bool = False) -> None:
        """One submission finished: `verdict` is e.g. "37.5/50" or "refused" or "grader error"."""
        self.done += 1
        self.failed += failed
        if self._bar is not None:
            errors = f"{self.failed} grader errors" if self.failed else ""
            self._bar.update(self._task, advance=1, failed=errors)
            return
        eta = self.eta_seconds()
        eta_text = f", ETA {format_duration(eta)}" if eta is not None and self.done < self.total else ""
        width = len(str(self.total))
        self.console.print(Text(f"[{self.done:>{width}}/{self.total}] {name}: {verdict}{eta_text}"), soft_wrap=True)

    def finish(self) -> float:
        """Stop the bar (its last state stays on screen); return the seconds since the start."""
        if self._bar is not None:
            self._bar.stop()
        return self.clock() - self.started
