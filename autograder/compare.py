"""Judging a returned value against the expected one, and naming the known mistake it matches.

Order of the checks, each stopping at the first problem of a part of the result:
1. type: exactly np.ndarray where an array is expected (lists, matrices and other
   subclasses are refused); a tuple/list of the right length where a tuple is
   expected; a dict with exactly the expected keys; an int (numpy integers too,
   never bool or float) where a size is expected; a real number for a loss.
2. shape.
3. dtype kind: floating point where floats are expected. Integers are refused: every
   input the grader sends is float64, so an integer result means values were cast
   or truncated somewhere, and "returned int64" says that better than a tolerance
   failure. bool, complex and object arrays are refused too.
4. finite values, wherever the expected values are finite.
5. tolerance, per element:  |got - expected| <= atol * scale + rtol * |expected|,
   with scale = the largest |expected| of that array (1 if it is all zeros). atol is
   thus relative to the array's magnitude: the same rule holds for pixel values in the
   hundreds and for LeNet gradients around 1e-3. grading.toml explains the numbers.

The student's arguments are also checked: a function must not change them in place.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

FLOAT_KIND = "f"
# Where expected values are all zero, atol applies as an absolute bound.
ZERO_SCALE = 1.0


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float  # relative to the largest |expected| of the array


@dataclass(frozen=True)
class ShapeOnly:
    """A known mistake's answer known by its shape alone: what fills it depends on how the code
    was written (a loop that runs one window too far), the shape does not."""

    shape: tuple


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a result: a [compare] catalog key, its parameters, and the part concerned."""

    key: str
    params: dict = field(default_factory=dict)
    leaf: str = ""


# Integers with more digits than this are described, not printed (10**400 is a valid int).
INT_DIGITS_SHOWN = 20


