"""Read one submission safely into memory: the files a worker will grade, and what was refused.

The grader process reads student files as data only; nothing is executed or
unpacked onto disk here. A zip is checked entry by entry before anything is read:

- an entry with an absolute path, a drive letter or a `..` part refuses the whole zip
  (a crafted archive, not an accident);
- more than MAX_ENTRIES entries, more than MAX_TOTAL_BYTES unpacked, or an entry
  MAX_RATIO times larger unpacked than packed refuses it as a zip bomb; the sizes are
  counted while reading too, so a header that lies does not help;
- links (in a zip or in a folder) are not followed out of the submission: one that
  points inside it is read as the file it names, any other is left out with a note;
- names with control characters or bytes that are not UTF-8 are left out with a note.

The result is re-rooted where the modules are (the folder itself, its assignments/
folder, or the single folder a zip holds), as `convlab grade` looks for them.
"""
from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..paths import STUDENT_MODULES
from .discover import FOLDER, ZIP, Submission, printable_name
from .fingerprint import payload_fingerprint

MAX_ENTRIES = 2000
MAX_FILE_BYTES = 8 << 20
MAX_TOTAL_BYTES = 64 << 20
MAX_RATIO = 200
READ_CHUNK = 1 << 16
PACKAGE_FOLDER = "assignments"
PSEUDONYM_FILE = "pseudonym.txt"  # a student's chosen scoreboard name (or "opt-out")
PSEUDONYM_MAX_CHARS = 100
SKIPPED_FOLDERS = frozenset({"__pycache__", "__MACOSX", ".git", ".ipynb_checkpoints", ".pytest_cache"})


class Refused(Exception):
    """The submission cannot be graded at all; the message is for the student."""


@dataclass
class Intake:
    files: dict[str, bytes] = field(default_factory=dict)  # POSIX relative path -> content, re-rooted
    notes: list[str] = field(default_factory=list)  # what was left out, for the student and the CSV
    refusal: str | None = None  # why nothing could be graded (then files is empty)
    skip: str | None = None  # why this entry is not a submission at all (a stray file, an empty folder)
    pseudonym_choice: str | None = None  # first line of pseudonym.txt, if the student wrote one
    # nbgrader's layout: exercise id -> why it scores 0 (its notebook was not handed in; see
    # missing_notebooks). Its note is in notes too, so it is part of the fingerprint.
    excluded: dict[str, str] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return payload_fingerprint(self.files, tuple(self.notes), self.refusal)


# The refusal of a submission that holds no file (a batch skips an empty folder instead).
EMPTY = "the submission is empty: it holds no files"


def read_submission(submission: Submission, lang: str = "en") -> Intake:
    """The Intake of one submission; never raises for anything a student can put in it.

    An entry that is not a submission (a file that is not a zip, a link, a folder holding
    no files) gets `skip` set: the batch lists it as skipped and grades nothing.
    """
    intake = Intake()
    if submission.kind not in (FOLDER, ZIP):
        intake.skip = _not_a_submission(submission.path)
        return intake
    try:
        if submission.kind == FOLDER:
            files = _read_folder(submission.path, intake.notes)
        else:
            files = _read_zip(submission.path, intake.notes)
        if not files and submission.kind == FOLDER and not intake.notes:
            intake.skip = "an empty folder: it holds no files"
            return intake
        if not files:
            raise Refused(EMPTY)
    except Refused as refusal:
        intake.refusal = str(refusal)
        return intake
    except OSError as error:
        intake.refusal = f"the submission could not be read: {error.strerror or error}"
        return intake
    intake.pseudonym_choice = _pseudonym_choice(files)
    if submission.nbgrader:
        intake.excluded = missing_notebooks(files, lang)
        intake.notes += list(dict.fromkeys(intake.excluded.values()))
    root = _module_root(files)
    if root is None:
        names = ", ".join(f"{m}.py" for m in STUDENT_MODULES)
        intake.notes.append(f"none of the student modules ({names}) was found")
        root = ""
    intake.files = {path[len(root):]: data for path, data in files.items() if path.startswith(root)}
    return intake


