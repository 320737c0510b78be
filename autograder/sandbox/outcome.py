"""What one call into student code gave back."""
from __future__ import annotations

from dataclasses import dataclass

# ok: value holds the returned value. exception / not_implemented: the student's
# code raised. timeout, crashed: the child ran past call_seconds or ended. forbidden_import:
# it imported a module grading.toml forbids. bad_output: it returned something the
# grader does not accept (an object, an ndarray subclass, an object array...).
STATUSES = ("ok", "exception", "not_implemented", "timeout", "crashed", "forbidden_import", "bad_output")
# The statuses the child may report itself; timeout and crashed are only ever the grader's verdict.
CHILD_STATUSES = ("ok", "exception", "not_implemented", "forbidden_import", "bad_output")


@dataclass
class CallOutcome:
    status: str
    value: object = None  # for "ok": rebuilt by the grader (numpy arrays of numbers, Python scalars, containers)
    error_type: str = ""  # for "exception": the exception class name, e.g. "ValueError"
    error: str = ""  # for the student: the message with file:line, or why the process ended
    seconds: float = 0.0  # wall-clock seconds of the call inside the child

    @property
    def ok(self) -> bool:
        return self.status == "ok"
