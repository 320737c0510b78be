"""Build submission folders for the project's tests: the reference with planted changes.

A planted change is an exact text replacement in one reference module, so a test
names the one line a student got wrong. A replacement whose text no longer occurs
exactly once in the reference raises, so a reference edit cannot silently turn a
planted mistake into a correct submission.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from autograder.paths import PROVIDED_MODULES, REFERENCE_DIR, STUDENT_MODULES

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
        source = Path(base) / f"{module}.py"
        shutil.copyfile(source if source.is_file() else REFERENCE_DIR / f"{module}.py", dest / f"{module}.py")
    for module, pairs in (replacements or {}).items():
        path = dest / f"{module}.py"
        source = path.read_text()
        for old, new in pairs:
            count = source.count(old)
            if count != 1:
                raise ValueError(f"{module}.py: expected exactly one occurrence of {old!r}, found {count}")
            source = source.replace(old, new)
        path.write_text(source)
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
