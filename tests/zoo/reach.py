"""Which code an exercise can run, and which code a planted mistake changed.

The bug zoo grades a planted submission only on the exercises whose code the
mistake changed. This module finds them from the source alone:

- `changed_functions(reference_source, planted_source)`: the top-level functions
  and classes of one module whose syntax tree differs. A change to any other
  top-level statement (an import, a constant) counts as changing every function of
  the module.
- `reachable(call_graph(sources), entries)`: every (module, name) that the entry
  points can call, following names used in function bodies to the module's own
  top-level definitions and to `from .module import name` imports (at the top of the
  module or inside the function), transitively.
- `exercises_to_grade(...)`: the exercises that reach a changed definition.

The call graph is the reference's. That is enough: a call path from an exercise to
a changed definition in the planted code runs through unchanged definitions until
its first changed one, and those edges are the same in the reference.

Both work on syntax, not on running code, so they over-approximate: a name that is
mentioned counts as called. That is the safe direction: an exercise is skipped only
when nothing it can reach was changed.
"""
from __future__ import annotations

import ast

Definition = tuple[str, str]  # (module, top-level name)

# Stands for "every function of the module" when a module-level statement changed.
WHOLE_MODULE = "*"


def _definitions(tree: ast.Module) -> dict[str, ast.AST]:
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }


def _other_statements(tree: ast.Module) -> list[str]:
    return [
        ast.dump(node)
        for node in tree.body
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]


def changed_functions(reference_source: str, planted_source: str) -> set[str]:
    """Names of the top-level definitions that differ; {WHOLE_MODULE} if anything else does
    (or if the planted module does not even parse)."""
    before = ast.parse(reference_source)
    try:
        after = ast.parse(planted_source)
    except SyntaxError:
        return {WHOLE_MODULE}
    if _other_statements(before) != _other_statements(after):
        return {WHOLE_MODULE}
    old, new = _definitions(before), _definitions(after)
    return {
        name
        for name in old.keys() | new.keys()
        if name not in old or name not in new or ast.dump(old[name]) != ast.dump(new[name])
    }


def _resolver(tree: ast.Module, module: str) -> dict[str, Definition]:
    """Name -> (module, name) for the names a module defines or imports from a sibling."""
    names = {name: (module, name) for name in _definitions(tree)}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    names[target.id] = (module, target.id)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = (node.module, alias.name)
    return names


def call_graph(sources: dict[str, str]) -> dict[Definition, set[Definition]]:
    """(module, name) -> the definitions its body mentions, for every top-level definition."""
    graph: dict[Definition, set[Definition]] = {}
    for module, source in sources.items():
        tree = ast.parse(source)
        resolve = _resolver(tree, module)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                owners = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                owners = [target.id for target in targets if isinstance(target, ast.Name)]
            else:
                continue
            local = dict(resolve)  # `from .layers import relu_forward` inside a function body
            for sub in ast.walk(node):
                if isinstance(sub, ast.ImportFrom) and sub.level == 1 and sub.module:
                    local.update({alias.asname or alias.name: (sub.module, alias.name) for alias in sub.names})
            mentioned = {
                local[sub.id]
                for sub in ast.walk(node)
                if isinstance(sub, ast.Name) and sub.id in local
            }
            for owner in owners:
                graph.setdefault((module, owner), set()).update(mentioned - {(module, owner)})
    return graph


def reachable(graph: dict[Definition, set[Definition]], entries: set[Definition]) -> set[Definition]:
    """Every definition the entries can reach in a call_graph, the entries included."""
    seen: set[Definition] = set()
    todo = list(entries)
    while todo:
        item = todo.pop()
        if item in seen:
            continue
        seen.add(item)
        todo.extend(graph.get(item, ()))
    return seen


def exercises_to_grade(
    sources: dict[str, str], entry_points: dict[str, set[Definition]], module: str, changed: set[str]
) -> set[str]:
    """The exercises whose code a change to `module` (names from changed_functions) can affect.

    A changed module-level statement runs at import time, and importing the
    submission imports every module, so it affects every exercise.
    """
    if WHOLE_MODULE in changed:
        return set(entry_points)
    graph = call_graph(sources)
    planted = {(module, name) for name in changed}
    return {exercise for exercise, entries in entry_points.items() if reachable(graph, entries) & planted}
