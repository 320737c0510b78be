"""The RESULTS folder: what a batch writes, and how a rerun knows what it can keep.

    RESULTS/batch.json                  what the finished run covered: fingerprints, shard, submission keys
    RESULTS/grades.csv                  one row per submission of the run
    RESULTS/skipped.csv                 the entries that are not submissions, and why
    RESULTS/submissions/<key>/results.json   Gradescope's results.json
    RESULTS/submissions/<key>/summary.json   the scoreboard summary (no messages, no hidden seed)
    RESULTS/submissions/<key>/record.json    the batch's own record: fingerprints, points, notes, failures
    RESULTS/submissions/<key>/code/*.py      the student modules graded (for `convlab similarity`)
    RESULTS/submissions/<key>/grade.json     the final grade: late penalty, overrides (finalize.py)

Every file is replaced atomically (report.atomic), and record.json is written last:
a record that matches the run therefore always stands next to complete result files,
and a batch killed at any moment leaves at worst temporary files, which the next run
removes (`sweep_temporary_files`).

Each record is signed (RecordSigner): an HMAC keyed by the course's secret seed over the
record and the bytes of every file beside it. Student code never sees the seed, so a
record or result file written by anyone but the grader fails verification, and is graded
again (a batch) or left out (the scoreboard, the exports) instead of being trusted.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..report.atomic import write_bytes_atomic, write_json_atomic

RECORD_FORMAT = "convlab-batch-record/1"
MANIFEST_FORMAT = "convlab-batch/1"
SUBMISSIONS_FOLDER = "submissions"
MANIFEST_FILE = "batch.json"
CSV_FILE = "grades.csv"
SKIPPED_FILE = "skipped.csv"
RECORD_FILE = "record.json"
RESULTS_FILE = "results.json"
SUMMARY_FILE = "summary.json"
CODE_FOLDER = "code"
GRADE_FILE = "grade.json"  # the final grade (late policy, overrides): batch/finalize.py
# report.atomic names its temporary files ".<name>.<random>.tmp" next to the destination.
TEMPORARY_FILE = re.compile(r"^\..+\.tmp$")

GRADED, REFUSED, FAILED = "graded", "refused", "grader-error"


@dataclass(frozen=True)
class RunFingerprint:
    """What a stored result must match to be reused: seed, grader version, policy, language."""

    seed_sha: str
    seed_kind: str
    grader_version: str
    config_sha: str
    lang: str

    def as_dict(self) -> dict:
        return {
            "seed_fingerprint": self.seed_sha,
            "seed_kind": self.seed_kind,
            "grader_version": self.grader_version,
            "config_fingerprint": self.config_sha,
            "lang": self.lang,
        }


SHORT_FINGERPRINT = 19  # "scrypt:" and 12 hex digits: enough to tell runs apart in a message


def short_fingerprint(value) -> str:
    """A fingerprint cut for messages ("scrypt:0123456789ab...")."""
    text = str(value)
    return text[:SHORT_FINGERPRINT] + "..." if len(text) > SHORT_FINGERPRINT else text


SIGNATURE = "signature"
SIGNATURE_PREFIX = "hmac-sha256:"


class RecordSigner:
    """Signs a submission's record together with its result files; verifies them before they are trusted."""

    def __init__(self, seed: int):
        self._key = hmac.new(str(int(seed)).encode(), b"convlab batch records", hashlib.sha256).digest()

    def _digest(self, record: dict, folder: Path) -> str:
        body = {name: value for name, value in record.items() if name != SIGNATURE}
        mac = hmac.new(self._key, json.dumps(body, sort_keys=True, separators=(",", ":")).encode(), hashlib.sha256)
        names = [RESULTS_FILE, SUMMARY_FILE] + [f"{CODE_FOLDER}/{name}" for name in sorted(record.get("code", []))]
        for name in names:
            try:
                data = (Path(folder) / name).read_bytes()
            except OSError:
                data = None
            mac.update(name.encode() + b"\0" + (hashlib.sha256(data).digest() if data is not None else b"-"))
        return SIGNATURE_PREFIX + mac.hexdigest()

    def sign(self, record: dict, folder: Path) -> dict:
        return {**record, SIGNATURE: self._digest(record, folder)}

    def verify(self, record: dict, folder: Path) -> bool:
        signature = record.get(SIGNATURE)
        return isinstance(signature, str) and hmac.compare_digest(signature, self._digest(record, folder))


