"""Build submission folders for the project's tests: the reference with planted changes.

A planted change is an exact text replacement in one reference module, so a test
names the one line a student got wrong. A replacement whose text no longer occurs
exactly once in the reference raises, so a reference edit cannot silently turn a
planted mistake into a correct submission.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from autograder.paths import ASSIGNMENTS_DIR, PROVIDED_MODULES, REFERENCE_DIR, STUDENT_MODULES
from samples.mistakes import replace_once

Replacement = tuple[str, str]


def build_submission(
    dest: Path,
    replacements: dict[str, list[Replacement]] | None = None,
    extra_files: dict[str, str | bytes] | None = None,
    omit: tuple[str, ...] = (),
    appends: dict[str, str] | None = None,
    base: Path = REFERENCE_DIR,
) -> Path:
    """Copy the modules of `base` (the reference) into dest, then apply replacements and add extra files.

    replacements: module name (e.g. "conv_forward") -> [(old, new), ...]
    extra_files: relative path -> content, written as given (e.g. a hostile conftest.py)
    omit: module names to leave out, as a student who forgot a file
    appends: module name -> source added at the end of that module (a subclass, say)
    base: the folder copied (a module it lacks comes from the reference)
    """
    dest.mkdir(parents=True, exist_ok=True)
    for module in STUDENT_MODULES + PROVIDED_MODULES:
        if module in omit:
            continue
        # The provided modules' one copy is assignments/'s (reference/training.py only loads it).
        home = REFERENCE_DIR if module in STUDENT_MODULES or module == "__init__" else ASSIGNMENTS_DIR
        source = Path(base) / f"{module}.py" if module in STUDENT_MODULES else None
        shutil.copyfile(source if source is not None and source.is_file() else home / f"{module}.py",
                        dest / f"{module}.py")
    for module, pairs in (replacements or {}).items():
        path = dest / f"{module}.py"
        path.write_text(replace_once(path.read_text(), pairs, f"{module}.py"))
    for module, source in (appends or {}).items():
        path = dest / f"{module}.py"
        path.write_text(path.read_text().rstrip("\n") + "\n\n\n" + source.strip("\n") + "\n")
    for relative, content in (extra_files or {}).items():
        path = dest / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return dest


_packages: list[str] = []


def importable_package(folder: Path, root: Path) -> str:
    """The submission in folder as a package of its own under root, importable by the name
    returned (the visible tests' view of it: their caller imports the student's package)."""
    import sys

    name = f"visible_{len(_packages)}_{folder.name}".replace("-", "_")
    package = root / name
    package.mkdir(parents=True)
    shutil.copyfile(ASSIGNMENTS_DIR / "__init__.py", package / "__init__.py")
    for module in STUDENT_MODULES:
        shutil.copyfile(folder / f"{module}.py", package / f"{module}.py")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    _packages.append(name)
    return name
