"""Each exercise's box in a notebook: what to write, where, and for how many points.

The signatures and one-line summaries are read from reference/ (parsed, never
imported), the points from grading.toml: the notebooks cannot drift from either.
"""
from __future__ import annotations

import ast
import copy
import functools
from pathlib import Path

from ..paths import API, REFERENCE_DIR
from .course import PACKAGE


@functools.cache
def _module_tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _definition(name: str, reference_dir: Path) -> ast.FunctionDef | ast.ClassDef:
    tree = _module_tree(reference_dir / f"{API[name]}.py")
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
            return node
    raise LookupError(f"reference/{API[name]}.py defines no {name}")


def summary(node: ast.AST) -> str:
    """The docstring's first paragraph on one line, or ""."""
    doc = (ast.get_docstring(node) or "").strip()
    return " ".join(line.strip() for line in doc.split("\n\n")[0].splitlines())


def signature(node: ast.FunctionDef, owner: str = "") -> str:
    """ "conv2d_forward(x, w, b, stride=1, padding=0)"; a method's self is left out."""
    args = copy.deepcopy(node.args)
    if owner and args.args and args.args[0].arg == "self":
        args.args = args.args[1:]
    prefix = f"{owner}." if owner else ""
    return f"{prefix}{node.name}({ast.unparse(args)})"


def api_lines(name: str, reference_dir: Path = REFERENCE_DIR) -> list[tuple[str, str]]:
    """(signature, summary) for an API name; a class gives its public methods with a docstring."""
    node = _definition(name, reference_dir)
    if isinstance(node, ast.FunctionDef):
        return [(signature(node), summary(node))]
    lines = [(f"class {node.name}", summary(node))]
    for child in node.body:
        if isinstance(child, ast.FunctionDef) and not child.name.startswith("_") and ast.get_docstring(child):
            lines.append((signature(child, node.name), summary(child)))
    return lines


def exercise_card(exercise_id: str, api: tuple[str, ...], points: float, reference_dir: Path = REFERENCE_DIR) -> str:
    """The markdown box that introduces one exercise."""
    modules = sorted({API[name] for name in api})
    where = ", ".join(f"`{PACKAGE}/{module}.py`" for module in modules)
    lines = [f"> **Exercise `{exercise_id}`** · {format_points(points)} · write it in {where}", ">"]
    for name in api:
        for sig, text in api_lines(name, reference_dir):
            lines.append(f"> - `{sig}`" + (f": {text}" if text else ""))
    lines += [">", "> The docstrings give the convention, the shapes, a worked example and the common mistakes."]
    return "\n".join(lines)


def format_points(points: float) -> str:
    """ "1 point", "14 points", "1.5 points"."""
    number = int(points) if float(points).is_integer() else points
    return f"{number} point" + ("" if number == 1 else "s")
