"""The student's functions called in this very process, exactly as the sandbox child calls them.

The visible tests (assignments/tests/) judge a student's code with the grader's own
checks, cases, comparisons, diagnoses and messages; only the process boundary differs.
Every call still goes through the child's code (sandbox/child/server.py: the import
policy, the LeNet operations, how an exception is described) and through the wire
(arguments and results are encoded and decoded as between grader and child), so the
visible tests accept what the grader accepts and refuse it in the same words.

There is no time or memory limit here, and no isolation: it runs the student's own code
on the student's own machine.
"""
from __future__ import annotations

import importlib
import io
import threading
import time
from pathlib import Path
from typing import Sequence

from .paths import API
from .sandbox.child import server, wire
from .sandbox.child.guard import ImportGuard
from .sandbox.outcome import CallOutcome
from .sandbox.replies import outcome_from_response

_guards: dict[tuple, ImportGuard] = {}
_lock = threading.Lock()


def guard_for(package: str, allowed_modules: Sequence[str]) -> ImportGuard:
    """The import guard of this package, installed once per process."""
    key = (package, tuple(allowed_modules))
    with _lock:
        if key not in _guards:
            guard = ImportGuard(allowed_modules, package, sorted(set(API.values())))
            guard.install()
            _guards[key] = guard
        return _guards[key]


class InProcessCaller:
    """load/call/restart like a SandboxSession, on the package `package` (assignments or reference)."""

    def __init__(self, package: str, allowed_modules: Sequence[str]):
        guard = guard_for(package, allowed_modules)
        folder = Path(importlib.import_module(package).__file__).resolve().parent
        self.student = server.Student(dict(API), guard, str(folder), package)
        self.isolation: dict = {}

    def __enter__(self) -> "InProcessCaller":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def close(self) -> None:
        pass

    def load(self, modules: Sequence[str]) -> CallOutcome:
        start = time.perf_counter()
        _, frame = server.run_load(list(modules), self.student)
        return _read(frame, start)

    def call(self, target: str, *args, **kwargs) -> CallOutcome:
        return self._call(target, args, kwargs, with_inputs=False)

    def call_with_inputs(self, target: str, *args, **kwargs) -> CallOutcome:
        return self._call(target, args, kwargs, with_inputs=True)

    def _call(self, target, args, kwargs, with_inputs) -> CallOutcome:
        start = time.perf_counter()
        # Across the wire and back: the student's code gets its own copies, as in the child.
        request = wire.encode({}, [list(args), kwargs], with_value=True)
        header, blobs = _frame(request)
        sent_args, sent_kwargs = wire.decode_value(header["value"], blobs)
        _, frame = server.run_call(target, sent_args, sent_kwargs, self.student, with_inputs=with_inputs)
        return _read(frame, start)


def _frame(data: bytes) -> tuple[dict, list[bytes]]:
    stream = io.BytesIO(data)
    return wire.read_frame(stream.read, len(data))


def _read(frame: bytes, start: float) -> CallOutcome:
    header, blobs = _frame(frame)
    return outcome_from_response(header, blobs, time.perf_counter() - start)