def fmt(value: Any) -> str:
    """A number as messages print it: 6 significant digits; a huge int by its number of digits."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        digits = len(str(abs(int(value))))
        return str(value) if digits <= INT_DIGITS_SHOWN else f"an int of {digits} digits"
    return str(value)


def type_name(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"ndarray {tuple(value.shape)} {value.dtype}"
    return type(value).__name__


def _index(flat: int, shape: tuple[int, ...]) -> str:
    return str(tuple(int(i) for i in np.unravel_index(flat, shape))) if shape else "()"


def leaf_names_of(value: Any, names: Sequence[str] = ()) -> list[str]:
    """The parts of a (expected) result: tuple elements by name, dict keys, or "" for a single value."""
    if isinstance(value, (tuple, list)):
        return [names[i] if i < len(names) else f"[{i}]" for i in range(len(value))]
    if isinstance(value, dict):
        return list(value)
    return [""]


def leaf_value(value: Any, leaf: str, names: Sequence[str] = ()) -> Any:
    """The part `leaf` of a value shaped like the expected one, or None when it has no such part."""
    if leaf == "":
        return value
    if isinstance(value, dict):
        return value.get(leaf)
    if isinstance(value, (tuple, list)):
        position = list(names).index(leaf) if leaf in names else int(leaf.strip("[]"))
        return value[position] if position < len(value) else None
    return None


def compare(got: Any, expected: Any, tol: Tolerance, *, leaf_names: Sequence[str] = (), hidden: bool = True) -> list[Problem]:
    """Every problem of `got` against `expected` (empty: it passes)."""
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)):
            return [Problem("compare.not_tuple", {"n": len(expected), "got": type_name(got)})]
        if len(got) != len(expected):
            return [Problem("compare.length", {"expected": len(expected), "got": len(got)})]
        problems = []
        for leaf, g, e in zip(leaf_names_of(expected, leaf_names), got, expected):
            problems += [_with_leaf(p, leaf) for p in compare(g, e, tol, hidden=hidden)]
        return problems
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [Problem("compare.not_dict", {"got": type_name(got)})]
        missing = [k for k in expected if k not in got]
        extra = [str(k) for k in got if k not in expected]
        problems = [Problem("compare.missing_keys", {"keys": ", ".join(missing)})] if missing else []
        if extra:
            problems.append(Problem("compare.extra_keys", {"keys": ", ".join(extra)}))
        for key in expected:
            if key in got:
                problems += [_with_leaf(p, key) for p in compare(got[key], expected[key], tol, hidden=hidden)]
        return problems
    if isinstance(expected, np.ndarray):
        return _compare_array(got, expected, tol, hidden)
    if isinstance(expected, (int, np.integer)) and not isinstance(expected, (bool, np.bool_)):
        return _compare_int(got, int(expected), hidden)
    return _compare_real(got, float(expected), tol, hidden)


def _with_leaf(problem: Problem, leaf: str) -> Problem:
    # Results nest one level (a tuple or dict of arrays); deeper parts keep the outer name.
    return Problem(problem.key, problem.params, leaf)


def _bounds(expected: np.ndarray, tol: Tolerance) -> np.ndarray:
    finite = np.abs(expected[np.isfinite(expected)])
    scale = float(finite.max()) if finite.size and finite.max() > 0 else ZERO_SCALE
    return tol.atol * scale + tol.rtol * np.abs(expected)


def _scalar_bound(expected: float, tol: Tolerance) -> float:
    # A single number is its own largest value: atol and rtol both scale with it.
    return (tol.atol + tol.rtol) * (abs(expected) or ZERO_SCALE)


def _compare_array(got: Any, expected: np.ndarray, tol: Tolerance, hidden: bool) -> list[Problem]:
    if type(got) is not np.ndarray:
        return [Problem("compare.not_array", {"got": type_name(got)})]
    if got.shape != expected.shape:
        return [Problem("compare.shape", {"expected": tuple(expected.shape), "got": tuple(got.shape)})]
    if got.dtype.kind != FLOAT_KIND:
        return [Problem("compare.dtype", {"got": str(got.dtype)})]
    finite = np.isfinite(expected)
    broken = finite & ~np.isfinite(got)
    if broken.any():
        first = int(np.flatnonzero(broken)[0])
        return [
            Problem(
                "compare.not_finite",
                {"count": int(broken.sum()), "size": got.size, "index": _index(first, got.shape), "got": fmt(got.flat[first])},
            )
        ]
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.abs(got.astype(np.float64) - expected)
    error[~finite] = 0.0
    wrong = error > _bounds(expected, tol)
    if not wrong.any():
        return []
    worst = int(np.argmax(error))
    params = {"count": int(wrong.sum()), "size": got.size, "index": _index(worst, got.shape)}
    if hidden:
        return [Problem("compare.values_hidden", params)]
    return [Problem("compare.values", {**params, "expected": fmt(expected.flat[worst]), "got": fmt(got.flat[worst])})]


def _is_integer(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _as_integer(got: Any) -> int | None:
    if isinstance(got, bool) or isinstance(got, np.bool_):
        return None
    if isinstance(got, numbers.Integral):
        return int(got)
    if type(got) is np.ndarray and got.ndim == 0 and got.dtype.kind in "iu":
        return int(got)
    return None


def _compare_int(got: Any, expected: int, hidden: bool) -> list[Problem]:
    value = _as_integer(got)
    if value is None:
        shown = fmt(got) if _is_number(got) else ""
        if isinstance(got, (float, np.floating)) and np.isfinite(got) and float(got).is_integer():
            shown = f"{float(got):.1f}"  # 4.0, not 4: the point is that it is a float
        return [Problem("compare.not_int", {"got": f"{type_name(got)} {shown}".strip()})]
    if value == expected:
        return []
    if hidden:
        return [Problem("compare.int_hidden", {})]
    return [Problem("compare.int", {"expected": expected, "got": fmt(value)})]


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _as_real(got: Any) -> float | None:
    """got as a float (a Python int beyond float's range becomes +-inf), or None when it is no number."""
    if type(got) is np.ndarray and got.ndim == 0 and got.dtype.kind in "fiu":
        got = got[()]
    if not _is_number(got):
        return None
    try:
        return float(got)
    except OverflowError:
        return float("inf") if got > 0 else float("-inf")


def _compare_real(got: Any, expected: float, tol: Tolerance, hidden: bool) -> list[Problem]:
    value = _as_real(got)
    if value is None:
        return [Problem("compare.not_real", {"got": type_name(got)})]
    if np.isfinite(expected) and not np.isfinite(value):
        return [Problem("compare.real_not_finite", {"got": fmt(value)})]
    if abs(value - expected) <= _scalar_bound(expected, tol):
        return []
    if hidden:
        return [Problem("compare.real_hidden", {})]
    return [Problem("compare.real", {"expected": fmt(expected), "got": fmt(value)})]


def error_ratio(got: Any, expected: Any, tol: Tolerance) -> float:
    """The largest |got - expected| / allowed error over every number (<= 1: within tolerance).

    For measuring margins: how far inside the tolerance a float32 result lands, and how
    far outside it a known mistake lands. A shape or structure mismatch counts as inf.
    """
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return float("inf")
        return max((error_ratio(g, e, tol) for g, e in zip(got, expected)), default=0.0)
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return float("inf")
        return max((error_ratio(got[k], expected[k], tol) for k in expected), default=0.0)
    if _is_integer(expected):
        # Sizes and counts are exact, as compare() judges them: any other number is a mistake.
        return 0.0 if _as_real(got) == int(expected) else float("inf")
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return float("inf")
    e = np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape:
        return float("inf")
    if e.size == 0:
        return 0.0
    if not np.isfinite(g[np.isfinite(e)]).all():
        return float("inf")
    bound = _bounds(e, tol) if e.ndim else _scalar_bound(float(e), tol)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        difference = np.where(np.isfinite(e), np.abs(g - e), 0.0)
        ratio = np.where(bound > 0, difference / np.where(bound > 0, bound, 1.0), np.where(difference > 0, np.inf, 0.0))
    return float(np.max(ratio))


def close(got: Any, candidate: Any, tol: Tolerance) -> bool:
    """Whether got equals a known mistake's output: same numbers, same non-finite places.

    Looser than compare() on types (a float 2.5 matches a mistake's 2.5 whatever its
    container) because the question is only "is this that mistake's answer?".
    """
    if isinstance(candidate, ShapeOnly):
        return type(got) is np.ndarray and tuple(got.shape) == tuple(candidate.shape)
    if candidate is None or not isinstance(candidate, (np.ndarray, numbers.Number, tuple, list, dict)):
        return False
    if isinstance(candidate, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(candidate) and all(
            close(g, c, tol) for g, c in zip(got, candidate)
        )
    if isinstance(candidate, dict):
        return isinstance(got, dict) and set(got) == set(candidate) and all(close(got[k], candidate[k], tol) for k in candidate)
    if isinstance(got, (dict, tuple, list, str)) or got is None:
        return False
    if _is_scalar(got) and _is_scalar(candidate) and _is_integral(got) != _is_integral(candidate):
        return False  # 2.0 where the answer is the int 2 is a different answer
    if _is_integer(candidate):
        # Sizes and counts are exact: a parameter count one off is not "close" to a mistake's.
        return _as_integer(got) == int(candidate)
    try:
        g = np.asarray(got, dtype=np.float64)
        c = np.asarray(candidate, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return False
    if g.shape != c.shape:
        return False
    finite = np.isfinite(c)
    if not np.array_equal(finite, np.isfinite(g)):
        return False
    return error_ratio(np.where(finite, g, 0.0), np.where(finite, c, 0.0), tol) <= 1.0


def _is_scalar(value: Any) -> bool:
    return isinstance(value, numbers.Number) or (type(value) is np.ndarray and value.ndim == 0)


def _is_integral(value: Any) -> bool:
    if type(value) is np.ndarray:
        return value.dtype.kind in "iu"
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def diagnose(
    got: Any,
    expected: Any,
    failing: Sequence[str],
    candidates: Sequence[tuple[Any, Any]],
    tol: Tolerance,
    leaf_names: Sequence[str] = (),
) -> list[tuple[str, Any]]:
    """Which known mistakes explain the failing parts: [(part, mistake id)], best first.

    candidates: (mistake, that mistake's output for this case), most specific first; the
        result names the mistakes as given (ids or Mistake objects).
    First choice: a mistake whose whole output matches (a single bug); then one whose
    output matches every failing part; otherwise each failing part is explained on its
    own (several bugs in one function).
    A mistake only explains a part where its own answer differs from the correct one.
    """
    failing = list(dict.fromkeys(failing))

    def explains(candidate: Any, leaf: str) -> bool:
        mine = leaf_value(candidate, leaf, leaf_names)
        return close(leaf_value(got, leaf, leaf_names), mine, tol) and not close(
            leaf_value(expected, leaf, leaf_names), mine, tol
        )

    # Best: the whole answer is that mistake's; next: its failing parts are.
    for whole in (True, False):
        for mistake, output in candidates:
            if output is None or (whole and not close(got, output, tol)):
                continue
            if all(explains(output, leaf) for leaf in failing):
                return [("", mistake)]
    found = []
    for leaf in failing:
        for mistake, output in candidates:
            if output is not None and explains(output, leaf):
                found.append((leaf, mistake))
                break
    return found


def changed_arguments(before: Sequence[tuple[str, Any]], after: Sequence[Any]) -> list[str]:
    """Names of the arguments a call modified in place (arrays, and lists and dicts holding them or other values)."""
    return [name for (name, old), new in zip(before, after) if not _same(old, new)]


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, dict):
        return isinstance(new, dict) and set(old) == set(new) and all(_same(old[k], new[k]) for k in old)
    if isinstance(old, (list, tuple)):
        # A network's list of layer dicts: an added default or a replaced entry is a change too.
        return isinstance(new, (list, tuple)) and len(old) == len(new) and all(_same(o, n) for o, n in zip(old, new))
    if isinstance(old, np.ndarray):
        return (
            isinstance(new, np.ndarray)
            and new.shape == old.shape
            and new.dtype == old.dtype
            and np.array_equal(old, new, equal_nan=True)
        )
    if isinstance(old, (str, numbers.Number)):
        # Immutable themselves, but an entry of a list or dict can be replaced by another value.
        return type(new) is type(old) and (old == new or (old != old and new != new))
    return True
