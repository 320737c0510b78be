"""From one source, several outputs: the stubs in assignments/ and the student release.

`convlab release` writes assignments/<module>.py for every reference/<module>.py. Inside a
function or method, each solution block becomes two lines at the block's indentation: a
task marker comment and `raise NotImplementedError`. A solution block outside any function
(a private helper, an import only the solution needs) is removed. Everything else,
docstrings included, is kept verbatim; a file without solution blocks is copied as it is.
assignments/.generated.json records the SHA-256 of every file as generated, so a file edited
by hand (neither what was generated nor what reference/ now gives) is told from a stale one:
`convlab release --check` shows its diff, and `convlab release` rewrites stale files but leaves
an edited one alone unless --force is given.

`convlab student-release OUT` writes what students get into OUT: the stubs and visible
tests, the grader (which holds no solutions), grading.toml, a pyproject.toml, the student
README and requirements.txt, and MANIFEST.json listing every file with its SHA-256. Its
autograder/edition.json makes its command line offer only the students' commands.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import hashlib
import io
import json
import re
import shutil
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .edition import EDITION_FILE, student_edition_text
from .paths import ASSIGNMENTS_DIR, GRADING_TOML, REFERENCE_DIR, REPO_ROOT

# Spelled in two pieces so that this file, which ships with the grader, never holds a marker.
BEGIN_MARKER = "### BEGIN " + "SOLUTION"
END_MARKER = "### END " + "SOLUTION"
# A near-miss (wrong case, missing '#', plural) would otherwise ship its solution silently.
NEAR_MISS_MARKER = re.compile(r"^#+\s*(BEGIN|END)\s*SOLUTIONS?\b", re.IGNORECASE)

GENERATED_HEADER = (
    "# Generated from reference/ by `convlab release`. This is your copy to edit: replace\n"
    "# each TODO(student) and the raise below it with your implementation.\n"
)
TASK_MARKER = "# TODO(student): implement {name} — see the docstring above."
TASK_RAISE = 'raise NotImplementedError("{name}: not implemented yet")'

# Top-level files of assignments/ written by hand, not generated from reference/. The provided
# data.py, training.py and transforms.py live only there (reference/training.py loads
# assignments/training.py; nothing of the reference needs the transforms).
HAND_WRITTEN = frozenset({"conftest.py", "data.py", "training.py", "transforms.py"})

AUTOGRADER_DIR = Path(__file__).resolve().parent
STUDENT_DOCS_DIR = REPO_ROOT / "docs" / "student"
MANIFEST_NAME = "MANIFEST.json"
# Never shipped, wherever they appear under a shipped folder.
JUNK_NAMES = frozenset({"__pycache__", ".hypothesis", ".pytest_cache"})
JUNK_SUFFIXES = (".pyc", ".pyo", ".egg-info")


class ReleaseError(Exception):
    """A reference file, or a release request, that cannot be turned into a release."""


@dataclass(frozen=True)
class SolutionBlock:
    """One solution block: its marker lines (1-based), their indentation, and its owner.

    owner is the dotted name of the innermost enclosing function or method
    ("conv2d_forward", "LeNet.forward"), or None for a block outside any function.
    """

    begin: int
    end: int
    indent: str
    owner: str | None


# ---------------------------------------------------------------- reference/ -> stubs


def find_solution_blocks(source: str, filename: str) -> list[SolutionBlock]:
    """The solution blocks of one reference file, in order; ReleaseError names file:line of any fault.

    Markers are comments standing alone on their line (a marker inside a string is text,
    not a marker). Blocks must be balanced, not nested, their two markers equally
    indented, and each block must hold at least one statement.
    """
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as error:
        raise ReleaseError(f"{filename}:{error.lineno}: not valid Python: {error.msg}") from error
    lines = source.splitlines()
    pairs = []
    opened: tuple[int, str] | None = None
    for row, text, indent in _marker_comments(source, lines, filename):
        where = f"{filename}:{row}"
        if text == BEGIN_MARKER:
            if opened is not None:
                raise ReleaseError(
                    f"{where}: {BEGIN_MARKER} inside the block opened at line {opened[0]}; blocks cannot nest"
                )
            opened = (row, indent)
        elif opened is None:
            raise ReleaseError(f"{where}: {END_MARKER} without a {BEGIN_MARKER} before it")
        elif indent != opened[1]:
            raise ReleaseError(
                f"{where}: {END_MARKER} is indented differently from its {BEGIN_MARKER} at line {opened[0]}"
            )
        else:
            pairs.append((opened[0], row, indent))
            opened = None
    if opened is not None:
        raise ReleaseError(f"{filename}:{opened[0]}: {BEGIN_MARKER} is never closed by {END_MARKER}")

    statement_lines = {node.lineno for node in ast.walk(tree) if isinstance(node, ast.stmt)}
    functions = list(_functions(tree))
    blocks = []
    for begin, end, indent in pairs:
        inside = [line for line in statement_lines if begin < line < end]
        if not inside:
            raise ReleaseError(f"{filename}:{begin}: the solution block holds no code")
        # The innermost function whose body goes on past the BEGIN marker owns the block.
        owners = [(node.lineno, node, name) for node, name in functions if node.lineno < begin < node.end_lineno]
        _, node, owner = max(owners, key=lambda found: found[0]) if owners else (0, None, None)
        if node is not None and max(inside) > node.end_lineno:
            raise ReleaseError(f"{filename}:{begin}: the solution block runs past the end of {owner}")
        blocks.append(SolutionBlock(begin, end, indent, owner))
    return blocks


def _marker_comments(source: str, lines: list[str], filename: str) -> Iterator[tuple[int, str, str]]:
    """(line, marker, indentation) of every marker comment of valid Python; near-miss spellings raise."""
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        text = token.string.strip()
        row, column = token.start
        if text in (BEGIN_MARKER, END_MARKER):
            before = lines[row - 1][:column]
            if before.strip():
                raise ReleaseError(f"{filename}:{row}: {text} must stand alone on its line")
            yield row, text, before
        elif NEAR_MISS_MARKER.match(text):
            raise ReleaseError(
                f"{filename}:{row}: malformed marker {text!r}: write {BEGIN_MARKER!r} or {END_MARKER!r}"
            )


def _functions(node: ast.AST, prefix: str = "") -> Iterator[tuple[ast.AST, str]]:
    """Every function and method under node, with its dotted name (classes name their methods)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = prefix + child.name
            if not isinstance(child, ast.ClassDef):
                yield child, name
            yield from _functions(child, name + ".")
        else:
            yield from _functions(child, prefix)


