"""`nbgrader autograde` for a whole course, one student per worker process, resumable.

Each worker is a spawned process that loads the course's nbgrader configuration once, as the
`nbgrader` command does in the course folder, and calls nbgrader's own API for one student at
a time (NbGraderAPI.autograde: the same Autograde converter, preprocessors and gradebook
writes as `nbgrader autograde ASSIGNMENT --student ID`). So gradebook.db, autograded/ and
what `nbgrader generate_feedback` makes of them are what serial autograding gives;
tests/test_autograde.py compares the two cell by cell. Students are independent in nbgrader
(their own folders, their own gradebook rows), so only the order of the gradebook's rows and
the kernels running side by side differ. The workers share gradebook.db; each write is a
short transaction, and SQLite's busy timeout is raised so none of them fails on a lock.

Resumable: when a student is done, COURSE/.convlab/autograde/<assignment>/<student>.json
records the submission's timestamp.txt. A rerun skips a student whose record matches and whose
autograded folder exists, and autogrades again (nbgrader's --force) a student whose submission
changed or whose run was cut short (a folder without a record). Killing the command loses only
the students being graded at that moment.

Notebooks not handed in: nbgrader gives their grade cells 0 without running them. The command
prints, per student, which notebooks were missing and which exercises that cost, in the words
`convlab batch` uses for the same rule (platform.notebook_missing).
"""
from __future__ import annotations

import json
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path

STATE_FOLDER = ".convlab/autograde"
TIMESTAMP_FILE = "timestamp.txt"
SQLITE_BUSY_SECONDS = 600
PARENT_POLL_SECONDS = 0.5
LOG_TAIL_LINES = 15

_API = None  # the worker's NbGraderAPI, made once by _init_worker


@dataclass(frozen=True)
class StudentTask:
    student: str
    force: bool  # nbgrader's --force: the submission changed, or an earlier run was cut short


@dataclass
class StudentOutcome:
    student: str
    success: bool
    seconds: float
    error: str = ""  # the tail of nbgrader's log and traceback when it failed


@dataclass
class AutogradeSummary:
    students: int = 0
    skipped: int = 0
    graded: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    missing_notebooks: dict[str, list[str]] = field(default_factory=dict)  # student -> notes


def submission_stamp(course: Path, assignment: str, student: str) -> str:
    """What identifies a submission: its timestamp.txt, else the newest modification time of its files."""
    folder = course / "submitted" / student / assignment
    stamp = folder / TIMESTAMP_FILE
    if stamp.is_file():
        return "timestamp " + stamp.read_text(encoding="utf-8", errors="replace").strip()
    newest = max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=0.0)
    return f"modified {newest:.6f}"


def state_path(course: Path, assignment: str, student: str) -> Path:
    return course / STATE_FOLDER / assignment / f"{student}.json"


def students_of(course: Path, assignment: str) -> list[str]:
    """The students with a submitted/<student>/<assignment>/ folder, sorted."""
    submitted = course / "submitted"
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if not p.name.startswith(".") and (p / assignment).is_dir())


