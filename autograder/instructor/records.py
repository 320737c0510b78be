"""The submissions of one or more RESULTS folders, each with the folder that holds its files."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..batch.store import CODE_FOLDER, scored_records, submission_folder


class ReportError(Exception):
    """A report cannot be built (the message says why)."""


@dataclass(frozen=True)
class Graded:
    record: dict
    folder: Path  # RESULTS/submissions/<key>

    @property
    def student(self) -> str:
        return self.record["student"]

    @property
    def name(self) -> str:
        return self.record["submission"]

    def code(self) -> dict[str, str]:
        """File name -> text of the student modules the batch kept."""
        found = {}
        for name in self.record.get("code", []):
            path = self.folder / CODE_FOLDER / name
            if path.is_file():
                found[name] = path.read_bytes().decode("utf-8", "replace")
        return found


def load_graded(results_folders: list[Path]) -> list[Graded]:
    """Every graded (or refused) submission of the folders; grader errors have no result and are left out."""
    found = []
    for folder in results_folders:
        records = scored_records(folder)
        if records is None:
            raise ReportError(f"{folder} holds no batch.json: pass a RESULTS folder written by `convlab batch` or `convlab merge`")
        found += [Graded(record, submission_folder(folder, record["key"])) for record in records]
    return found


def latest_per_student(graded: list[Graded]) -> list[Graded]:
    """Each student's latest submission (what they handed in last), in the order of student ids."""
    latest: dict[str, Graded] = {}
    for item in graded:
        moment = (item.record.get("submitted_at") or "", item.record.get("graded_at") or "")
        kept = latest.get(item.student)
        if kept is None or moment >= (kept.record.get("submitted_at") or "", kept.record.get("graded_at") or ""):
            latest[item.student] = item
    return [latest[student] for student in sorted(latest)]
