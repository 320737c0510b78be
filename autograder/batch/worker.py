"""What runs in a worker process (the local pool or a Dask worker): grade one submission.

A task carries the submission's files as bytes, so a worker needs no view of the
instructor's folders (a Dask worker may run on another machine). The worker writes
them into a fresh temporary folder, calls grade_submission exactly as
`convlab grade` does, and returns the result model; the batch process writes every
result file itself.

Each worker runs numerical libraries on one thread: the pool already keeps every
core busy, and more threads per worker would only make them compete. How many
exercises a worker grades at once is the batch's choice (run.exercise_threads).
"""
from __future__ import annotations

import copy
import os
import signal
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..safe_text import clean

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")
PARENT_POLL_SECONDS = 0.25
FOLDER_NAME = "submission"
TRACEBACK_LINES = 12


@dataclass(frozen=True)
class GradeTask:
    key: str
    name: str  # the result's `submission` field
    files: dict[str, bytes]  # relative POSIX path -> content, already re-rooted where the modules are
    refusal: str | None  # set when intake refused the submission: it scores 0 with this message
    seed: int
    seed_kind: str
    lang: str
    config: object  # the loaded grading policy, the same object for every task of a run
    config_sha: str
    exercise_threads: int = 1  # exercises graded at once (grade_submission's exercise_threads)
    measure_speed: bool = False  # also time conv2d_forward and a LeNet step against the reference (autograder/speed.py)
    excluded: tuple[tuple[str, str], ...] = ()  # (exercise id, why it scores 0): nbgrader's notebooks not handed in


@dataclass
class GradeOutcome:
    key: str
    result: object | None = None  # a SubmissionResult
    error: str | None = None  # the grader itself failed (not the student's code)
    seconds: float = 0.0
    worker: str = field(default_factory=lambda: f"pid {os.getpid()}")


def limit_threads() -> None:
    """One thread for BLAS/OpenMP (and torch, when already imported) in this process."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != 1:
        torch.set_num_threads(1)


def init_pool_worker(parent_pid: int) -> None:
    """Initializer of a local pool worker: one thread, non-dumpable (it holds the seed), Ctrl-C left
    to the parent, exit with the parent."""
    from ..sandbox.child.lockdown import make_undumpable

    make_undumpable()
    limit_threads()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True, name="convlab-parent-watch").start()


def _exit_when_orphaned(parent_pid: int) -> None:
    # A batch killed with SIGKILL cannot stop its pool; its workers notice and leave.
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def grade_task(task: GradeTask) -> GradeOutcome:
    """Grade one task; any failure of the grader becomes GradeOutcome.error, never an exception."""
    from ..sandbox.child.lockdown import make_undumpable

    make_undumpable()  # a Dask worker too: it holds the seed while it grades
    limit_threads()
    started = time.perf_counter()
    outcome = GradeOutcome(task.key)
    try:
        if task.refusal is not None:
            outcome.result = _refused_result(task)
        else:
            outcome.result = _grade_files(task, task.files)
            _exclude(outcome.result, dict(task.excluded))
        outcome.result.submission = clean(task.name)
    except Exception:
        lines = traceback.format_exc().strip().splitlines()
        outcome.error = "\n".join(lines[-TRACEBACK_LINES:])
    outcome.seconds = round(time.perf_counter() - started, 3)
    return outcome


def _grade_files(task: GradeTask, files: dict[str, bytes]):
    from ..grade import grade_submission
    from ..sandbox import staging

    temporary = staging.make_session_folder(prefix="convlab-batch-")  # swept should this worker be killed
    try:
        folder = temporary / FOLDER_NAME
        folder.mkdir()
        for relative, data in files.items():
            path = folder.joinpath(*PurePosixPath(relative).parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return grade_submission(
            folder, seed=task.seed, seed_kind=task.seed_kind, config=task.config, lang=task.lang,
            measure_speed=task.measure_speed, exercise_threads=task.exercise_threads,
        )
    finally:
        staging.remove_session_folder(temporary)


_EMPTY_RESULTS: dict[tuple, object] = {}


def _refused_result(task: GradeTask):
    """Zero points in every check, each exercise saying why: the engine's empty-folder result, relabelled.

    The engine grades an empty folder once per worker and run (cheap: nothing to
    import); its structure gives the exercises, checks and points possible.
    """
    cache_key = (task.seed, task.seed_kind, task.lang, task.config_sha)
    if cache_key not in _EMPTY_RESULTS:
        _EMPTY_RESULTS[cache_key] = _grade_files(task, {})
    result = copy.deepcopy(_EMPTY_RESULTS[cache_key])
    for exercise in result.exercises:
        exercise.error = task.refusal
        for check in exercise.checks:
            check.cases = []
    return result


def _exclude(result, excluded: dict[str, str]) -> None:
    """Zero the exercises in excluded, each saying why (its notebook was not handed in)."""
    for exercise in result.exercises:
        if exercise.exercise_id in excluded:
            exercise.error = excluded[exercise.exercise_id]
            for check in exercise.checks:
                check.cases = []