def _not_a_submission(path: Path) -> str:
    if path.is_symlink():
        return "a link, not a folder or a .zip file"
    return "not a folder or a .zip file"


def _quoted(name: str) -> str:
    """name in single quotes, as printable text (control characters as \\xNN)."""
    return f"'{printable_name(name)}'"


def _clean_name(raw: str, notes: list[str]) -> str | None:
    """raw as a POSIX relative path, or None (with a note) when its name cannot be kept."""
    if any(not c.isprintable() for c in raw) or raw != raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace"):
        notes.append(f"left out {_quoted(raw)}: its name holds control characters or bytes that are not UTF-8")
        return None
    return raw


# ---------------------------------------------------------------- folders


def _read_folder(root: Path, notes: list[str]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    real_root = root.resolve()
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_FOLDERS and not _is_link(os.path.join(folder, d), notes, root))
        for name in sorted(names):
            path = Path(folder) / name
            relative = _clean_name(path.relative_to(root).as_posix(), notes)
            if relative is None or name.endswith(".pyc"):
                continue
            data = _read_folder_file(path, real_root, relative, notes)
            if data is None:
                continue
            if len(files) >= MAX_ENTRIES or total + len(data) > MAX_TOTAL_BYTES:
                notes.append(f"left out {_quoted(relative)} and what follows: the submission holds more than {MAX_ENTRIES} files or {MAX_TOTAL_BYTES >> 20} MB")
                return files
            files[relative] = data
            total += len(data)
    return files


def _is_link(path: str, notes: list[str], root: Path) -> bool:
    if os.path.islink(path):
        relative = Path(path).relative_to(root).as_posix()
        notes.append(f"left out {_quoted(relative)}: a link to a folder is not followed")
        return True
    return False


def _read_folder_file(path: Path, real_root: Path, relative: str, notes: list[str]) -> bytes | None:
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(real_root):
            notes.append(f"left out {_quoted(relative)}: it is a link that points outside the submission")
            return None
        path = target
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        notes.append(f"left out {_quoted(relative)}: {error.strerror or error}")
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            notes.append(f"left out {_quoted(relative)}: not a regular file")
            return None
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        notes.append(f"left out {_quoted(relative)}: larger than {MAX_FILE_BYTES >> 20} MB")
        return None
    return data


# ---------------------------------------------------------------- zips


def _read_zip(path: Path, notes: list[str]) -> dict[str, bytes]:
    if path.is_symlink():
        raise Refused(_not_a_submission(path))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise Refused(f"{printable_name(path.name)} is not a readable zip file ({error})") from None
    with archive:
        entries = _checked_entries(archive, notes)
        files: dict[str, bytes] = {}
        total = 0
        for info, name in entries:
            data = _read_entry(archive, info, name, MAX_TOTAL_BYTES - total)
            total += len(data)
            if name in files:
                notes.append(f"{_quoted(name)} appears twice in the zip: the last copy is used")
            files[name] = data
    return files