def make_stub(source: str, filename: str) -> str:
    """The student's version of one reference file (see the module docstring).

    A file without solution blocks comes back unchanged; any other gets GENERATED_HEADER.
    Removing a block outside a function merges the blank lines around it into the longer
    of the two runs, so no new blank-line runs appear. The result is compiled: a stub that
    is not valid Python raises ReleaseError.
    """
    blocks = find_solution_blocks(source, filename)
    if not blocks:
        return source
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    position = 0  # index of the next reference line to copy
    for block in blocks:
        out.extend(lines[position:block.begin - 1])
        position = block.end
        if block.owner is not None:
            out.append(f"{block.indent}{TASK_MARKER.format(name=block.owner)}\n")
            out.append(f"{block.indent}{TASK_RAISE.format(name=block.owner)}\n")
            continue
        blank_before = 0
        while out and not out[-1].strip():
            out.pop()
            blank_before += 1
        blank_after = 0
        while position + blank_after < len(lines) and not lines[position + blank_after].strip():
            blank_after += 1
        position += blank_after
        if out and position < len(lines):
            out.extend(["\n"] * max(blank_before, blank_after))
    out.extend(lines[position:])
    stub = GENERATED_HEADER + "".join(out)
    try:
        compile(stub, filename, "exec", dont_inherit=True)
    except SyntaxError as error:
        raise ReleaseError(
            f"{filename}: its stub is not valid Python (stub line {error.lineno}: {error.msg})"
        ) from error
    return stub


def render_assignments(reference_dir: Path = REFERENCE_DIR) -> dict[str, str]:
    """File name -> generated text, for every top-level .py file of reference_dir but the hand-written ones.

    Raises ReleaseError when reference_dir holds no .py file: without the solutions there is
    nothing to generate from (a student release has no reference/), and an empty rendering
    would make every stub look left over.
    """
    sources = sorted(path for path in reference_dir.glob("*.py") if path.name not in HAND_WRITTEN)
    if not sources:
        raise ReleaseError(
            f"no reference solutions in {_display(reference_dir)}/: `convlab release` runs in the "
            "course's repository, which holds reference/, never in a student release"
        )
    return {path.name: make_stub(path.read_text(encoding="utf-8"), _display(path)) for path in sources}


# ---------------------------------------------------------------- is assignments/ current?

