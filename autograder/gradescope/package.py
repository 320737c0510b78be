"""`convlab gradescope OUT.zip`: the autograder zip an instructor uploads to Gradescope.

    setup.sh                  files/setup.sh: Python >= 3.11, a venv, requirements.txt exactly
    run_autograder            files/run_autograder: runs autograder.gradescope.run
    requirements.txt          numpy==<the version this grader runs with>, torch==2.13.0
    hidden_seed               the course's hidden seed (read and deleted by each run)
    gradescope.json           the build's settings: message language, grader version,
                              allow_weak_isolation, and the course assignment
                              (grading.toml's `assignment`) this Gradescope assignment grades
    fallback_results.json     the results.json run_autograder copies when the grader cannot start
    convlab/grading.toml      the grading policy
    convlab/autograder/...    the grader's source (no solutions: reference/ is not in the zip)

Files are written in sorted order with a fixed date, so two builds with the same inputs
differ only where the inputs do.
"""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from .. import __version__
from ..paths import REPO_ROOT

FILES_DIR = Path(__file__).resolve().parent / "files"
PACKAGE_DIR = REPO_ROOT / "autograder"
TORCH_VERSION = "2.13.0"  # the only torch the grader is tested with (never unpinned)
# What the grader imports besides torch and the standard library (rich with what it imports).
PINNED_FROM_ENVIRONMENT = ("numpy", "rich", "markdown-it-py", "mdurl", "pygments")
FIXED_DATE = (2020, 1, 1, 0, 0, 0)
EXECUTABLE, READ_WRITE, OWNER_ONLY = 0o755, 0o644, 0o600
SKIPPED_PARTS = frozenset({"__pycache__", ".pytest_cache", ".ipynb_checkpoints"})


@dataclass
class BuildSummary:
    path: Path
    files: int
    bytes: int


def requirements_text() -> str:
    """requirements.txt: exact versions of what the grader imports besides the standard library."""
    lines = [f"{name}=={version(name).split('+')[0]}" for name in PINNED_FROM_ENVIRONMENT]
    return "\n".join([*lines, f"torch=={TORCH_VERSION}"]) + "\n"


def _grader_files() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE_DIR.rglob("*")):
        relative = path.relative_to(PACKAGE_DIR)
        if path.is_file() and not SKIPPED_PARTS.intersection(relative.parts) and path.suffix != ".pyc":
            found.append((f"convlab/autograder/{relative.as_posix()}", path))
    return found


def _add(archive: zipfile.ZipFile, name: str, data: bytes, mode: int = READ_WRITE) -> None:
    info = zipfile.ZipInfo(name, FIXED_DATE)
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def build_zip(out: Path, seed: int, grading_toml: Path, lang: str = "en", assignment: str | None = None,
              allow_weak_isolation: bool = False) -> BuildSummary:
    """Write the autograder zip to out; see the module docstring for what it holds."""
    from .run import SEED_FILE, SETTINGS_FILE, failure_document

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    entries: list[tuple[str, bytes, int]] = [
        ("setup.sh", (FILES_DIR / "setup.sh").read_bytes(), EXECUTABLE),
        ("run_autograder", (FILES_DIR / "run_autograder").read_bytes(), EXECUTABLE),
        ("requirements.txt", requirements_text().encode(), READ_WRITE),
        (SEED_FILE, f"{int(seed)}\n".encode(), OWNER_ONLY),
        (SETTINGS_FILE, json.dumps({"lang": lang, "grader_version": __version__, "assignment": assignment,
                                    "allow_weak_isolation": allow_weak_isolation}, indent=1).encode() + b"\n", READ_WRITE),
        ("fallback_results.json", json.dumps(failure_document(lang), ensure_ascii=False, indent=1).encode() + b"\n", READ_WRITE),
        ("convlab/grading.toml", Path(grading_toml).read_bytes(), READ_WRITE),
    ]
    entries += [(name, path.read_bytes(), READ_WRITE) for name, path in _grader_files()]
    with zipfile.ZipFile(temporary, "w") as archive:
        for name, data, mode in entries:
            _add(archive, name, data, mode)
    temporary.replace(out)
    return BuildSummary(out, len(entries), out.stat().st_size)
