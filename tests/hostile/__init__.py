"""Hostile submissions for tests/test_hostile.py: one attack on the sandbox each (attacks.py),
the helpers that plant them (plant.py), and what a session may leave behind (traces.py)."""
from .attacks import ATTACKS, CANARY_MARKER, Attack

__all__ = ["ATTACKS", "CANARY_MARKER", "Attack"]
