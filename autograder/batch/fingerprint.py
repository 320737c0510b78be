"""The fingerprints that decide whether a stored result still holds.

A stored result is reused only when all four match what this run would grade with:
the submission's content, the seed, the grader's version and the grading policy.

The seed is secret, so only a slow, salted hash of it is ever written (scrypt): the
fingerprint can be compared, not read back. Like any hash of a secret, it protects
only as well as the secret is hard to guess: use a large random hidden seed
(`python -c "import secrets; print(secrets.randbits(63))"`), not 1234.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

# Fixed, so that shards graded on different machines give comparable fingerprints.
SEED_SALT = b"convlab/batch/seed-fingerprint/v1"
SCRYPT_COST = 2**14  # about 16 MiB and a few tens of milliseconds per guess
SCRYPT_BLOCK_SIZE = 8


def seed_fingerprint(seed: int) -> str:
    """A hex scrypt hash of the seed: equal seeds give equal fingerprints, and it does not reveal the seed."""
    digest = hashlib.scrypt(str(int(seed)).encode("ascii"), salt=SEED_SALT, n=SCRYPT_COST, r=SCRYPT_BLOCK_SIZE, p=1, dklen=32)
    return "scrypt:" + digest.hex()


def payload_fingerprint(files: dict[str, bytes], notes: tuple[str, ...] = (), refusal: str | None = None) -> str:
    """sha256 over what intake read from a submission: file names and contents, notes, refusal.

    Names are sorted and every field is length-prefixed, so no two different
    submissions can give the same byte stream.
    """
    digest = hashlib.sha256()

    def feed(data: bytes) -> None:
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)

    for name in sorted(files):
        feed(b"file")
        feed(name.encode("utf-8"))
        feed(files[name])
    for note in notes:
        feed(b"note")
        feed(note.encode("utf-8"))
    if refusal is not None:
        feed(b"refused")
        feed(refusal.encode("utf-8"))
    return "sha256:" + digest.hexdigest()


def file_fingerprint(path: Path) -> str:
    """sha256 of a file's bytes (the grading policy), or of nothing when there is no such file."""
    data = path.read_bytes() if path.is_file() else b""
    return "sha256:" + hashlib.sha256(data).hexdigest()


# Tables of grading.toml that never change a grading result: a new deadline, an extension,
# an overrides file, the scoreboard's title or the points of a notebook's written questions
# (graded by hand in nbgrader) must not make a rerun grade everything again.
NOT_GRADING_TABLES = ("late", "overrides", "scoreboard", "assignments")


def policy_fingerprint(path: Path) -> str:
    """sha256 of grading.toml's grading tables (all but NOT_GRADING_TABLES), key order ignored.

    Falls back to the file's bytes when it cannot be parsed (the grader then refuses it anyway).
    """
    try:
        import tomllib

        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return file_fingerprint(Path(path))
    grading = {key: value for key, value in data.items() if key not in NOT_GRADING_TABLES}
    text = json.dumps(grading, sort_keys=True, default=str, ensure_ascii=True)
    return "sha256:" + hashlib.sha256(text.encode("ascii")).hexdigest()


def grader_version() -> str:
    """The version this grader writes into every result (autograder.__version__)."""
    from .. import __version__

    return __version__
