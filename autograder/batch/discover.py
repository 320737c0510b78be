"""Find the submissions in a folder: one entry per student.

Two layouts:

    SUBMISSIONS/alice/           a folder per student (the modules, or their assignments/ folder)
    SUBMISSIONS/bob.zip          or a zip per student
    SUBMISSIONS/notes.txt        anything else is a submission too, refused with a message

    SUBMISSIONS/submitted/<student_id>/<assignment>/...     nbgrader's exchange layout
    (SUBMISSIONS may be the course folder holding submitted/, or submitted/ itself)

Hidden entries (".DS_Store", ".git") are not submissions. Every submission gets a
`name` for people (the folder or zip name, or the nbgrader student id) and a `key`
for its result folder: the name itself when it is a plain file name, else a slug
plus a short hash of the raw name, so odd names (spaces, accents, newlines, bytes
that are not UTF-8) can neither collide nor escape RESULTS.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

NBGRADER_FOLDER = "submitted"
NBGRADER_TIMESTAMP = "timestamp.txt"
ZIP_SUFFIX = ".zip"
PLAIN_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SLUG_LENGTH = 40
KEY_HASH_LENGTH = 10
TIMESTAMP_MAX_CHARS = 64

FOLDER, ZIP, OTHER = "folder", "zip", "other"


class DiscoveryError(Exception):
    """The submissions folder cannot be read as either layout (the message says why)."""


@dataclass(frozen=True)
class Submission:
    name: str  # for people: folder or zip name, or the nbgrader student id (printable, UTF-8 safe)
    key: str  # the name of its result folder: unique, filesystem safe
    path: Path
    kind: str  # FOLDER, ZIP or OTHER (a stray file, a link: refused at intake)
    student: str  # who submitted it: the name, or the nbgrader student id
    # ISO 8601 UTC: nbgrader's timestamp.txt; a git checkout's HEAD commit time; else the newest
    # modification time of its files (a zip: the zip file's own)
    submitted_at: str | None
    nbgrader: bool = False  # from nbgrader's submitted/ layout: a notebook not handed in scores 0, as in nbgrader


def printable_name(raw: str) -> str:
    """raw as text every reporter can write: undecodable bytes become U+FFFD, control characters \\xNN."""
    text = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def result_key(raw: str) -> str:
    """The result folder's name for a submission named raw (see the module docstring)."""
    if PLAIN_KEY.fullmatch(raw) and not raw.endswith("."):
        return raw
    ascii_text = unicodedata.normalize("NFKD", printable_name(raw)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_text).strip("._-")[:SLUG_LENGTH] or "submission"
    digest = hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:KEY_HASH_LENGTH]
    return f"{slug}-{digest}"


def discover(root: Path, assignment: str | None = None) -> list[Submission]:
    """Every submission under root, sorted by name; raises DiscoveryError when root is unusable."""
    root = Path(root)
    if not root.is_dir():
        raise DiscoveryError(f"no such folder: {root}")
    nbgrader_root = _nbgrader_root(root)
    if nbgrader_root is not None:
        found = _discover_nbgrader(nbgrader_root, assignment)
    else:
        if assignment is not None:
            raise DiscoveryError(f"--assignment applies to nbgrader's layout, but {root} holds no {NBGRADER_FOLDER}/ folder")
        found = _discover_plain(root)
    keys: dict[str, str] = {}
    for submission in found:
        if submission.key in keys:
            raise DiscoveryError(f"two submissions share the result folder {submission.key!r}: {keys[submission.key]!r} and {submission.name!r}")
        keys[submission.key] = submission.name
    return sorted(found, key=lambda s: (s.name, s.key))


def is_nbgrader_course(root: Path) -> bool:
    """Whether root is laid out as nbgrader's course folder (it holds submitted/)."""
    return _nbgrader_root(Path(root)) is not None


def _nbgrader_root(root: Path) -> Path | None:
    if (root / NBGRADER_FOLDER).is_dir() and not (root / NBGRADER_FOLDER).is_symlink():
        return root / NBGRADER_FOLDER
    if root.name == NBGRADER_FOLDER:
        return root
    return None


