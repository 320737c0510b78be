"""The child's stdout and stderr: always drained, only the first output_kb kept."""
from __future__ import annotations

import os
import select
import threading

CHUNK = 1 << 16


class CappedOutput:
    """A byte buffer that keeps the first `limit` bytes and counts the rest.

    One drain thread per child process empties its pipe as data arrives, so a child
    that floods its output never blocks on a full pipe and never grows the grader's
    memory. Reading `text` first takes in whatever is already in the pipes: what a
    child printed before it answered a call is always there once the call returns.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self._kept = bytearray()
        self._dropped = 0
        self._open: set[int] = set()
        self._lock = threading.Lock()

    def drain(self, fd: int) -> threading.Thread:
        """Start a thread that reads fd to its end into this buffer, then closes fd."""
        os.set_blocking(fd, False)
        with self._lock:
            self._open.add(fd)
        thread = threading.Thread(target=self._follow, args=(fd,), name="sandbox-output", daemon=True)
        thread.start()
        return thread

    def _follow(self, fd: int) -> None:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while True:
            poller.poll()  # outside the lock: `text` may take in data meanwhile
            with self._lock:
                if not self._take_available(fd):
                    self._open.discard(fd)
                    os.close(fd)
                    return

    def _take_available(self, fd: int) -> bool:
        """Read what fd holds now (lock held); False once it reached its end."""
        while True:
            try:
                chunk = os.read(fd, CHUNK)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not chunk:
                return False
            room = max(0, self.limit - len(self._kept))
            self._kept += chunk[:room]
            self._dropped += max(0, len(chunk) - room)

    @property
    def text(self) -> str:
        with self._lock:
            for fd in list(self._open):
                self._take_available(fd)
            text = self._kept.decode("utf-8", errors="replace")
            if self._dropped:
                text += f"\n[... {self._dropped} more bytes of output dropped (output_kb = {self.limit // 1024})]\n"
            return text