def _checked_entries(archive: zipfile.ZipFile, notes: list[str]) -> list[tuple[zipfile.ZipInfo, str]]:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise Refused(f"the zip holds {len(infos)} entries, more than the {MAX_ENTRIES} allowed")
    declared = sum(info.file_size for info in infos)
    if declared > MAX_TOTAL_BYTES:
        raise Refused(f"the zip would unpack to {declared / 1e6:,.0f} MB, more than the {MAX_TOTAL_BYTES >> 20} MB allowed (a zip bomb?)")
    kept = []
    for info in infos:
        raw = info.filename.replace("\\", "/")
        parts = PurePosixPath(raw).parts
        if raw.startswith("/") or (parts and len(parts[0]) == 2 and parts[0][1] == ":") or ".." in parts:
            raise Refused(f"the zip holds the entry {_quoted(info.filename)}, whose path leaves the submission folder: re-create the zip from your folder")
        if info.is_dir() or not parts or parts[0] in SKIPPED_FOLDERS or any(p in SKIPPED_FOLDERS for p in parts):
            continue
        name = _clean_name("/".join(p for p in parts if p != "."), notes)
        if name is None or name.endswith(".pyc"):
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            notes.append(f"left out {_quoted(name)}: links in a zip are not followed")
            continue
        if info.flag_bits & 0x1:
            raise Refused(f"the zip entry {_quoted(name)} is encrypted: upload a zip without a password")
        if info.file_size > MAX_FILE_BYTES:
            raise Refused(f"the zip entry {_quoted(name)} unpacks to {info.file_size / 1e6:,.0f} MB, more than the {MAX_FILE_BYTES >> 20} MB allowed per file")
        if info.compress_size and info.file_size > MAX_RATIO * info.compress_size and info.file_size > READ_CHUNK:
            raise Refused(f"the zip entry {_quoted(name)} unpacks {info.file_size // info.compress_size}x larger than it is packed (a zip bomb?)")
        kept.append((info, name))
    return kept


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: int) -> bytes:
    limit = min(MAX_FILE_BYTES, budget)
    chunks, size = [], 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(READ_CHUNK):
                size += len(chunk)
                if size > limit or size > info.file_size:
                    raise Refused(f"the zip entry {_quoted(name)} unpacks to more than its header says or than allowed (a zip bomb?)")
                chunks.append(chunk)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, ValueError, OSError) as error:
        raise Refused(f"the zip entry {_quoted(name)} cannot be unpacked ({error})") from None
    return b"".join(chunks)


# ---------------------------------------------------------------- where the modules are


def _module_root(files: dict[str, bytes]) -> str | None:
    """The folder prefix ("" or "x/") that holds the student modules, as `convlab grade` finds it."""
    candidates = ["", f"{PACKAGE_FOLDER}/"]
    tops = {path.split("/", 1)[0] for path in files if "/" in path}
    top_files = [path for path in files if "/" not in path]
    if len(tops) == 1 and not any(p.endswith(".py") for p in top_files):
        only = tops.pop()
        candidates += [f"{only}/", f"{only}/{PACKAGE_FOLDER}/"]
    for prefix in candidates:
        if any(f"{prefix}{module}.py" in files for module in STUDENT_MODULES):
            return prefix
    return None


def _pseudonym_choice(files: dict[str, bytes]) -> str | None:
    """The first non-empty line of the shallowest pseudonym.txt, cut to PSEUDONYM_MAX_CHARS."""
    found = sorted((path.count("/"), path) for path in files if PurePosixPath(path).name == PSEUDONYM_FILE)
    if not found or found[0][0] > 2:
        return None
    text = files[found[0][1]][: PSEUDONYM_MAX_CHARS * 4].decode("utf-8", "replace")
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:PSEUDONYM_MAX_CHARS]
    return None


# ---------------------------------------------------------------- nbgrader: notebooks not handed in


def missing_notebooks(files: dict[str, bytes], lang: str = "en") -> dict[str, str]:
    """exercise id -> note, for the exercises of every course notebook missing from an nbgrader submission.

    nbgrader gives a notebook that was not handed in 0 points without running it, whatever the
    student's modules hold; in nbgrader's layout convlab batch does the same, so both commands
    give the same points for the same files, and both print the same note.
    """
    from ..messages import catalog
    from ..notebooks.parts import parts

    present = {path for path in files if "/" not in path and path.endswith(".ipynb")}
    text = catalog(lang)
    excluded = {}
    for part in parts():
        notebook = f"{part.name}.ipynb"
        if notebook not in present:
            note = text.text("platform.notebook_missing", notebook=notebook, exercises=", ".join(part.exercises))
            excluded.update({exercise: note for exercise in part.exercises})
    return excluded