# assignments/RECORD_NAME holds the SHA-256 of every file as `convlab release` last wrote it.
# A file that still has its recorded hash but no longer matches reference/ is stale and may
# be rewritten; a file whose hash is neither the recorded one nor the one reference/ gives
# was edited by hand, and is only overwritten with --force. (A dot-file: never released.)
RECORD_NAME = ".generated.json"
RECORD_ABOUT = (
    "Written by `convlab release`: the SHA-256 of each file of assignments/ as it was generated "
    "from reference/, so that a file edited by hand is never overwritten without --force."
)
# Kinds of FileState. Rewriting or removing these loses nothing ...
STALE_KINDS = ("missing", "stale", "left_over", "unrecorded")
# ... while these hold an edit made by hand.
EDITED_KINDS = ("edited", "left_over_edited")
MAX_DIFF_LINES = 60


@dataclass(frozen=True)
class FileState:
    """A generated file of assignments/ that is not current: what kind, why, and any edit's diff."""

    kind: str  # one of STALE_KINDS or EDITED_KINDS
    reason: str
    diff: str = ""  # an edited file: how it differs from what `convlab release` writes now

    @property
    def edited(self) -> bool:
        return self.kind in EDITED_KINDS


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_record(assignments_dir: Path) -> dict[str, str]:
    """File name -> SHA-256 as last generated; empty when there is no (readable) record."""
    try:
        data = json.loads((assignments_dir / RECORD_NAME).read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {str(name): str(digest) for name, digest in files.items()} if isinstance(files, dict) else {}


def record_text(hashes: dict[str, str]) -> str:
    """The record file's text (sorted, so it changes only when a generated file does)."""
    return json.dumps({"about": RECORD_ABOUT, "files": dict(sorted(hashes.items()))}, indent=2) + "\n"


def file_states(reference_dir: Path = REFERENCE_DIR, assignments_dir: Path = ASSIGNMENTS_DIR) -> dict[str, FileState]:
    """File name -> FileState, for every generated file of assignments_dir that is not current.

    Current means: the file is what reference_dir generates and the record says so. Files
    written by hand (HAND_WRITTEN) are never looked at.
    """
    return _states(render_assignments(reference_dir), reference_dir, assignments_dir)


def _states(expected: dict[str, str], reference_dir: Path, assignments_dir: Path) -> dict[str, FileState]:
    record = read_record(assignments_dir)
    states: dict[str, FileState] = {}
    source = _display(reference_dir)
    for name, text in expected.items():
        target = assignments_dir / name
        if not target.is_file():
            states[name] = FileState("missing", "missing")
            continue
        current = target.read_text(encoding="utf-8")
        digest = sha256_text(current)
        if current == text:
            if record.get(name) != digest:
                states[name] = FileState("unrecorded", f"current, but {RECORD_NAME} does not record it")
        elif record.get(name) == digest:
            states[name] = FileState("stale", f"out of date with {source}/{name}")
        else:
            states[name] = FileState(
                "edited",
                f"edited by hand: it is neither what `convlab release` last wrote nor what {source}/{name} generates",
                _diff(text, current, f"{_display(assignments_dir)}/{name}", f"{source}/{name}"),
            )
    for path in sorted(assignments_dir.glob("*.py")):
        if path.name in expected or path.name in HAND_WRITTEN:
            continue
        gone = f"{source}/{path.name} does not exist"
        if record.get(path.name) == sha256_text(path.read_text(encoding="utf-8")):
            states[path.name] = FileState("left_over", f"left over: {gone}")
        else:
            states[path.name] = FileState("left_over_edited", f"left over and not as `convlab release` wrote it: {gone}")
    return states


def _diff(generated: str, current: str, shown: str, source: str) -> str:
    """A unified diff from what `convlab release` would write to the file as it is."""
    lines = list(difflib.unified_diff(
        generated.splitlines(keepends=True), current.splitlines(keepends=True),
        fromfile=f"{shown} (generated from {source})", tofile=f"{shown} (as it is)", n=2,
    ))
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + [f"... and {len(lines) - MAX_DIFF_LINES} more lines of difference\n"]
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines).rstrip("\n")


def stale_files(reference_dir: Path = REFERENCE_DIR, assignments_dir: Path = ASSIGNMENTS_DIR) -> dict[str, str]:
    """File name -> why it is not current, for every generated file of assignments_dir that is
    missing, stale, edited by hand, left over, or missing from the record (see file_states)."""
    return {name: state.reason for name, state in file_states(reference_dir, assignments_dir).items()}


def edit_advice(names: list[str], reference_shown: str = "reference") -> str:
    """What to do about files edited by hand."""
    listed = ", ".join(names)
    return (
        f"edited by hand: {listed}. To keep an edit, make it in {reference_shown}/ (the source) and run "
        f"`convlab release --force`; to discard it, run `convlab release --force`"
    )


