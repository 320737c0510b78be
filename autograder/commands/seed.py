"""Which seed `convlab grade` uses, and why it refuses to guess.

1. --seed S: used as given (the public seed counts as public, any other as hidden);
2. else the environment variable named by grading.toml's [grader] seed_env: the hidden seed;
3. else no seed at all: refuse. Grading with the public seed by accident would give
   students points for cases they could rehearse; an instructor who wants that says
   so with --seed, and students use `convlab check`.
An environment variable that holds the public seed is refused for the same reason.
"""
from __future__ import annotations

from collections.abc import Mapping

from .common import CommandError

SEED_MAX = 2**63 - 1


def parse_seed(text: str, source: str) -> int:
    """A seed as an int in [0, 2**63 - 1], or a CommandError naming where the bad value came from."""
    try:
        seed = int(str(text).strip(), 10)
    except ValueError:
        seed = -1
    if not 0 <= seed <= SEED_MAX:
        raise CommandError(f"{source} must be a whole number from 0 to 2**63 - 1, got {text!r}")
    return seed


def resolve_seed(seed_arg: str | None, *, public_seed: int, seed_env: str, environ: Mapping[str, str]) -> tuple[int, str]:
    """(seed, seed_kind) for `convlab grade`; seed_kind is "public" or "hidden"."""
    if seed_arg is not None:
        seed = parse_seed(seed_arg, "--seed")
        return seed, "public" if seed == public_seed else "hidden"
    value = environ.get(seed_env, "").strip()
    if not value:
        raise CommandError(
            f"no hidden seed: the environment variable {seed_env} (grading.toml [grader] seed_env) is not set. "
            f"Set it to the course's secret seed, or pass --seed. "
            f"To grade with the public seed as students do, run `convlab check FOLDER`."
        )
    seed = parse_seed(value, seed_env)
    if seed == public_seed:
        raise CommandError(
            f"{seed_env} holds the public seed {public_seed}: students have rehearsed those cases. "
            f"Set {seed_env} to the course's secret seed, or pass --seed {public_seed} to grade with it on purpose."
        )
    return seed, "hidden"


def case_seed(config, seed: int, seed_kind: str, student: str | None) -> int:
    """The seed a submission's hidden cases come from.

    grading.toml [grader] hidden_cases = "per_course" (the default): the course's seed.
    "per_student": a seed of the student's own, an HMAC of the course's seed and their id,
    so that publishing one student's hidden-case details (shapes, strides, paddings) tells
    nothing about anyone else's. The points of every check stay the same, so scoreboards
    and exports compare students as before; the oracle's answers are computed per student.
    """
    if seed_kind != "hidden" or config.grader.hidden_cases != "per_student":
        return seed
    if not student:
        raise CommandError('grading.toml [grader] hidden_cases = "per_student": name the student (--student ID)')
    return student_seed(seed, student)


def student_seed(seed: int, student: str) -> int:
    """An HMAC-SHA256 of the student's id keyed by the course's seed, cut to a 63-bit seed."""
    import hashlib
    import hmac

    digest = hmac.new(str(int(seed)).encode(), str(student).encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1
