"""The child's request loop: import the student's modules, call one function, send back the result.

Runs after the isolation is in place and with the import guard installed. Requests:

    {"op": "load", "modules": [...]}                      import these student modules
    {"op": "call", "target": ..., "value": [args, kwargs]}  call one API function or LeNet operation

Each response is {"status": ..., "seconds": ...} plus, when the status is "ok", the
returned value; otherwise what went wrong as data, never as prose (the grader words
it from its message catalog): "error_type" (the class name), "error_bases" (the
built-in exception classes it derives from), "error" (its message), "where"
("file.py:line" in the student's files), "module" (for a failed load).

The same functions run in the visible tests' own process (autograder/inprocess.py):
what crosses the wire there is exactly what crosses it here.
"""
from __future__ import annotations

import builtins
import importlib
import os
import time
import traceback

from . import confine, wire
from .guard import ForbiddenImport

PACKAGE = "submission"
MAX_ERROR_CHARS = 2_000
LENET_OPS = ("LeNet.init", "LeNet.forward", "LeNet.backward", "LeNet.steps")

# Bound once, before any student code runs: a student who replaces os.write or
# time.perf_counter changes what their own code sees, not what the loop sends.
_read = os.read
_write = os.write
_clock = time.perf_counter


class Channel:
    """The two pipe ends the child owns: requests in, responses out."""

    def __init__(self, request_fd: int, response_fd: int, max_request_bytes: int):
        self.request_fd = request_fd
        self.response_fd = response_fd
        self.max_request_bytes = max_request_bytes

    def read_exactly(self, size: int) -> bytes:
        chunks, remaining = [], size
        while remaining:
            chunk = _read(self.request_fd, min(remaining, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def receive(self) -> tuple[dict, list[bytes]]:
        return wire.read_frame(self.read_exactly, self.max_request_bytes)

    def send(self, frame: bytes) -> None:
        view = memoryview(frame)
        while view:
            view = view[_write(self.response_fd, view):]


class Student:
    """The student package as the child (or the visible tests) sees it: where it lives, what guards it."""

    def __init__(self, api: dict[str, str], guard, folder: str, package: str = PACKAGE):
        self.api = api
        self.guard = guard
        self.folder = folder
        self.package = package


def serve(channel: Channel, student: Student, call_seconds: float) -> None:
    """Answer requests until the grader closes the request pipe."""
    while True:
        try:
            header, blobs = channel.receive()
        except EOFError:
            return
        confine.arm_cpu_limit(call_seconds)
        if header.get("op") == "load":
            status, frame = run_load(header.get("modules"), student)
        else:
            args, kwargs = wire.decode_value(header["value"], blobs)
            status, frame = run_call(header["target"], args, kwargs, student, with_inputs=header.get("with_inputs") is True)
        channel.send(frame)
        if status == "forbidden_import":
            return  # the grader starts a fresh child: this one has the student's module half-imported


def run_load(modules, student: Student) -> tuple[str, bytes]:
    """Import each student module named (a list of str); the first that fails answers for all."""
    known = set(student.api.values())
    start = _clock()
    for module in modules if isinstance(modules, list) else ():
        if module not in known:
            continue
        attempts_before = len(student.guard.attempts)
        try:
            importlib.import_module(f"{student.package}.{module}")
        except BaseException as error:
            response = _refusal(error, student, attempts_before, _clock() - start)
            response["module"] = module
            return _answer(response)
        if len(student.guard.attempts) > attempts_before:  # tried, caught its own ImportError, carried on
            return _answer(dict(_forbidden(student.guard.attempts[attempts_before:], _clock() - start), module=module))
    return "ok", wire.encode({"status": "ok", "seconds": _clock() - start}, None, with_value=True)


def run_call(target, args, kwargs, student: Student, with_inputs: bool = False) -> tuple[str, bytes]:
    """(status, response frame) for one call; never raises.

    with_inputs: the value sent back is {"result": value, "args": args, "kwargs": kwargs},
    the arguments as the student's code left them (to catch changes made in place).
    """
    attempts_before = len(student.guard.attempts)
    start = _clock()
    try:
        function = resolve(target, student)
        value = function(*args, **kwargs)
        seconds = _clock() - start
    except BaseException as error:  # SystemExit and KeyboardInterrupt from student code too
        return _answer(_refusal(error, student, attempts_before, _clock() - start))
    if len(student.guard.attempts) > attempts_before:
        return _answer(_forbidden(student.guard.attempts[attempts_before:], seconds))
    if with_inputs:
        value = {"result": value, "args": args, "kwargs": kwargs}
    try:
        return "ok", wire.encode({"status": "ok", "seconds": seconds}, value, with_value=True)
    except Exception as error:  # an unsupported type, an int too long to print, a dict changing size...
        return _answer(_bad_output(error, seconds))


def _answer(response: dict) -> tuple[str, bytes]:
    return response["status"], wire.encode(response)


def _refusal(error: BaseException, student: Student, attempts_before: int, seconds: float) -> dict:
    if len(student.guard.attempts) > attempts_before or isinstance(error, ForbiddenImport):
        return _forbidden(student.guard.attempts[attempts_before:], seconds)
    return _failure(error, student, seconds)


def resolve(target: str, student: Student):
    """The callable a target names: an API function, or one of the LeNet operations."""
    if target in LENET_OPS:
        lenet = importlib.import_module(f"{student.package}.{student.api['LeNet']}").LeNet
        return _LENET_CALLS[target](lenet)
    if target not in student.api or target == "LeNet":
        raise LookupError(f"unknown target {target!r}")
    module = importlib.import_module(f"{student.package}.{student.api[target]}")
    try:
        return getattr(module, target)
    except AttributeError:
        raise AttributeError(f"{student.api[target]}.py defines no {target}") from None


# The LeNet operations hand the network a dict of its own: a network may replace entries of
# self.params (keep float32 copies, say) without touching the grader's argument. Changing
# the argument's arrays in place still shows, and counts.


def _network(lenet, params):
    net = lenet(seed=0)
    net.params = dict(params)
    return net


def _lenet_init(lenet):
    def init(seed=0):
        return lenet(seed=seed).params

    return init


def _lenet_forward(lenet):
    def forward(params, x):
        return _network(lenet, params).forward(x)

    return forward


def _lenet_backward(lenet):
    def backward(params, x, dlogits):
        net = _network(lenet, params)
        net.forward(x)
        return net.backward(dlogits)

    return backward


def _lenet_steps(lenet):
    def steps(params, batches):
        """One network, forward then backward on each (x, dlogits) in turn; the last backward's gradients."""
        net = _network(lenet, params)
        grads = None
        for x, dlogits in batches:
            net.forward(x)
            grads = net.backward(dlogits)
        return grads

    return steps


_LENET_CALLS = {"LeNet.init": _lenet_init, "LeNet.forward": _lenet_forward, "LeNet.backward": _lenet_backward,
                "LeNet.steps": _lenet_steps}


def _forbidden(names, seconds):
    name = names[0] if names and isinstance(names[0], str) and names[0].isidentifier() else ""
    return {"status": "forbidden_import", "seconds": seconds, "error_type": "ForbiddenImport",
            "error_bases": ["ImportError", "Exception", "BaseException"], "error": name, "where": ""}


def _bad_output(error, seconds):
    return {"status": "bad_output", "seconds": seconds, "error_type": "", "error_bases": [],
            "error": _short(str(error)), "where": ""}


def _failure(error, student: Student, seconds):
    status = "not_implemented" if isinstance(error, NotImplementedError) else "exception"
    try:
        message = error.msg if isinstance(error, SyntaxError) else str(error)  # str() adds its own "(file, line)"
    except BaseException:
        message = "(the exception's message could not be printed)"
    if not isinstance(message, str):
        message = ""
    prefix = student.package + "."
    if isinstance(error, ModuleNotFoundError) and isinstance(error.name, str) and error.name.startswith(prefix):
        message = f"{error.name[len(prefix):]}.py is missing from the submission"
    return {"status": status, "seconds": seconds, "error_type": _type_name(error), "error_bases": builtin_bases(error),
            "error": _short(message), "where": student_location(error, student.folder)}


def builtin_bases(error: BaseException) -> list[str]:
    """The built-in exception classes the error's class derives from, nearest first.

    Checked by identity: a student class that merely calls itself "ValueError" is not one.
    """
    return [cls.__name__ for cls in type(error).__mro__
            if issubclass(cls, BaseException) and isinstance(cls.__name__, str) and getattr(builtins, cls.__name__, None) is cls]


def student_location(error: BaseException, submission_dir: str) -> str:
    """'file.py:line' of the innermost traceback frame in the student's files, or ''."""
    prefix = submission_dir.rstrip("/") + "/"
    if isinstance(error, SyntaxError) and isinstance(error.filename, str) and error.filename.startswith(prefix):
        return f"{error.filename[len(prefix):]}:{error.lineno}"
    where = ""
    for frame, line in traceback.walk_tb(error.__traceback__):
        filename = frame.f_code.co_filename
        if isinstance(filename, str) and filename.startswith(prefix):
            where = f"{filename[len(prefix):]}:{line}"
    return where


def _type_name(error: BaseException) -> str:
    name = type(error).__name__
    return name if isinstance(name, str) and name.isidentifier() else "Exception"


def _short(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 3] + "..."


def exit_now(code: int = 0) -> None:
    """Leave without running atexit handlers or joining threads the student started.

    stdout and stderr are unbuffered in the child (python -u), so nothing is lost.
    """
    os._exit(code)
