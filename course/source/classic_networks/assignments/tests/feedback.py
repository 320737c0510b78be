"""Checks that explain themselves: expected vs got, where they differ most, and the likely mistake.

Every check raises StudentFeedback, whose message conftest.py prints without a traceback.
A known mistake is given as (explanation, wrong_answer): wrong_answer is what that mistake
would return, computed independently in the test; when the student's result matches it, the
message names the mistake.
"""
import numbers

import numpy as np

# float64 arithmetic in a different order differs by ~1e-15 relative; anything above this is a bug.
RTOL = 1e-7
ATOL = 1e-9
SMALL_ARRAY = 36  # arrays up to this many entries, and at most SMALL_SIDE along any axis, are printed in full
SMALL_SIDE = 8


class StudentFeedback(AssertionError):
    """A failed check; its message is written for the student."""


def fail(message):
    raise StudentFeedback(message)


def describe_call(name, *args, **kwargs):
    """`conv2d_forward(x (1, 1, 5, 5), w (1, 1, 3, 3), stride=2)`: keyword arrays by name and shape."""
    parts = [repr(value) for value in args]
    for key, value in kwargs.items():
        parts.append(f"{key} {value.shape}" if isinstance(value, np.ndarray) else f"{key}={value!r}")
    return f"{name}({', '.join(parts)})"


def show(array):
    return np.array2string(np.asarray(array), precision=6, suppress_small=True, separator=", ", max_line_width=100)


def _matches(got, wrong, rtol, atol):
    wrong = np.asarray(wrong)
    return (
        got.shape == wrong.shape
        and np.issubdtype(got.dtype, np.number)
        and np.allclose(got, wrong, rtol=rtol, atol=atol)
    )


def _diagnosis(got, mistakes, hint, rtol, atol):
    # Computing the wrong answers costs time: only a failing check asks for them.
    for explanation, wrong in (mistakes() if callable(mistakes) else mistakes):
        if got is not None and _matches(got, wrong, rtol, atol):
            return f"Likely misconception: {explanation}"
    return f"Hint: {hint}" if hint else None


def _paragraph(*lines):
    return "\n".join(line for line in lines if line)


def check_array(what, got, expected, *, mistakes=(), hint=None, rtol=RTOL, atol=ATOL):
    """Fail unless `got` equals `expected` (shape, dtype, finite values, then values within tolerance).

    what: the call that produced `got`, e.g. describe_call("conv2d_forward", x=x, w=w, stride=2).
    mistakes: [(explanation, wrong_answer), ...], or a function returning that list: a mistake
        is named when `got` matches its wrong_answer.
    hint: the most likely cause, stated when no mistake matches.
    """
    expected = np.asarray(expected)
    if not isinstance(got, np.ndarray):
        fail(_paragraph(
            f"{what}: expected a numpy array of shape {expected.shape}, got {type(got).__name__}"
            + (f" {show(got)}" if isinstance(got, (list, tuple, numbers.Number)) else "") + ".",
            "Return an np.ndarray (np.asarray(...) if you built a list)." if got is not None else
            "Did you forget the return statement?",
        ))
    if got.shape != expected.shape:
        fail(_paragraph(
            f"{what}: wrong shape: expected {expected.shape}, got {got.shape}.",
            _diagnosis(got, mistakes, hint, rtol, atol),
        ))
    if got.dtype != expected.dtype:
        fail(_paragraph(
            f"{what}: wrong dtype: expected {expected.dtype}, got {got.dtype}.",
            "Integer arrays truncate and float32 loses precision: compute in float64"
            " (np.zeros(shape) is float64; np.zeros_like(x) copies x's dtype).",
        ))
    finite = np.isfinite(got)
    if not finite.all() and np.isfinite(expected).all():
        index = tuple(int(i) for i in np.argwhere(~finite)[0])
        fail(_paragraph(
            f"{what}: {np.count_nonzero(~finite)} non-finite value(s), the first {got[index]} at index {index}"
            f" (expected {expected[index]:.6g}).",
            _diagnosis(got, mistakes, hint, rtol, atol),
        ))
    close = np.isclose(got, expected, rtol=rtol, atol=atol)
    if close.all():
        return
    error = np.abs(got.astype(np.float64) - expected)
    index = np.unravel_index(np.argmax(error), error.shape)
    index = tuple(int(i) for i in index)
    values = (
        f"expected\n{show(expected)}\ngot\n{show(got)}"
        if expected.size <= SMALL_ARRAY and max(expected.shape, default=1) <= SMALL_SIDE
        else None
    )
    fail(_paragraph(
        f"{what}: wrong values ({np.count_nonzero(~close)} of {expected.size} entries differ).",
        values,
        f"Largest difference at index {index}: expected {expected[index]:.6g}, got {got[index]:.6g}.",
        _diagnosis(got, mistakes, hint, rtol, atol),
    ))


