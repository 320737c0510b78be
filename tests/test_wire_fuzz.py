"""Whatever a student's function returns or raises, the grader finishes and every report is valid.

A property test (Hypothesis) hands the grader's engine arbitrary answers: huge ints, NaN
and inf, nested containers, zero-size arrays, bytes, sets, arrays of every dtype, text
with lone surrogates, NUL, carriage returns and ANSI escapes, and exceptions of any class
with such messages. Each answer travels exactly as a child's does (the child's run_call,
the wire, the grader's reading of the response), is judged by the real engine on a real
check, and the result is rendered by every reporter. No exception may escape, and every
report must be strict UTF-8 JSON (or text) without control characters.
"""
from __future__ import annotations

import json
import re
import sys
import types

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.grade import grade_checks
from autograder.paths import API
from autograder.report.gradescope import gradescope_results
from autograder.report.summary import summary
from autograder.results import SubmissionResult
from autograder.sandbox.child import server
from autograder.sandbox.child.guard import ImportGuard
from autograder.sandbox.outcome import CallOutcome
from autograder.sandbox.replies import outcome_from_response
from autograder.sandbox.child import wire

PACKAGE = "convlab_fuzzed_submission"
# One check of each shape of answer: an int, a float array, a tuple, a dict picked by key,
# a dict of gradients, a (loss, gradient) pair, and a case that must raise.
CHECKS = [
    ("conv_output_size", "hidden"),
    ("conv_output_size", "validation"),
    ("pad2d", "example"),
    ("conv2d_backward", "lecture"),
    ("classic_kernels", "kernels"),
    ("softmax_cross_entropy", "example"),
    ("lenet", "backward"),
    ("relu", "gradcheck"),
]
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
HOSTILE_TEXT = st.text(alphabet=st.characters(codec=None, categories=None), max_size=60) | st.sampled_from(
    ["\ud800", "\x00\r\x1b[31mred\x1b[0m\x1b]0;title\x07", "\u202eevil", "a" * 5000, "é中文"])


class _Answer:
    value = None
    error: BaseException | None = None


def _answering(*args, **kwargs):
    if _Answer.error is not None:
        raise _Answer.error
    return _Answer.value


class _FuzzedLeNet:
    def __init__(self, seed=0):
        self.params = {}

    def forward(self, x):
        return _answering()

    def backward(self, dlogits):
        return _answering()


def _install_package():
    package = types.ModuleType(PACKAGE)
    package.__path__ = []
    sys.modules[PACKAGE] = package
    for module in set(API.values()):
        sub = types.ModuleType(f"{PACKAGE}.{module}")
        for name, home in API.items():
            if home == module:
                setattr(sub, name, _FuzzedLeNet if name == "LeNet" else _answering)
        sys.modules[sub.__name__] = sub
    guard = ImportGuard(("numpy",), PACKAGE, sorted(set(API.values())))  # not installed: nothing imports here
    return server.Student(dict(API), guard, "/nonexistent", PACKAGE)


STUDENT = _install_package()


class FuzzedCaller:
    """A caller whose every call answers with _Answer, through the child's run_call and the wire."""

    isolation: dict = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def load(self, modules):
        return CallOutcome("ok")

    def call(self, target, *args, **kwargs):
        return self._call(target, args, kwargs, False)

    def call_with_inputs(self, target, *args, **kwargs):
        return self._call(target, args, kwargs, True)

    def _call(self, target, args, kwargs, with_inputs):
        _, frame = server.run_call(target, args, kwargs, STUDENT, with_inputs=with_inputs)
        header, blobs = wire.read_frame(_reader(frame), len(frame))
        return outcome_from_response(header, blobs, 0.01)


def _reader(data: bytes):
    position = [0]

    def read(size):
        chunk = data[position[0]:position[0] + size]
        position[0] += size
        return chunk

    return read


def _arrays():
    dtypes = st.sampled_from(["float64", "float32", "float16", "int64", "uint8", "bool", "complex128", "object",
                              "datetime64[s]", "<U3", "V4"])
    shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)

    def build(dtype, shape, fill):
        array = np.zeros(shape, dtype=dtype)
        if array.size and dtype.startswith(("float", "complex")):
            array.flat[0] = fill
        return array

    return st.builds(build, dtypes, shapes, st.floats(allow_nan=True, allow_infinity=True))


LEAVES = (
    st.none() | st.booleans() | st.integers(min_value=-(10**1100), max_value=10**1100)
    | st.floats(allow_nan=True, allow_infinity=True) | HOSTILE_TEXT | st.binary(max_size=8)
    | _arrays() | st.builds(np.float32, st.floats(width=32)) | st.builds(np.int64, st.integers(-(2**63), 2**63 - 1))
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner) | st.tuples(inner, inner, inner)
    | st.dictionaries(HOSTILE_TEXT | st.sampled_from(["fc3.bias", "blur", "x"]) | st.integers(0, 3), inner, max_size=4)
    | st.frozensets(st.integers(0, 3), max_size=2),
    max_leaves=12,
)
ERRORS = st.builds(
    lambda kind, message: type(kind, (ValueError if kind.endswith("Error") else Exception,), {})(message),
    st.sampled_from(["ValueError", "InvalidSize", "Size\u202eError", "x" * 300]), HOSTILE_TEXT,
)


def _clean_everywhere(document) -> None:
    """No control character, escape or lone surrogate anywhere in a report; strict UTF-8 JSON."""
    text = json.dumps(document, ensure_ascii=False, allow_nan=False)
    text.encode("utf-8")  # raises on a lone surrogate
    assert not CONTROL.search(text.replace("\\n", "").replace("\\t", "")), text[:500]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(check=st.sampled_from(CHECKS), value=VALUES, error=st.none() | ERRORS, lang=st.sampled_from(["en", "zh"]))
def test_any_answer_is_judged_and_reported_without_crashing(check, value, error, lang):
    _Answer.value, _Answer.error = value, error
    exercise = grade_checks(check[0], [check[1]], FuzzedCaller, seed=7, lang=lang)
    result = SubmissionResult(submission="fuzzed\x1b[2J", seed=7, seed_kind="hidden", exercises=[exercise])
    _clean_everywhere(gradescope_results(result, lang))
    _clean_everywhere(summary(result))
    _clean_everywhere(result.to_dict())
    assert result.points <= result.points_possible


def test_the_fuzzed_caller_really_reaches_the_engine():
    _Answer.value, _Answer.error = 10**400, None
    exercise = grade_checks("conv_output_size", ["hidden"], FuzzedCaller, seed=7)
    messages = [case.message for case in exercise.checks[0].cases]
    assert all(message.startswith("the size returned is not the right one") for message in messages)
    _Answer.value, _Answer.error = None, ValueError("\ud800\x00\r\x1b[31mred")
    exercise = grade_checks("pad2d", ["example"], FuzzedCaller, seed=7)
    assert exercise.checks[0].cases[0].message == "raised ValueError: \ufffdred."
