"""One batch run, start to end: discover, shard, skip, intake, grade, store, export.

The batch process reads and writes; workers only grade. Results are stored the
moment each submission finishes, so stopping the run at any point (Ctrl-C, SIGKILL,
a CI timeout) loses nothing already graded, and the next run picks up the rest.

A RESULTS folder belongs to one seed and one grading policy: a run with another one
is refused (BatchRefused names both), unless `force` sets the old folder aside
first. Entries of SUBMISSIONS that are not submissions (a stray file, an empty folder)
are skipped: listed with the reason on the terminal and in skipped.csv, never graded.
"""
from __future__ import annotations

import math
import sys
import traceback
from contextlib import closing, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .discover import Submission, discover
from .executors import run_in_pool, run_on_dask
from .export import write_skipped_csv
from .failures import failure_summary
from .finalize import finalize, unknown_students
from .fingerprint import grader_version, seed_fingerprint
from .intake import Intake, read_submission
from .progress import Progress, format_duration
from .shard import Shard
from .store import (
    FAILED,
    GRADED,
    REFUSED,
    SUBMISSIONS_FOLDER,
    RunFingerprint,
    RecordSigner,
    is_current,
    submission_folder,
    read_manifest,
    read_record,
    short_fingerprint,
    sweep_temporary_files,
    write_manifest,
    write_submission,
)
from ..sandbox import staging
from .worker import GradeOutcome, GradeTask

SPEED_KEYS = ("conv2d_forward", "lenet_step")
TRACEBACK_LINES = 12


@dataclass
class BatchOptions:
    submissions: Path
    results: Path
    seed: int
    seed_kind: str
    config: object
    config_sha: str
    lang: str = "en"
    jobs: int = 1
    shard: Shard | None = None
    dask: str | None = None
    assignment: str | None = None
    # Exercises one worker grades at once. 1: a worker then uses one core, as a Dask worker
    # declaring one thread must, and N workers grade N times as fast. The local pool gains
    # nothing from 2 (bench/bench_batch.py compares them).
    exercise_threads: int = 1
    # Keep every result model in BatchSummary.results (by submission name); `convlab demo`
    # prints their tables. Off for courses: the files on disk are the results.
    keep_results: bool = False
    # RESULTS holds another seed's or policy's results: set them aside and start over.
    force: bool = False
    # What the Dask client presents to a tls:// scheduler (distributed.Security), if anything.
    dask_security: object = None
    # Time conv2d_forward and a LeNet step against the reference (grades.csv only; about 3 s each).
    measure_speed: bool = False
    # The late policy and assignments (grades/policy.py) and the instructors' overrides
    # (grades/overrides.py), applied to every record at the end of the run (finalize.py).
    policy: object | None = None
    overrides: tuple = ()


@dataclass
class BatchSummary:
    discovered: int = 0
    selected: int = 0
    skipped: int = 0
    graded: int = 0
    refused: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    results: dict[str, object] = field(default_factory=dict)  # name -> SubmissionResult, with keep_results
    not_submissions: list[tuple[str, str]] = field(default_factory=list)  # (entry, why it was skipped)
    set_aside: Path | None = None  # where --force moved the previous results
    tampered: list[str] = field(default_factory=list)  # stored results another hand wrote: graded again