def _visible_entries(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as entries:
        return sorted((e for e in entries if not e.name.startswith(".")), key=lambda e: e.name)


def _discover_plain(root: Path) -> list[Submission]:
    entries = _visible_entries(root)
    stems = {}
    for entry in entries:
        if entry.is_file(follow_symlinks=False) and entry.name.lower().endswith(ZIP_SUFFIX):
            stems[entry.name] = entry.name[: -len(ZIP_SUFFIX)]
    folder_names = {e.name for e in entries if e.is_dir(follow_symlinks=False)}
    found = []
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            kind, raw = FOLDER, entry.name
        elif entry.name in stems:
            kind = ZIP
            # alice/ and alice.zip side by side: the zip keeps its suffix so both are graded.
            raw = entry.name if stems[entry.name] in folder_names or not stems[entry.name] else stems[entry.name]
        else:
            kind, raw = OTHER, entry.name
        name = printable_name(raw)
        submitted_at = (commit_time(path) if kind == FOLDER else None) or _modified_at(path)
        found.append(Submission(name, result_key(raw), path, kind, name, submitted_at))
    return found


def _discover_nbgrader(submitted: Path, assignment: str | None) -> list[Submission]:
    students = [e for e in _visible_entries(submitted) if e.is_dir(follow_symlinks=False)]
    if assignment is None:
        names = sorted({a.name for s in students for a in _visible_entries(Path(s.path)) if a.is_dir(follow_symlinks=False)})
        if len(names) > 1:
            raise DiscoveryError(f"{submitted} holds several assignments ({', '.join(names)}): choose one with --assignment")
        assignment = names[0] if names else None
    found = []
    for student in students:
        folder = Path(student.path) / assignment if assignment else None
        if folder is None or not (folder.exists() or folder.is_symlink()):
            continue  # this student did not submit this assignment
        kind = FOLDER if folder.is_dir() and not folder.is_symlink() else OTHER
        name = printable_name(student.name)
        submitted_at = _nbgrader_timestamp(folder) if kind == FOLDER else None
        found.append(Submission(name, result_key(student.name), folder, kind, name, submitted_at or _modified_at(folder), nbgrader=True))
    return found


def _nbgrader_timestamp(folder: Path) -> str | None:
    """nbgrader's timestamp.txt ("2024-03-01 12:34:56.123456 UTC") as ISO 8601 UTC, if readable."""
    path = folder / NBGRADER_TIMESTAMP
    if path.is_symlink() or not path.is_file():
        return None
    text = path.read_bytes()[:TIMESTAMP_MAX_CHARS].decode("utf-8", "replace").strip()
    text = text.removesuffix(" UTC").removesuffix("Z")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


GIT_SECONDS = 10


def commit_time(folder: Path) -> str | None:
    """The committer time of HEAD when folder is a git checkout (GitHub Classroom), as ISO 8601 UTC.

    git reads the student's repository configuration, so the call overrides what could run a
    program there (fsmonitor, signature checks, a pager) and ignores the machine's own
    configuration. The time is the one the student's clock wrote into the commit.
    """
    if not (folder / ".git").exists():
        return None
    command = [
        "git", "--no-pager", "-c", "safe.directory=*", "-c", "core.fsmonitor=false", "-c", "log.showSignature=false",
        "-C", str(folder), "log", "-1", "--no-show-signature", "--format=%ct",
    ]
    environment = {"PATH": os.environ.get("PATH", ""), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
                   "GIT_TERMINAL_PROMPT": "0", "HOME": os.devnull, "LC_ALL": "C"}
    try:
        done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=GIT_SECONDS, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = done.stdout.strip()
    if done.returncode != 0 or not text.isdigit():
        return None
    return datetime.fromtimestamp(int(text), timezone.utc).isoformat(timespec="seconds")


def _modified_at(path: Path) -> str | None:
    """The newest modification time of path (a file, or the files of a folder), as ISO 8601 UTC."""
    try:
        newest = path.lstat().st_mtime
        if path.is_dir() and not path.is_symlink():
            for folder, _dirs, files in os.walk(path):
                for name in files:
                    newest = max(newest, os.lstat(os.path.join(folder, name)).st_mtime)
    except OSError:
        return None
    return datetime.fromtimestamp(newest, timezone.utc).isoformat(timespec="seconds")