def call_student(what, function, inputs, **options):
    """function(*inputs.values(), **options), then fail if it modified any input array in place.

    inputs: name -> argument, in the order of the function's positional parameters.
    """
    before = {name: np.array(value, copy=True) for name, value in inputs.items() if isinstance(value, np.ndarray)}
    result = function(*inputs.values(), **options)
    check_inputs_unchanged(what, before, inputs)
    return result


def check_inputs_unchanged(what, before, after):
    """Fail if any input array was modified in place. before/after: name -> array."""
    for name, original in before.items():
        now = after[name]
        if now.shape != original.shape or not np.array_equal(now, original, equal_nan=True):
            where = ""
            if now.shape == original.shape:
                index = tuple(int(i) for i in np.argwhere(now != original)[0])
                where = f" (index {index}: was {original[index]:.6g}, is now {now[index]:.6g})"
            fail(_paragraph(
                f"{what} modified its input {name} in place{where}.",
                "Work on a copy (np.pad, x.copy(), or a new output array): the caller still needs its arrays.",
            ))


def check_value_error(what, call, reason):
    """Fail unless call() raises ValueError. reason: why the arguments are invalid."""
    try:
        result = call()
    except ValueError as error:
        if not str(error).strip():
            fail(f"{what} raised ValueError without a message; say what is wrong ({reason}).")
        return
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 (any other exception is the student's mistake to report)
        fail(f"{what} raised {type(error).__name__}: {error}; it should raise ValueError ({reason}).")
    fail(f"{what} returned {result!r}; it should raise ValueError ({reason}).")


def check_integer(what, got, expected, *, hint=None):
    """Fail unless got is an integer (Python or numpy, not bool) equal to expected."""
    if isinstance(got, bool) or not isinstance(got, numbers.Integral):
        fail(_paragraph(
            f"{what}: expected the integer {expected}, got {got!r} of type {type(got).__name__}.",
            "Use integer division (//): / gives a float, and a size is a whole number."
            if isinstance(got, numbers.Real) and not isinstance(got, bool) else None,
        ))
    if got != expected:
        fail(_paragraph(f"{what}: expected {expected}, got {got}.", f"Hint: {hint}" if hint else None))


def check_scalar(what, got, expected, *, mistakes=(), hint=None, rtol=RTOL, atol=ATOL):
    """Fail unless got is a real number (a Python float or a 0-d array) close to expected."""
    if np.ndim(got) != 0 or not isinstance(np.asarray(got).item(), numbers.Real):
        fail(f"{what}: expected a single number, got {type(got).__name__} {got!r}.")
    got = float(np.asarray(got))
    if not np.isfinite(got) and np.isfinite(expected):
        fail(_paragraph(f"{what}: expected {expected:.10g}, got {got}.", hint and f"Hint: {hint}"))
    if not np.isclose(got, expected, rtol=rtol, atol=atol):
        diagnosis = None
        for explanation, wrong in (mistakes() if callable(mistakes) else mistakes):
            if np.isclose(got, wrong, rtol=rtol, atol=atol):
                diagnosis = f"Likely misconception: {explanation}"
                break
        else:
            diagnosis = f"Hint: {hint}" if hint else None
        fail(_paragraph(f"{what}: expected {expected:.10g}, got {got:.10g}.", diagnosis))