class BatchRefused(Exception):
    """The run would mix records that must stay apart; the message says why and what to do."""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_batch(options: BatchOptions, stream=None) -> BatchSummary:
    """Grade what needs grading under options.submissions into options.results; see the module docstring."""
    stream = stream or sys.stderr
    results = Path(options.results)
    check_apart(Path(options.submissions), results)
    run = RunFingerprint(seed_fingerprint(options.seed), options.seed_kind, grader_version(), options.config_sha, options.lang)
    signer = RecordSigner(options.seed)
    summary = BatchSummary()
    summary.set_aside = _claim(results, run, options.force)
    if summary.set_aside is not None:
        print(f"convlab batch: --force: moved the previous results to {summary.set_aside}", file=stream, flush=True)
    results.mkdir(parents=True, exist_ok=True)
    sweep_temporary_files(results)
    staging.sweep_stale_folders()  # what a batch killed with SIGKILL left in the temporary folder
    found = discover(options.submissions, options.assignment)
    entries = options.shard.select(found) if options.shard else found
    summary.discovered = len(found)

    todo: list[tuple[Submission, Intake, str]] = []
    selected: list[Submission] = []
    for submission in entries:
        intake = read_submission(submission, options.lang)
        if intake.skip is not None:
            summary.not_submissions.append((submission.name, intake.skip))
            continue
        selected.append(submission)
        content = intake.fingerprint
        record = read_record(results, submission.key)
        if is_current(record, content, run, results, signer):
            summary.skipped += 1
        else:
            if is_current(record, content, run, results):  # current but for its signature: not the grader's
                summary.tampered.append(submission.name)
            todo.append((submission, intake, content))
    summary.selected = len(selected)
    manifest = _manifest(options, run, found, selected, summary.not_submissions)
    write_manifest(results, {**manifest, "finished": False})
    write_skipped_csv(results, summary.not_submissions)
    shard_text = f" (shard {options.shard} of {len(found)})" if options.shard else ""
    where = f"Dask at {options.dask}" if options.dask else f"{options.jobs} worker process{'es' if options.jobs != 1 else ''}"
    skipped_text = f", {len(summary.not_submissions)} other entries skipped" if summary.not_submissions else ""
    print(f"convlab batch: {len(selected)} submissions{shard_text}{skipped_text}; {summary.skipped} already graded; {len(todo)} to grade on {where}", file=stream, flush=True)
    for name, reason in summary.not_submissions:
        print(f"convlab batch: skipped {name}: {reason}", file=stream, flush=True)
    for name in summary.tampered:
        print(f"convlab batch: the stored result of {name} was not written by this grader (its signature does not "
              "match): grading it again", file=stream, flush=True)

    progress = Progress(len(todo), stream)
    by_key = {submission.key: (submission, intake, content) for submission, intake, content in todo}
    tasks = [_task(submission, intake, options) for submission, intake, _ in todo]
    if not tasks:
        outcomes = iter([])  # nothing to grade: start no pool, connect to no cluster
    else:
        outcomes = run_on_dask(tasks, options.dask, options.dask_security) if options.dask else run_in_pool(tasks, options.jobs)
    with closing(outcomes) if tasks else nullcontext():  # on Ctrl-C or an error, stop the workers now
        for outcome in outcomes:
            submission, intake, content = by_key[outcome.key]
            status = store_outcome(results, submission, intake, content, run, outcome, options.lang, signer)
            if status == FAILED:
                summary.failed += 1
                summary.failures.append(f"{submission.name}: {outcome.error.splitlines()[-1]}")
                verdict = "grader error"
            else:
                summary.graded += status == GRADED
                summary.refused += status == REFUSED
                if options.keep_results:
                    summary.results[submission.name] = outcome.result
                verdict = f"{outcome.result.points:g}/{outcome.result.points_possible:g}" + (f" (refused: {intake.refusal})" if status == REFUSED else "")
            progress.advance(submission.name, verdict, failed=status == FAILED)
    summary.seconds = progress.finish()

    records = [_trusted(read_record(results, s.key), results, signer) or {"submission": s.name, "student": s.student, "status": "missing"}
               for s in selected]
    finalize(results, records, options.policy, list(options.overrides))
    if not options.shard:  # a shard holds some students only: `convlab merge` checks the whole course
        for warning in unknown_students(records, list(options.overrides)):
            print(f"convlab batch: note: {warning}", file=stream, flush=True)
    counts = {"graded": summary.graded, "refused": summary.refused, "grader_errors": summary.failed, "skipped": summary.skipped, "not_submissions": len(summary.not_submissions)}
    write_manifest(results, {**manifest, "finished": True, "finished_at": now(), "counts": counts})
    for record in records:  # every refusal of this selection, kept from before or new, with its reason
        if record.get("status") == REFUSED:
            print(f"convlab batch: refused {record['submission']}: {' | '.join(record.get('notes') or [])}", file=stream, flush=True)
    print(
        f"convlab batch: {summary.graded} graded, {summary.refused} refused, {summary.skipped} kept from before, "
        f"{summary.failed} grader errors, {len(summary.not_submissions)} entries skipped (not submissions) "
        f"in {format_duration(summary.seconds)}; wrote {results}",
        file=stream,
        flush=True,
    )
    return summary


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _trusted(record: dict | None, results: Path, signer: RecordSigner) -> dict | None:
    """The record when this grader signed it (the export never lists another's)."""
    if record is None or not signer.verify(record, submission_folder(results, record.get("key", ""))):
        return None
    return record


