"""One batch run, start to end: discover, shard, skip, intake, grade, store, export.

The batch process reads and writes; workers only grade. Results are stored the
moment each submission finishes, so stopping the run at any point (Ctrl-C, SIGKILL,
a CI timeout) loses nothing already graded, and the next run picks up the rest.
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
from .export import write_grades_csv
from .fingerprint import grader_version, seed_fingerprint
from .intake import Intake, read_submission
from .progress import Progress, format_duration
from .shard import Shard
from .store import (
    FAILED,
    GRADED,
    REFUSED,
    RunFingerprint,
    is_current,
    read_record,
    sweep_temporary_files,
    write_manifest,
    write_submission,
)
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


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_batch(options: BatchOptions, stream=None) -> BatchSummary:
    """Grade what needs grading under options.submissions into options.results; see the module docstring."""
    stream = stream or sys.stderr
    results = Path(options.results)
    results.mkdir(parents=True, exist_ok=True)
    sweep_temporary_files(results)
    found = discover(options.submissions, options.assignment)
    selected = options.shard.select(found) if options.shard else found
    run = RunFingerprint(seed_fingerprint(options.seed), options.seed_kind, grader_version(), options.config_sha, options.lang)
    summary = BatchSummary(discovered=len(found), selected=len(selected))
    manifest = _manifest(options, run, found, selected)
    write_manifest(results, {**manifest, "finished": False})

    todo: list[tuple[Submission, Intake, str]] = []
    for submission in selected:
        intake = read_submission(submission)
        content = intake.fingerprint
        if is_current(read_record(results, submission.key), content, run, results):
            summary.skipped += 1
        else:
            todo.append((submission, intake, content))
    shard_text = f" (shard {options.shard} of {len(found)})" if options.shard else ""
    where = f"Dask at {options.dask}" if options.dask else f"{options.jobs} worker process{'es' if options.jobs != 1 else ''}"
    print(f"convlab batch: {len(selected)} submissions{shard_text}; {summary.skipped} already graded; {len(todo)} to grade on {where}", file=stream, flush=True)

    progress = Progress(len(todo), stream)
    by_key = {submission.key: (submission, intake, content) for submission, intake, content in todo}
    tasks = [_task(submission, intake, options) for submission, intake, _ in todo]
    if not tasks:
        outcomes = iter([])  # nothing to grade: start no pool, connect to no cluster
    else:
        outcomes = run_on_dask(tasks, options.dask) if options.dask else run_in_pool(tasks, options.jobs)
    with closing(outcomes) if tasks else nullcontext():  # on Ctrl-C or an error, stop the workers now
        for outcome in outcomes:
            submission, intake, content = by_key[outcome.key]
            status = store_outcome(results, submission, intake, content, run, outcome, options.lang)
            if status == FAILED:
                summary.failed += 1
                summary.failures.append(f"{submission.name}: {outcome.error.splitlines()[-1]}")
                verdict = "grader error"
            else:
                summary.graded += status == GRADED
                summary.refused += status == REFUSED
                if options.keep_results:
                    summary.results[submission.name] = outcome.result
                verdict = f"{outcome.result.points:g}/{outcome.result.points_possible:g}" + (" (refused)" if status == REFUSED else "")
            progress.advance(submission.name, verdict, failed=status == FAILED)
    summary.seconds = progress.finish()

    records = [read_record(results, s.key) or {"submission": s.name, "student": s.student, "status": "missing"} for s in selected]
    write_grades_csv(results, records)
    counts = {"graded": summary.graded, "refused": summary.refused, "grader_errors": summary.failed, "skipped": summary.skipped}
    write_manifest(results, {**manifest, "finished": True, "finished_at": now(), "counts": counts})
    print(
        f"convlab batch: {summary.graded} graded, {summary.refused} refused, {summary.skipped} kept from before, "
        f"{summary.failed} grader errors in {format_duration(summary.seconds)}; wrote {results}",
        file=stream,
        flush=True,
    )
    return summary


def _manifest(options: BatchOptions, run: RunFingerprint, found: list[Submission], selected: list[Submission]) -> dict:
    return {
        **run.as_dict(),
        "shard": str(options.shard) if options.shard else None,
        "discovered": len(found),
        "submissions": [{"key": s.key, "name": s.name} for s in selected],
        "started_at": now(),
    }


def _task(submission: Submission, intake: Intake, options: BatchOptions) -> GradeTask:
    return GradeTask(
        key=submission.key,
        name=submission.name,
        files=intake.files,
        refusal=intake.refusal,
        seed=options.seed,
        seed_kind=options.seed_kind,
        lang=options.lang,
        config=options.config,
        config_sha=options.config_sha,
        exercise_threads=options.exercise_threads,
    )


def store_outcome(results: Path, submission: Submission, intake: Intake, content: str, run: RunFingerprint, outcome: GradeOutcome, lang: str) -> str:
    """Write one finished submission's files (results.json, summary.json, record.json last); return its status."""
    from ..report.gradescope import gradescope_results
    from ..report.summary import summary

    notes = [intake.refusal] if intake.refusal else list(intake.notes)
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
        write_submission(results, submission.key, None, None, {**record, "status": FAILED, "error": outcome.error})
        return FAILED
    result = outcome.result
    status = REFUSED if intake.refusal else GRADED
    try:
        gradescope = gradescope_results(result, lang)
        summary_data = summary(result)
    except Exception:  # a reporter failed on this result: record it, keep grading the others
        error = "\n".join(traceback.format_exc().strip().splitlines()[-TRACEBACK_LINES:])
        write_submission(results, submission.key, None, None, {**record, "status": FAILED, "error": error})
        outcome.error = error
        return FAILED
    if notes:
        gradescope["output"] = _with_notes(gradescope.get("output", ""), notes)
    record.update(
        status=status,
        points=result.points,
        points_possible=result.points_possible,
        exercises=[
            {"id": e.exercise_id, "title": e.title, "points": e.points, "points_possible": e.points_possible, "ran": e.error is None,
             "assignment": e.assignment}
            for e in result.exercises
        ],
        speed=None if intake.refusal else speed_ratios(result),
        result_grader_version=result.grader_version,
    )
    write_submission(results, submission.key, gradescope, summary_data, record)
    return status


def _with_notes(output: str, notes: list[str]) -> str:
    lines = "\n".join(f"- {note}" for note in notes)
    return f"About your upload:\n{lines}\n\n{output}".rstrip()


def speed_ratios(result) -> dict | None:
    """The student's time over the reference's, measured in the same grading run, per speed key.

    Read from `result.speed` (a dict), or from `result.timings["speed"]`; None when the
    engine measured neither. Values that are not finite positive numbers are dropped.
    """
    found = getattr(result, "speed", None)
    if not isinstance(found, dict):
        found = (result.timings or {}).get("speed")
    if not isinstance(found, dict):
        return None
    ratios = {}
    for key in SPEED_KEYS:
        value = found.get(key)
        if isinstance(value, (int, float)) and math.isfinite(value) and value > 0:
            ratios[key] = round(float(value), 4)
    return ratios or None