def submission_folder(results: Path, key: str) -> Path:
    return Path(results) / SUBMISSIONS_FOLDER / key


def read_json(path: Path) -> dict | None:
    """The JSON object in path, or None when it is missing or unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_record(results: Path, key: str) -> dict | None:
    record = read_json(submission_folder(results, key) / RECORD_FILE)
    return record if record and record.get("format") == RECORD_FORMAT else None


def is_current(record: dict | None, content_sha: str, run: RunFingerprint, results: Path,
               signer: RecordSigner | None = None) -> bool:
    """Whether a stored record can stand for this run: same content and fingerprints, files present,
    and (with a signer) signed by this course's grader.

    A record of a grader error is never current: the next run tries again.
    """
    if not record or record.get("status") not in (GRADED, REFUSED):
        return False
    if signer is not None and not signer.verify(record, submission_folder(results, record.get("key", ""))):
        return False
    if record.get("content_fingerprint") != content_sha:
        return False
    if any(record.get(name) != value for name, value in run.as_dict().items()):
        return False
    folder = submission_folder(results, record["key"])
    code = [f"{CODE_FOLDER}/{name}" for name in record.get("code", [])]
    return all((folder / name).is_file() for name in (RESULTS_FILE, SUMMARY_FILE, *code))


def write_submission(results: Path, key: str, gradescope: dict | None, summary: dict | None, record: dict,
                     code: dict[str, bytes] | None = None, signer: RecordSigner | None = None) -> None:
    """Write one submission's files, record.json last (see the module docstring), signed when a signer is given.

    gradescope and summary are None for a grader error: older result files are then removed.
    code: the student modules (file name -> bytes) to keep beside the record.
    """
    folder = submission_folder(results, key)
    for name, data in (code or {}).items():
        write_bytes_atomic(folder / CODE_FOLDER / name, data)
    for name, data in ((RESULTS_FILE, gradescope), (SUMMARY_FILE, summary)):
        if data is not None:
            write_json_atomic(folder / name, data)
        else:  # a grader error: no result file may outlive the record it belonged to
            (folder / name).unlink(missing_ok=True)
    record = {"format": RECORD_FORMAT, **record}
    write_json_atomic(folder / RECORD_FILE, signer.sign(record, folder) if signer is not None else record)


def write_manifest(results: Path, manifest: dict) -> None:
    write_json_atomic(Path(results) / MANIFEST_FILE, {"format": MANIFEST_FORMAT, **manifest})


def read_manifest(results: Path) -> dict | None:
    manifest = read_json(Path(results) / MANIFEST_FILE)
    return manifest if manifest and manifest.get("format") == MANIFEST_FORMAT else None


def scored_records(results: Path, signer: RecordSigner | None = None, refused: list | None = None) -> list[dict] | None:
    """The records with a score (graded or refused) of the submissions batch.json lists; None without batch.json.

    With a signer, a record that fails verification is left out (and its key added to `refused`).
    """
    manifest = read_manifest(results)
    if manifest is None:
        return None
    records = (read_record(results, entry["key"]) for entry in manifest.get("submissions", []))
    scored = [r for r in records if r is not None and r.get("status") != FAILED and r.get("points") is not None]
    if signer is None:
        return scored
    trusted = [r for r in scored if signer.verify(r, submission_folder(results, r.get("key", "")))]
    if refused is not None:
        refused += [r.get("key") for r in scored if r not in trusted]
    return trusted


def sweep_temporary_files(results: Path) -> int:
    """Remove the temporary files an interrupted run left in RESULTS; return how many."""
    removed = 0
    results = Path(results)
    if not results.is_dir():
        return 0
    for folder, _dirs, names in os.walk(results):
        for name in names:
            if TEMPORARY_FILE.match(name):
                try:
                    os.unlink(os.path.join(folder, name))
                    removed += 1
                except FileNotFoundError:
                    pass
    return removed