def sync_assignments(reference_dir: Path, assignments_dir: Path, *, check: bool, force: bool = False) -> int:
    """Bring assignments_dir up to date (check=False) or only report what is not (check=True).

    A file edited by hand is shown with its diff and left as it is unless force is set.
    Returns the exit code: 0 when everything is current afterwards, 1 when check found
    something to do or an edited file was left alone.
    """
    expected = render_assignments(reference_dir)
    states = _states(expected, reference_dir, assignments_dir)
    shown = _display(assignments_dir)
    if not states:
        print(f"{shown}/ is up to date with {_display(reference_dir)}/")
        return 0
    edited = sorted(name for name, state in states.items() if state.edited)
    if check:
        for name, state in states.items():
            print(f"{'edited' if state.edited else 'stale'}: {shown}/{name}: {state.reason}")
            if state.diff:
                print(state.diff)
        if edited:
            print(edit_advice([f"{shown}/{name}" for name in edited], _display(reference_dir)))
        if len(edited) < len(states):
            print("run `convlab release` to regenerate the stale ones" if edited else "run `convlab release` to regenerate them")
        return 1
    assignments_dir.mkdir(parents=True, exist_ok=True)
    record = read_record(assignments_dir)
    kept = []
    for name, state in states.items():
        target = assignments_dir / name
        if state.edited and not force:
            kept.append(name)
            print(f"kept {shown}/{name}: {state.reason}")
            if state.diff:
                print(state.diff)
        elif name in expected:
            if state.kind != "unrecorded":
                target.write_text(expected[name], encoding="utf-8")
                print(f"wrote {shown}/{name}" + (" (its edit discarded: --force)" if state.edited else ""))
        else:
            target.unlink()
            print(f"removed {shown}/{name}" + (" (--force)" if state.edited else ""))
    hashes = {name: sha256_text(text) for name, text in expected.items()}
    hashes.update({name: record[name] for name in kept if name in record})  # an edit stays an edit
    for name in kept:
        if name not in record:
            hashes.pop(name, None)
    record_path = assignments_dir / RECORD_NAME
    if not record_path.is_file() or record_path.read_text(encoding="utf-8") != record_text(hashes):
        record_path.write_text(record_text(hashes), encoding="utf-8")
    if kept:
        print(edit_advice([f"{shown}/{name}" for name in kept], _display(reference_dir)))
        return 1
    return 0


def release_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="list what is not current in assignments/ (with the diff of any file edited by hand) and exit 1, without writing anything",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="also overwrite files of assignments/ that were edited by hand (their edits are lost)",
    )


def release(args: argparse.Namespace) -> int:
    try:
        return sync_assignments(REFERENCE_DIR, ASSIGNMENTS_DIR, check=args.check, force=args.force)
    except ReleaseError as error:
        print(f"convlab release: {error}", file=sys.stderr)
        return 2


# ---------------------------------------------------------------- the student release


