"""Planting code into a reference module: replace one function's header with new source.

The old body stays in the file under a harmless name, so the module still parses
and every other function is the reference's, untouched.
"""
from __future__ import annotations

import re


def replace_function(module: str, header: str, source: str) -> dict[str, list[tuple[str, str]]]:
    """Replacements for tests/submissions.py: `header` (e.g. "def conv1d_full(f, g):") becomes `source`.

    source must define the function again (same name); the original body follows
    it as `_replaced_<name>`.
    """
    name = re.match(r"def (\w+)\(", header).group(1)
    renamed = header.replace(f"def {name}(", f"def _replaced_{name}(", 1)
    return {module: [(header, source.strip("\n") + "\n\n\n" + renamed)]}


def prepend(module: str, first_line: str, source: str) -> dict[str, list[tuple[str, str]]]:
    """Replacements that put `source` (module-level code) right before the module's `first_line`."""
    return {module: [(first_line, source.strip("\n") + "\n" + first_line)]}
