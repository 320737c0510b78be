"""A child's response, checked and turned into a CallOutcome: nothing in it is trusted.

The same reading serves the sandbox (the response crossed a pipe) and the visible tests
(autograder/inprocess.py encodes and decodes in one process), so both see the same value,
the same refusals and the same text.
"""
from __future__ import annotations

from ..safe_text import clean
from .child import wire
from .outcome import CHILD_STATUSES, CallOutcome

MAX_ERROR_CHARS = 2_000
MAX_NAME_CHARS = 100
MAX_BASES = 16
MAX_WHERE_CHARS = 200


def outcome_from_response(header: dict, blobs: list[bytes], elapsed: float) -> CallOutcome:
    status = header.get("status")
    if status not in CHILD_STATUSES:
        return CallOutcome("bad_output", error="sent a response with an unknown status", seconds=elapsed)
    seconds = header.get("seconds")
    seconds = min(seconds, elapsed) if type(seconds) is float and 0 <= seconds else elapsed
    if status == "ok":
        try:
            value = wire.decode_value(header.get("value"), blobs)
        except wire.WireError as error:
            return CallOutcome("bad_output", error=str(error), seconds=seconds)
        return CallOutcome("ok", value=value, seconds=seconds)
    error = header.get("error", "")
    error = clean(error[:MAX_ERROR_CHARS]) if type(error) is str else ""
    bases = header.get("error_bases")
    bases = [b for b in bases[:MAX_BASES] if _name(b)] if type(bases) is list else []
    where = header.get("where")
    where = clean(where[:MAX_WHERE_CHARS]) if type(where) is str else ""
    module = header.get("module")
    return CallOutcome(
        status,
        error_type=_name(header.get("error_type")) if status != "bad_output" else "",
        error=error,
        seconds=seconds,
        error_bases=bases,
        where=where,
        module=module if _name(module) else "",
    )


def _name(value) -> str:
    return value if type(value) is str and value.isidentifier() and len(value) <= MAX_NAME_CHARS else ""
