"""The RESULTS folder: what a batch writes, and how a rerun knows what it can keep.

    RESULTS/batch.json                  what the finished run covered: fingerprints, shard, submission keys
    RESULTS/grades.csv                  one row per submission of the run
    RESULTS/submissions/<key>/results.json   Gradescope's results.json
    RESULTS/submissions/<key>/summary.json   the scoreboard summary (no messages, no hidden seed)
    RESULTS/submissions/<key>/record.json    the batch's own record: fingerprints, points, notes
    RESULTS/submissions/<key>/grade.json     the final grade: late penalty, overrides (finalize.py)

Every file is replaced atomically (report.atomic), and record.json is written last:
a record that matches the run therefore always stands next to complete result files,
and a batch killed at any moment leaves at worst temporary files, which the next run
removes (`sweep_temporary_files`).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..report.atomic import write_json_atomic

RECORD_FORMAT = "convlab-batch-record/1"
MANIFEST_FORMAT = "convlab-batch/1"
SUBMISSIONS_FOLDER = "submissions"
MANIFEST_FILE = "batch.json"
CSV_FILE = "grades.csv"
RECORD_FILE = "record.json"
RESULTS_FILE = "results.json"
SUMMARY_FILE = "summary.json"
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


def is_current(record: dict | None, content_sha: str, run: RunFingerprint, results: Path) -> bool:
    """Whether a stored record can stand for this run: same content and fingerprints, files present.

    A record of a grader error is never current: the next run tries again.
    """
    if not record or record.get("status") not in (GRADED, REFUSED):
        return False
    if record.get("content_fingerprint") != content_sha:
        return False
    if any(record.get(name) != value for name, value in run.as_dict().items()):
        return False
    folder = submission_folder(results, record["key"])
    return all((folder / name).is_file() for name in (RESULTS_FILE, SUMMARY_FILE))


def write_submission(results: Path, key: str, gradescope: dict | None, summary: dict | None, record: dict) -> None:
    """Write one submission's files, record.json last (see the module docstring).

    gradescope and summary are None for a grader error: older result files are then removed.
    """
    folder = submission_folder(results, key)
    for name, data in ((RESULTS_FILE, gradescope), (SUMMARY_FILE, summary)):
        if data is not None:
            write_json_atomic(folder / name, data)
        else:  # a grader error: no result file may outlive the record it belonged to
            (folder / name).unlink(missing_ok=True)
    write_json_atomic(folder / RECORD_FILE, {"format": RECORD_FORMAT, **record})


def write_manifest(results: Path, manifest: dict) -> None:
    write_json_atomic(Path(results) / MANIFEST_FILE, {"format": MANIFEST_FORMAT, **manifest})


def read_manifest(results: Path) -> dict | None:
    manifest = read_json(Path(results) / MANIFEST_FILE)
    return manifest if manifest and manifest.get("format") == MANIFEST_FORMAT else None


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
