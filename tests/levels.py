"""The isolation levels this machine can give, for tests that must hold at every one of them."""
from __future__ import annotations

import functools

import pytest

from autograder.sandbox.isolation import LEVELS, IsolationUnavailable, settings


@functools.lru_cache(maxsize=1)
def available_levels() -> tuple[str, ...]:
    """The levels a session can be forced to here (root: all three; a user: userns and minimal, or fewer)."""
    found = []
    for level in LEVELS:
        try:
            settings(level)
        except IsolationUnavailable:
            continue
        found.append(level)
    return tuple(found)


def level_params() -> list:
    """pytest parameters, one per level this machine gives (with the weakest, minimal, always tried)."""
    return [pytest.param(level, id=level) for level in available_levels()]