def check_apart(submissions: Path, results: Path) -> None:
    """Refuse RESULTS inside SUBMISSIONS (it would be graded as a student) or SUBMISSIONS inside RESULTS."""
    submissions, results = submissions.resolve(), results.resolve()
    if _inside(results, submissions):
        raise BatchRefused(f"--out {results} lies inside the submissions folder {submissions}: the next run would grade it as a student. Write the results elsewhere.")
    if _inside(submissions, results):
        raise BatchRefused(f"the submissions folder {submissions} lies inside --out {results}, where the batch writes its files. Write the results elsewhere.")


def _claim(results: Path, run: RunFingerprint, force: bool) -> Path | None:
    """Make sure RESULTS may take this run's records; with force, set another run's aside (returns where)."""
    manifest = read_manifest(results) if results.is_dir() else None
    if manifest is None:
        if not (results / SUBMISSIONS_FOLDER).exists():
            return None  # a new or empty folder
        if not force:
            raise BatchRefused(f"{results} holds results without a batch.json: pass a new folder, or --force to set them aside")
        return _set_aside(results)
    clashes = []
    if manifest.get("seed_fingerprint") != run.seed_sha:
        clashes.append(
            f"the seed {short_fingerprint(manifest.get('seed_fingerprint'))} ({manifest.get('seed_kind')}), "
            f"this run the seed {short_fingerprint(run.seed_sha)} ({run.seed_kind})"
        )
    if manifest.get("config_fingerprint") != run.config_sha:
        clashes.append(
            f"the grading policy {short_fingerprint(manifest.get('config_fingerprint'))}, "
            f"this run the policy {short_fingerprint(run.config_sha)}"
        )
    if not clashes:
        return None
    if not force:
        raise BatchRefused(
            f"{results} belongs to another run: it holds results graded with " + "; and ".join(clashes) + ". "
            "A results folder keeps one seed and one grading policy: write to a new folder, "
            "or pass --force to move these results aside and start over."
        )
    return _set_aside(results)


def _set_aside(results: Path) -> Path:
    """Rename RESULTS to RESULTS.replaced-<UTC time> beside it; return the new name."""
    aside = results.with_name(f"{results.name}.replaced-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}")
    results.rename(aside)
    return aside


def _manifest(options: BatchOptions, run: RunFingerprint, found: list[Submission], selected: list[Submission], skipped: list[tuple[str, str]]) -> dict:
    return {
        **run.as_dict(),
        "shard": str(options.shard) if options.shard else None,
        "discovered": len(found),
        "submissions": [{"key": s.key, "name": s.name} for s in selected],
        "not_submissions": [{"name": name, "reason": reason} for name, reason in skipped],
        "started_at": now(),
    }


def _task(submission: Submission, intake: Intake, options: BatchOptions) -> GradeTask:
    from ..commands.seed import case_seed

    return GradeTask(
        key=submission.key,
        name=submission.name,
        files=intake.files,
        refusal=intake.refusal,
        seed=case_seed(options.config, options.seed, options.seed_kind, submission.student),
        seed_kind=options.seed_kind,
        lang=options.lang,
        config=options.config,
        config_sha=options.config_sha,
        exercise_threads=options.exercise_threads,
        measure_speed=options.measure_speed,
        excluded=tuple(intake.excluded.items()),
    )