def plan(course: Path, assignment: str, students: list[str], force: bool) -> tuple[list[StudentTask], int]:
    """(tasks, how many students are already done) for this run."""
    tasks, skipped = [], 0
    for student in students:
        done = (course / "autograded" / student / assignment).is_dir()
        try:
            record = json.loads(state_path(course, assignment, student).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = None
        current = record is not None and record.get("submission") == submission_stamp(course, assignment, student)
        if done and current and not force:
            skipped += 1
        else:
            tasks.append(StudentTask(student, force=force or done))
    return tasks, skipped


def missing_notebook_notes(course: Path, assignment: str, students: list[str], lang: str = "en") -> dict[str, list[str]]:
    """student -> one note per notebook of the assignment (in the gradebook) not handed in."""
    from nbgrader.api import Gradebook

    from ..messages import catalog

    text = catalog(lang)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebooks = [(nb.name, [cell.name.removeprefix("grade_") for cell in nb.grade_cells]) for nb in gradebook.find_assignment(assignment).notebooks]
    notes: dict[str, list[str]] = {}
    for student in students:
        folder = course / "submitted" / student / assignment
        for name, exercises in notebooks:
            if not (folder / f"{name}.ipynb").is_file():
                notes.setdefault(student, []).append(text.text("platform.notebook_missing", notebook=f"{name}.ipynb", exercises=", ".join(exercises)))
    return notes


# --- workers -----------------------------------------------------------------------------------------


def _init_worker(course: str, parent_pid: int) -> None:
    """Load the course's nbgrader configuration as `nbgrader` does in that folder; leave with the parent."""
    import signal

    global _API
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.chdir(course)
    from nbgrader.apps import NbGraderAPI
    from nbgrader.apps.nbgraderapp import NbGraderApp

    app = NbGraderApp()
    app.initialize([])
    config = app.config
    db = Path(course) / "gradebook.db"
    config.CourseDirectory.db_url = f"sqlite:///{db}?timeout={SQLITE_BUSY_SECONDS}"
    _API = NbGraderAPI(config=config)
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()


def _exit_when_orphaned(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _autograde_one(assignment: str, task: StudentTask) -> StudentOutcome:
    started = time.perf_counter()
    result = _API.autograde(assignment, task.student, force=task.force, create=True)
    seconds = round(time.perf_counter() - started, 3)
    if result.get("success"):
        return StudentOutcome(task.student, True, seconds)
    lines = (result.get("log", "") + "\n" + result.get("error", "")).strip().splitlines()
    return StudentOutcome(task.student, False, seconds, "\n".join(lines[-LOG_TAIL_LINES:]))


def run_tasks(course: Path, assignment: str, tasks: list[StudentTask], jobs: int) -> Iterator[StudentOutcome]:
    """Autograde the tasks on `jobs` spawned workers; yield each outcome as it finishes."""
    if not tasks:
        return
    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(max_workers=max(1, min(jobs, len(tasks))), mp_context=context, initializer=_init_worker, initargs=(str(course), os.getpid()))
    completed = False
    try:
        futures = {executor.submit(_autograde_one, assignment, task): task for task in tasks}
        waiting = set(futures)
        while waiting:
            done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            for future in done:
                task = futures[future]
                try:
                    yield future.result()
                except BrokenProcessPool:
                    yield StudentOutcome(task.student, False, 0.0, "the worker process died (out of memory, or killed): run the command again")
        completed = True
    finally:
        if completed:
            executor.shutdown(wait=True)
        else:
            processes = list(getattr(executor, "_processes", {}).values())
            executor.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                if process.is_alive():
                    process.terminate()


# --- the command's run ---------------------------------------------------------------------------------


def sync_duedate(course: Path, assignment: str, deadline) -> str | None:
    """Set the gradebook's due date to grading.toml's deadline (nbgrader's late check uses it); a note when changed."""
    from nbgrader.api import Gradebook

    if deadline is None:
        return None
    utc = deadline.astimezone(timezone.utc).replace(tzinfo=None)  # nbgrader stores naive UTC
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        current = gradebook.find_assignment(assignment).duedate
        if current == utc:
            return None
        gradebook.update_or_create_assignment(assignment, duedate=utc)
    return f"set the due date of {assignment} in gradebook.db to grading.toml's deadline {deadline.isoformat()} (was {current})"


def autograde_course(course: Path, assignment: str, *, jobs: int, students: list[str] | None = None, force: bool = False,
                     lang: str = "en", stream=None, progress=None) -> AutogradeSummary:
    """Autograde every (or each named) student of the course; see the module docstring."""
    stream = stream or sys.stderr
    course = Path(course).resolve()
    found = students_of(course, assignment)
    chosen = found if not students else [s for s in found if s in set(students)]
    summary = AutogradeSummary(students=len(chosen))
    tasks, summary.skipped = plan(course, assignment, chosen, force)
    summary.missing_notebooks = missing_notebook_notes(course, assignment, [t.student for t in tasks], lang)
    started = time.perf_counter()
    reporter = progress(len(tasks)) if progress else None
    for outcome in run_tasks(course, assignment, tasks, jobs):
        if outcome.success:
            summary.graded += 1
            path = state_path(course, assignment, outcome.student)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"submission": submission_stamp(course, assignment, outcome.student), "seconds": outcome.seconds}) + "\n", encoding="utf-8")
        else:
            summary.failed.append(outcome.student)
            print(f"convlab autograde: {outcome.student} failed:\n{outcome.error}", file=stream, flush=True)
        if reporter is not None:
            reporter.advance(outcome.student, f"{outcome.seconds:.0f} s" if outcome.success else "failed", failed=not outcome.success)
    if reporter is not None:
        reporter.finish()
    summary.seconds = time.perf_counter() - started
    return summary
