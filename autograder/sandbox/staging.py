"""The session's temporary folder, and the student files copied into it.

    <tmp>/grader                        the pid and start time of the grader that owns the folder
    <tmp>/work/submission/__init__.py   empty: one module's import error never breaks another's
    <tmp>/work/submission/<module>.py   the whitelisted student modules, regular files only
    <tmp>/site/numpy                    a link to numpy (host.link_site_dirs)
    <tmp>/root                          the mount point of the child's private root (when it gets one)
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from ..paths import STUDENT_MODULES
from .reaping import start_time

MAX_MODULE_BYTES = 1 << 20
TEMP_PREFIX = "convlab-sandbox-"
# Every temporary folder convlab makes starts with one of these and holds an OWNER_FILE.
OWNED_PREFIXES = (TEMP_PREFIX, "convlab-batch-")


OWNER_FILE = "grader"  # "<pid> <start time>" of the grader process that made the folder


def session_root() -> Path:
    """Where session folders are made."""
    return Path(tempfile.gettempdir())


def make_session_folder(prefix: str = TEMP_PREFIX) -> Path:
    """A new temporary folder that names the grader process owning it (sweep_stale_folders reads that)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    (folder / OWNER_FILE).write_text(f"{os.getpid()} {start_time(os.getpid())}")
    return folder


def process_name(folder: Path) -> str:
    """The name (/proc/<pid>/comm, what ps shows) of the processes a fork-server session starts
    in folder: their command line is the fork server's, so the name says whose they are."""
    name = Path(folder).name
    return "cvl-" + (name[len(TEMP_PREFIX):] if name.startswith(TEMP_PREFIX) else name)[:11]


def sweep_stale_folders() -> list[Path]:
    """Remove the temporary folders (sandbox sessions, batch workers' copies of submissions) of
    graders that died without removing them, a batch killed with SIGKILL say; return them."""
    removed = []
    for folder in (f for prefix in OWNED_PREFIXES for f in Path(tempfile.gettempdir()).glob(prefix + "*")):
        try:
            pid, started = (folder / OWNER_FILE).read_text().split()
        except (OSError, ValueError):
            continue  # being created right now, or not ours
        if start_time(int(pid)) != started:
            remove_session_folder(folder)
            removed.append(folder)
    return removed


def stage_submission(submission_dir: Path, folder: Path, owner: int | None) -> list[str]:
    """Copy the student modules of submission_dir into folder/work/submission; return the names copied.

    A module that is missing, not a regular file (a symlink, a folder, a fifo) or
    larger than MAX_MODULE_BYTES is left out: importing it then fails in the child
    with a message that names the file.
    """
    package = folder / "work" / "submission"
    package.mkdir(parents=True)
    (package / "__init__.py").write_bytes(b"")
    copied = []
    for module in STUDENT_MODULES:
        data = _read_regular_file(Path(submission_dir) / f"{module}.py")
        if data is not None:
            (package / f"{module}.py").write_bytes(data)
            copied.append(module)
    if owner is not None:
        for path in (folder / "work", package):
            os.chown(path, owner, owner)
    return copied


def _read_regular_file(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_MODULE_BYTES:
            return None
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(MAX_MODULE_BYTES + 1)
        return data if len(data) <= MAX_MODULE_BYTES else None
    finally:
        os.close(fd)


def remove_session_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    if folder.exists():  # a file the child made read-only, or a folder it made unsearchable
        for path in [folder, *folder.rglob("*")]:
            try:
                os.chmod(path, 0o700, follow_symlinks=False)
            except (OSError, NotImplementedError):
                pass
        shutil.rmtree(folder, ignore_errors=True)