def store_outcome(results: Path, submission: Submission, intake: Intake, content: str, run: RunFingerprint,
                  outcome: GradeOutcome, lang: str, signer: RecordSigner | None = None) -> str:
    """Write one finished submission's files (results.json, summary.json, record.json last); return its status."""
    from ..report.gradescope import gradescope_results
    from ..report.summary import summary

    notes = [intake.refusal] if intake.refusal else list(intake.notes)
    code = student_code(intake.files)
    record = {
        "key": submission.key,
        "submission": submission.name,
        "student": submission.student,
        "source": submission.kind,
        "submitted_at": submission.submitted_at,
        "content_fingerprint": content,
        **run.as_dict(),
        "notes": notes,
        "pseudonym_choice": intake.pseudonym_choice,
        "graded_at": now(),
        "seconds": outcome.seconds,
        "worker": outcome.worker,
    }
    if outcome.error is not None:
        write_submission(results, submission.key, None, None, {**record, "status": FAILED, "error": outcome.error},
                         signer=signer)
        return FAILED
    result = outcome.result
    status = REFUSED if intake.refusal else GRADED
    try:
        gradescope = gradescope_results(result, lang)
        summary_data = summary(result)
    except Exception:  # a reporter failed on this result: record it, keep grading the others
        error = "\n".join(traceback.format_exc().strip().splitlines()[-TRACEBACK_LINES:])
        write_submission(results, submission.key, None, None, {**record, "status": FAILED, "error": error}, signer=signer)
        outcome.error = error
        return FAILED
    if notes:
        gradescope["output"] = with_upload_notes(gradescope.get("output", ""), notes)
    record.update(
        status=status,
        points=result.points,
        points_possible=result.points_possible,
        exercises=[
            {
                "id": e.exercise_id, "title": e.title, "points": e.points, "points_possible": e.points_possible, "ran": e.error is None,
                "assignment": e.assignment,
                **({} if intake.refusal else failure_summary(e, lang)),
            }
            for e in result.exercises
        ],
        code=sorted(code),
        speed=None if intake.refusal else speed_ratios(result),
        result_grader_version=result.grader_version,
    )
    write_submission(results, submission.key, gradescope, summary_data, record, code, signer)
    return status


def student_code(files: dict[str, bytes]) -> dict[str, bytes]:
    """The student modules among the files graded (what `convlab similarity` compares)."""
    from ..paths import STUDENT_MODULES

    return {f"{module}.py": files[f"{module}.py"] for module in STUDENT_MODULES if f"{module}.py" in files}


def with_upload_notes(output: str, notes: list[str]) -> str:
    """results.json's output with what intake left out or refused at the top."""
    lines = "\n".join(f"- {note}" for note in notes)
    return f"About your upload:\n{lines}\n\n{output}".rstrip()


def speed_ratios(result) -> dict | None:
    """{key: {"ratio", "uncertainty"}}: the student's time over the reference's, same grading run.

    Read from `result.speed` (autograder/speed.py: {"ratio", "uncertainty", "rounds"} per key);
    None when the engine measured nothing. Values that are not finite positive numbers are dropped.
    """
    found = getattr(result, "speed", None)
    if not isinstance(found, dict):
        return None
    ratios = {}
    for key in SPEED_KEYS:
        value = found.get(key)
        if not isinstance(value, dict):
            continue
        ratio, uncertainty = value.get("ratio"), value.get("uncertainty")
        if all(isinstance(v, (int, float)) and math.isfinite(v) for v in (ratio, uncertainty)) and ratio > 0 and uncertainty >= 0:
            ratios[key] = {"ratio": round(float(ratio), 4), "uncertainty": round(float(uncertainty), 4)}
    return ratios or None
