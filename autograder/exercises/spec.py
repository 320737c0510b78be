"""How an exercise is declared: its checks, their cases, and the mistakes it can name.

Points and tolerances are not here: grading.toml gives them, under the same ids.
Student-facing titles and messages are not here either: the catalog (messages/)
holds them under exercise.<id>, check.<exercise>.<check> and mistake.<id>.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np


@dataclass(frozen=True)
class Mistake:
    """A known misconception, as the wrong answer it produces.

    outputs: target -> function with the target's signature returning that wrong
        answer (written with torch or plain arithmetic, never with the solutions).
        It may raise when the mistake cannot apply to a case (e.g. a transpose of a
        non-square kernel); the case is then simply not matched against it.
    message: the catalog key under [mistake] (default: the id), with `params` for its
        placeholders, so several ids can share one sentence.
    applies: where the mistake can happen at all, as a test of the case's arguments
        (overlapping windows cannot overwrite where windows do not overlap); a mistake
        that does not apply is never named, even where its answer matches.
    """

    id: str
    outputs: Mapping[str, Callable[..., Any]]
    message: str = ""
    params: Mapping[str, str] = field(default_factory=dict)
    applies: Callable[..., bool] | None = None

    @property
    def message_key(self) -> str:
        return f"mistake.{self.message or self.id}"


@dataclass(frozen=True)
class Check:
    """One graded aspect of an exercise: a case generator and how its cases are judged.

    cases(rng) -> the check's cases (cases.Case, or gradcheck.GradCase when gradcheck).
    target: the sandbox target the cases call (compare checks).
    oracle: the expected value's function (default: oracle.ORACLES[target]).
    leaves: names of the parts of a tuple result, for messages ("delta_out", "dw", "db").
    """

    id: str
    cases: Callable[[np.random.Generator], Sequence[Any]]
    target: str = ""
    oracle: Callable[..., Any] | None = None
    leaves: tuple[str, ...] = ()
    gradcheck: bool = False

    def target_of(self, case) -> str:
        """The target a case calls: its own, else the check's."""
        return getattr(case, "target", None) or self.target

    def expected(self, case) -> Any:
        """The oracle's value for a case (None for a case that must raise)."""
        if case.expect_error:
            return None
        from .. import oracle

        function = oracle.ORACLES[case.target] if getattr(case, "target", None) else self.oracle or oracle.ORACLES[self.target]
        value = function(*case.args, **case.kwargs)
        return value[case.pick] if case.pick is not None else value


@dataclass(frozen=True)
class Exercise:
    """One exercise: the API names it grades, its checks, and its known mistakes (most specific first)."""

    id: str
    api: tuple[str, ...]
    checks: tuple[Check, ...]
    mistakes: tuple[Mistake, ...] = ()

    @property
    def check_ids(self) -> tuple[str, ...]:
        return tuple(check.id for check in self.checks)

    def mistakes_for(self, target: str) -> list[Mistake]:
        return [m for m in self.mistakes if target in m.outputs]


class Raises(Exception):
    """Raised by a mistake's function when that mistake's behaviour is to raise `error_type`.

    Any other exception from a mistake's function means "this mistake cannot apply to
    this case"; Raises means "a student with this mistake gets this exception here"
    (e.g. a size function that refuses numpy integers raises ValueError for np.int64(5)).
    pattern: a regular expression the student's exception message must match too, where
    the type alone says too little (a TypeError about a float where an int was needed).
    """

    def __init__(self, error_type: str, pattern: str = ""):
        super().__init__(error_type)
        self.error_type = error_type
        self.pattern = pattern


@dataclass(frozen=True)
class Raised:
    """A mistake's answer that is an exception (a built-in class name, and a pattern of its message)."""

    error_type: str
    pattern: str = ""

    def matches(self, outcome) -> bool:
        """Whether a call's outcome raised this (the class or a subclass; the message, if a pattern is set)."""
        import re

        return outcome.raised(self.error_type) and (not self.pattern or re.search(self.pattern, outcome.error) is not None)
