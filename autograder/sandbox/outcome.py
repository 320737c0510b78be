"""What one call into student code gave back."""
from __future__ import annotations

from dataclasses import dataclass, field

# ok: value holds the returned value. exception / not_implemented: the student's
# code raised. timeout, crashed: the child ran past call_seconds or ended. forbidden_import:
# it imported a module outside the course's policy. bad_output: it returned something the
# grader does not accept (an object, an ndarray subclass, an object array...). needs_unfinished:
# a NotImplementedError raised in another of the student's files than the called function's
# (a block calling an unwritten conv2d_backward): the grader's reading of a not_implemented.
STATUSES = ("ok", "exception", "not_implemented", "needs_unfinished", "timeout", "crashed", "forbidden_import", "bad_output")
# The statuses the child may report itself; timeout and crashed are only ever the grader's verdict.
CHILD_STATUSES = ("ok", "exception", "not_implemented", "forbidden_import", "bad_output")


@dataclass
class CallOutcome:
    status: str
    value: object = None  # for "ok": rebuilt by the grader (numpy arrays of numbers, Python scalars, containers)
    error_type: str = ""  # for "exception": the exception class name, e.g. "ValueError" or the student's own
    error: str = ""  # the exception's message; for forbidden_import the module's name; else why the process ended
    seconds: float = 0.0  # seconds of the call inside the child
    error_bases: list[str] = field(default_factory=list)  # the built-in classes error_type derives from, nearest first
    where: str = ""  # "file.py:line" in the student's files, if the error came from there
    module: str = ""  # for a failed load: the student module that could not be imported
    signal: str = ""  # for crashed: the signal that ended the process ("SIGKILL"), if one did
    inputs_after: list | None = None  # with_inputs: the arguments as the student's code left them

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def raised(self, error_type: str) -> bool:
        """Whether the call raised error_type or a subclass of it (a built-in exception class name)."""
        return self.status in ("exception", "not_implemented") and (
            self.error_type == error_type or error_type in self.error_bases)

    @property
    def builtin_type(self) -> str:
        """The nearest built-in class of the exception (its own name when it is one)."""
        return self.error_bases[0] if self.error_bases else "Exception"
