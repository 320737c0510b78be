"""The child's request loop: import the student's module, call one function, send back the result.

Runs after the isolation is in place and with the import guard installed. Each
request is {"op": "call", "target": ..., "value": [args, kwargs]}; each response
is {"status": ..., "seconds": ..., "error_type": ..., "error": ...} plus the
returned value when the status is "ok".
"""
from __future__ import annotations

import importlib
import os
import time
import traceback

from . import confine, wire
from .guard import ForbiddenImport

PACKAGE = "submission"
MAX_ERROR_CHARS = 2_000
LENET_OPS = ("LeNet.init", "LeNet.forward", "LeNet.backward")

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


def serve(channel: Channel, api: dict[str, str], guard, submission_dir: str, call_seconds: float) -> None:
    """Answer requests until the grader closes the request pipe."""
    while True:
        try:
            header, blobs = channel.receive()
        except EOFError:
            return
        args, kwargs = wire.decode_value(header["value"], blobs)
        confine.arm_cpu_limit(call_seconds)
        status, frame = run_call(header["target"], args, kwargs, api, guard, submission_dir,
                                 with_inputs=header.get("with_inputs") is True)
        channel.send(frame)
        if status == "forbidden_import":
            return  # the grader starts a fresh child: this one has the student's module half-imported


def run_call(target, args, kwargs, api, guard, submission_dir, with_inputs=False) -> tuple[str, bytes]:
    """(status, response frame) for one call; never raises.

    with_inputs: the value sent back is {"result": value, "args": args, "kwargs": kwargs},
    the arguments as the student's code left them (to catch changes made in place).
    """
    attempts_before = len(guard.attempts)
    start = _clock()
    try:
        function = resolve(target, api)
        value = function(*args, **kwargs)
        seconds = _clock() - start
    except BaseException as error:  # SystemExit and KeyboardInterrupt from student code too
        seconds = _clock() - start
        if len(guard.attempts) > attempts_before or isinstance(error, ForbiddenImport):
            return _answer(_forbidden(guard.attempts[attempts_before:], seconds))
        return _answer(_failure(error, submission_dir, seconds))
    if len(guard.attempts) > attempts_before:
        return _answer(_forbidden(guard.attempts[attempts_before:], seconds))
    if with_inputs:
        value = {"result": value, "args": args, "kwargs": kwargs}
    try:
        return "ok", wire.encode({"status": "ok", "seconds": seconds}, value, with_value=True)
    except Exception as error:  # an unsupported type, an int too long to print, a dict changing size...
        return _answer(_bad_output(error, seconds))


def _answer(response: dict) -> tuple[str, bytes]:
    return response["status"], wire.encode(response)


def resolve(target: str, api: dict[str, str]):
    """The callable a target names: an API function, or one of the LeNet operations."""
    if target in LENET_OPS:
        lenet = importlib.import_module(f"{PACKAGE}.{api['LeNet']}").LeNet
        return _LENET_CALLS[target](lenet)
    if target not in api or target == "LeNet":
        raise LookupError(f"unknown target {target!r}")
    module = importlib.import_module(f"{PACKAGE}.{api[target]}")
    try:
        return getattr(module, target)
    except AttributeError:
        raise AttributeError(f"{api[target]}.py defines no {target}") from None


def _lenet_init(lenet):
    def init(seed=0):
        return lenet(seed=seed).params

    return init


def _lenet_forward(lenet):
    def forward(params, x):
        net = lenet(seed=0)
        net.params = params
        return net.forward(x)

    return forward


def _lenet_backward(lenet):
    def backward(params, x, dlogits):
        net = lenet(seed=0)
        net.params = params
        net.forward(x)
        return net.backward(dlogits)

    return backward


_LENET_CALLS = {"LeNet.init": _lenet_init, "LeNet.forward": _lenet_forward, "LeNet.backward": _lenet_backward}


def _forbidden(names, seconds):
    name = names[0] if names else "a forbidden module"
    return {
        "status": "forbidden_import",
        "seconds": seconds,
        "error_type": "ForbiddenImport",
        "error": _short(f"imported {name}, which is not allowed in this course's exercises"),
    }


def _bad_output(error, seconds):
    return {
        "status": "bad_output",
        "seconds": seconds,
        "error_type": "",
        "error": _short(f"returned {error}; the grader accepts {wire.ACCEPTED_VALUES}"),
    }


def _failure(error, submission_dir, seconds):
    status = "not_implemented" if isinstance(error, NotImplementedError) else "exception"
    where = student_location(error, submission_dir)
    try:
        message = error.msg if isinstance(error, SyntaxError) else str(error)  # str() adds its own "(file, line)"
    except BaseException:
        message = "(the exception's message could not be printed)"
    if isinstance(error, ModuleNotFoundError) and error.name and error.name.startswith(PACKAGE + "."):
        message = f"{error.name[len(PACKAGE) + 1:]}.py is missing from the submission"
    elif status == "not_implemented" and not message:
        message = "not implemented yet"
    text = f"{message} ({where})" if where else message
    return {"status": status, "seconds": seconds, "error_type": _type_name(error), "error": _short(text)}


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
