"""`convlab merge`: join the RESULTS folders of several batch runs (the shards of one course).

Merging refuses, with a message naming the folders, when the runs cannot belong
together: a run that has not finished, different seeds, grader versions, grading
policies or languages, shards of different counts, a shard missing or given twice,
or one submission graded differently in two folders.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..report.atomic import write_bytes_atomic
from .export import write_skipped_csv
from .finalize import finalize
from .store import CODE_FOLDER, RECORD_FILE, RESULTS_FILE, SUMMARY_FILE, read_manifest, read_record, submission_folder, sweep_temporary_files, write_manifest

MUST_AGREE = {
    "seed_fingerprint": "seeds",
    "grader_version": "grader versions",
    "config_fingerprint": "grading policies (grading.toml)",
    "lang": "languages",
}
SHORT_FINGERPRINT = 19  # "scrypt:" and 12 hex digits: enough to tell runs apart in a message


class MergeError(Exception):
    """The folders cannot be merged; the message says why and what to do."""


@dataclass
class MergeSummary:
    inputs: int
    submissions: int


def _shown(field: str, value) -> str:
    text = str(value)
    return text[:SHORT_FINGERPRINT] + "..." if field.endswith("fingerprint") and len(text) > SHORT_FINGERPRINT else text


def check_compatible(manifests: list[tuple[Path, dict]]) -> None:
    """Raise MergeError unless these finished runs can be merged."""
    for field, what in MUST_AGREE.items():
        values = {manifest.get(field) for _, manifest in manifests}
        if len(values) > 1:
            listing = "; ".join(f"{path}: {_shown(field, manifest.get(field))}" for path, manifest in manifests)
            hint = " Regrade every shard with the same seed." if field == "seed_fingerprint" else " Regrade every shard with the same grader and grading.toml."
            raise MergeError(f"these results were graded with different {what} and cannot be merged ({listing}).{hint}")
    shards = [(path, manifest.get("shard")) for path, manifest in manifests]
    sharded = [(path, shard) for path, shard in shards if shard]
    if not sharded:
        return
    if len(sharded) != len(shards):
        raise MergeError("some folders hold one shard and others a whole batch: " + "; ".join(f"{p}: {s or 'not sharded'}" for p, s in shards))
    counts = {int(shard.split("/")[1]) for _, shard in sharded}
    if len(counts) > 1:
        raise MergeError("these folders hold shards of different splits: " + "; ".join(f"{p}: {s}" for p, s in sharded))
    count = counts.pop()
    seen: dict[int, Path] = {}
    for path, shard in sharded:
        index = int(shard.split("/")[0])
        if index in seen:
            raise MergeError(f"shard {shard} appears twice: {seen[index]} and {path}")
        seen[index] = path
    missing = [f"{i}/{count}" for i in range(1, count + 1) if i not in seen]
    if missing:
        raise MergeError(f"shard {', '.join(missing)} missing: merge all {count} shards (grade the missing ones with --shard)")
    discovered = {manifest.get("discovered") for _, manifest in manifests}
    if len(discovered) > 1:
        raise MergeError("the shards saw different submission folders (" + ", ".join(f"{p}: {m.get('discovered')} submissions" for p, m in manifests) + "): grade every shard from the same SUBMISSIONS")


def load_manifests(inputs: list[Path]) -> list[tuple[Path, dict]]:
    manifests = []
    for path in inputs:
        manifest = read_manifest(path)
        if manifest is None:
            raise MergeError(f"{path} holds no batch.json: it is not the RESULTS folder of `convlab batch`")
        if not manifest.get("finished"):
            raise MergeError(f"the batch that writes {path} has not finished (or was stopped): run it again to complete it, then merge")
        manifests.append((Path(path), manifest))
    return manifests


def merge_results(inputs: list[Path], out: Path, policy=None, overrides: tuple = ()) -> MergeSummary:
    """Copy every submission of the inputs into out, then write grades.csv, each grade.json and batch.json there.

    policy and overrides: as for the batch (grades/policy.py, grades/overrides.py).
    """
    if any(Path(out).resolve() == Path(path).resolve() for path in inputs):
        raise MergeError(f"--out {out} is one of the folders to merge: write the merged results to a new folder")
    manifests = load_manifests(inputs)
    check_compatible(manifests)
    chosen: dict[str, tuple[Path, dict]] = {}
    for path, manifest in manifests:
        for entry in manifest.get("submissions", []):
            key = entry["key"]
            record = read_record(path, key)
            if record is None:
                raise MergeError(f"{path} lists {entry['name']!r} but holds no record of it: rerun that batch")
            if key in chosen and chosen[key][1].get("content_fingerprint") != record.get("content_fingerprint"):
                raise MergeError(f"{entry['name']!r} was graded from different files in {chosen[key][0]} and {path}")
            chosen[key] = (path, record)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sweep_temporary_files(out)
    for key, (path, record) in sorted(chosen.items()):
        source, target = submission_folder(path, key), submission_folder(out, key)
        code = [f"{CODE_FOLDER}/{name}" for name in record.get("code", [])]
        for name in (*code, RESULTS_FILE, SUMMARY_FILE, RECORD_FILE):  # the record last, as a batch writes it
            if (source / name).is_file():
                write_bytes_atomic(target / name, (source / name).read_bytes())
    records = [record for _key, (_path, record) in sorted(chosen.items(), key=lambda item: (item[1][1].get("submission", ""), item[0]))]
    finalize(out, records, policy, list(overrides))
    skipped = sorted({(e["name"], e["reason"]) for _, manifest in manifests for e in manifest.get("not_submissions", [])})
    write_skipped_csv(out, skipped)
    first = manifests[0][1]
    write_manifest(
        out,
        {
            **{field: first.get(field) for field in (*MUST_AGREE, "seed_kind")},
            "shard": None,
            "merged_from": [{"folder": str(path), "shard": manifest.get("shard")} for path, manifest in manifests],
            "discovered": len(records),
            "submissions": [{"key": r["key"], "name": r["submission"]} for r in records],
            "not_submissions": [{"name": name, "reason": reason} for name, reason in skipped],
            "finished": True,
        },
    )
    return MergeSummary(inputs=len(manifests), submissions=len(records))