def student_files() -> dict[str, bytes]:
    """Release path -> content of every file students get (MANIFEST.json aside).

    Raises ReleaseError when assignments/ is stale or any file holds a solution marker.
    """
    states = file_states(REFERENCE_DIR, ASSIGNMENTS_DIR)
    edited = sorted(name for name, state in states.items() if state.edited)
    if edited:
        diffs = "\n".join(states[name].diff for name in edited if states[name].diff)
        advice = edit_advice([f"assignments/{name}" for name in edited])
        raise ReleaseError(f"{advice}; then build the release again" + (f"\n{diffs}" if diffs else ""))
    if states:
        names = ", ".join(sorted(states))
        raise ReleaseError(f"assignments/ is out of date with reference/ ({names}); run `convlab release` first")
    files = {}
    for folder in (ASSIGNMENTS_DIR, AUTOGRADER_DIR):
        for path in _shipped_files(folder):
            files[f"{folder.name}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    files["grading.toml"] = GRADING_TOML.read_bytes()
    files["README.md"] = (STUDENT_DOCS_DIR / "README.md").read_bytes()
    requirements = (STUDENT_DOCS_DIR / "requirements.txt").read_text(encoding="utf-8")
    files["requirements.txt"] = requirements.encode()
    files["pyproject.toml"] = student_pyproject(requirements).encode()
    # The student release offers only the students' commands (see autograder/edition.py).
    files[f"autograder/{EDITION_FILE}"] = student_edition_text().encode()
    # Students who keep their work in a repository get `convlab check` on every push.
    files[".github/workflows/student-check.yml"] = STUDENT_WORKFLOW.read_bytes()
    markers = (BEGIN_MARKER.encode(), END_MARKER.encode())
    leaks = sorted(name for name, data in files.items() if any(marker in data for marker in markers))
    if leaks:
        raise ReleaseError(f"refusing to release files that hold a solution marker: {', '.join(leaks)}")
    return files


STUDENT_WORKFLOW = REPO_ROOT / ".github" / "workflows" / "student-check.yml"


def _shipped_files(folder: Path) -> Iterator[Path]:
    """The regular files under folder, without caches, build debris, hidden files or links."""
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if any(part in JUNK_NAMES or part.startswith(".") or part.endswith(JUNK_SUFFIXES) for part in parts):
            continue
        if path.is_file() and not path.is_symlink():
            yield path


def student_pyproject(requirements: str) -> str:
    """The release's pyproject.toml: the `convlab` command and, as dependencies, requirements.txt."""
    dependencies = "".join(f"    {json.dumps(line)},\n" for line in _requirement_lines(requirements))
    return f"""\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "convlab"
version = "{__version__}"
description = "Convolutional neural networks from the lecture, in numpy, and the checker for your solutions."
readme = "README.md"
requires-python = ">=3.11"
dependencies = [
{dependencies}]

[project.scripts]
convlab = "autograder.cli:main"

[tool.setuptools.packages.find]
include = ["autograder*"]

[tool.setuptools.package-data]
autograder = ["**/*.toml", "**/*.json", "**/*.html", "**/*.css", "**/*.js"]

[tool.pytest.ini_options]
testpaths = ["assignments"]
"""


def _requirement_lines(requirements: str) -> list[str]:
    """The package requirements of a requirements.txt: no comments, no pip options."""
    lines = (line.split(" #")[0].strip() for line in requirements.splitlines())
    return [line for line in lines if line and not line.startswith(("#", "-"))]


def build_student_release(out: Path, *, force: bool = False) -> dict:
    """Write the student release into out and return its manifest (also written as MANIFEST.json).

    out must be empty or absent; with force its contents are deleted first. Nothing is
    written when the release cannot be built.
    """
    files = student_files()
    out = _prepare_out(out, force)
    for name, data in files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    manifest = {
        "convlab_version": __version__,
        "files": [
            {"path": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in sorted(files.items())
        ],
    }
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _prepare_out(out: Path, force: bool) -> Path:
    """out resolved and empty; refuses to touch the repository or the folders the release reads."""
    out = out.resolve()
    # A folder inside the repository (e.g. release/) is fine, but not inside a source folder.
    if out == REPO_ROOT or out in REPO_ROOT.parents:
        raise ReleaseError(f"{out} holds the course repository; choose another folder")
    for folder in (REFERENCE_DIR, ASSIGNMENTS_DIR, AUTOGRADER_DIR, STUDENT_DOCS_DIR):
        if out == folder or folder in out.parents or out in folder.parents:
            raise ReleaseError(f"{out} overlaps {_display(folder)}/, which the release is built from")
    if out.exists() and not out.is_dir():
        raise ReleaseError(f"{out} exists and is not a folder")
    if out.exists() and any(out.iterdir()):
        if not force:
            changed = changed_since_release(out)
            work = f" ({len(changed)} files differ from its {MANIFEST_NAME}, e.g. {', '.join(changed[:3])}: someone's work?)" if changed else ""
            raise ReleaseError(f"{out} is not empty{work}; pass --force to replace its contents")
        for child in out.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    out.mkdir(parents=True, exist_ok=True)
    return out


def changed_since_release(folder: Path) -> list[str]:
    """Files of an earlier release in folder that were changed or added since (per its MANIFEST.json).

    Empty when folder holds no readable manifest.
    """
    try:
        listed = {entry["path"]: entry["sha256"] for entry in json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return []
    changed = []
    for path in _shipped_files(folder):
        name = path.relative_to(folder).as_posix()
        if name != MANIFEST_NAME and listed.get(name) != hashlib.sha256(path.read_bytes()).hexdigest():
            changed.append(name)
    return changed


def student_release_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", type=Path, metavar="OUT", help="folder to write the release into (empty or absent)")
    parser.add_argument("--force", action="store_true", help="delete the contents of a non-empty OUT first")


def student_release(args: argparse.Namespace) -> int:
    try:
        manifest = build_student_release(args.out, force=args.force)
    except ReleaseError as error:
        print(f"convlab student-release: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(manifest['files'])} files to {args.out} (listed in {MANIFEST_NAME})")
    return 0


def _display(path: Path) -> str:
    """path relative to the repository when it lies inside it (for messages), else as given."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)
