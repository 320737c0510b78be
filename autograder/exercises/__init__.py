"""Every exercise, declared once: the registry the engine and grading.toml refer to by id.

Each module of this package declares one family of exercises as data (EXERCISES);
FAMILIES lists those modules in the course's order. Adding an exercise means adding
it to its family's EXERCISES (or a new module to FAMILIES), giving it points in
grading.toml, and naming it and its checks and mistakes in messages/en.toml and zh.toml.
"""
from __future__ import annotations

import importlib

from .spec import Check, Exercise, Mistake

FAMILIES = (
    "warmup", "sizes", "conv_forward", "kernels", "conv_backward", "pooling", "layers", "lenet",
    # Part 6: the classic networks.
    "networks", "blocks",
)


def _collect() -> dict[str, Exercise]:
    registry: dict[str, Exercise] = {}
    for family in FAMILIES:
        for exercise in importlib.import_module(f"{__name__}.{family}").EXERCISES:
            if exercise.id in registry:
                raise ValueError(f"exercise id {exercise.id!r} is declared twice")
            registry[exercise.id] = exercise
    return registry


REGISTRY: dict[str, Exercise] = _collect()


def get(exercise_id: str) -> Exercise:
    """The exercise declared under this id (KeyError when there is none)."""
    return REGISTRY[exercise_id]


__all__ = ["Check", "Exercise", "Mistake", "REGISTRY", "FAMILIES", "get"]
