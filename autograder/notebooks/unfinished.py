"""A function not written yet costs one line in a notebook, not the rest of "Run all".

A stub raises NotImplementedError; in Jupyter that would end the cell with a traceback and
stop Run all at the first unfinished exercise. For students (never while nbgrader grades),
nbgrade.setup() registers UnfinishedGuard with IPython: every cell then runs inside a `try`
whose `except NotImplementedError` prints one line naming the function and the file to
edit, so the cell ends normally and the notebook goes on with the next one. An error that
does not come from the student's package keeps its ordinary traceback.

The guard is an IPython AST transformer (InteractiveShell.ast_transformers): it rewrites the
cell before it runs; the cell's text, as the student sees it, does not change.
"""
from __future__ import annotations

import ast
import sys
import traceback
from pathlib import Path

from ..messages import LANGUAGES, catalog

MODULE = __name__
_installed: dict = {}  # the shell, the student's folder and the language, set by install()


def unfinished_line(error: NotImplementedError, folder: Path, lang: str = "en") -> str | None:
    """ "conv2d_forward is not implemented yet: write it in assignments/conv_forward.py, then run this
    cell again." for an error raised in `folder`; None when no frame of it lies there."""
    folder = folder.resolve()
    inside = []
    for frame, _line in traceback.walk_tb(error.__traceback__):
        try:
            relative = Path(frame.f_code.co_filename).resolve().relative_to(folder.parent)
        except ValueError:
            continue
        if relative.parts[:1] == (folder.name,):
            inside.append((frame.f_code.co_qualname, relative.as_posix()))
    if not inside:
        return None
    function, file = inside[-1]
    return catalog(lang if lang in LANGUAGES else "en").text("notebook.unfinished", function=function, file=file)


def _module_attribute(name: str) -> ast.expr:
    # __import__(MODULE, fromlist=["x"]).name: found whatever the cell's namespace holds (even after %reset).
    module = ast.Call(ast.Name("__import__", ast.Load()), [ast.Constant(MODULE)], [ast.keyword("fromlist", ast.List([ast.Constant("x")], ast.Load()))])
    return ast.Attribute(module, name, ast.Load())


class UnfinishedGuard(ast.NodeTransformer):
    """Wraps each cell in

        try:
            <the cell>
        except NotImplementedError as error:
            if not report(error):
                raise

    The cell's last expression, which IPython would display, is displayed from inside the
    `try` instead.
    """

    def visit_Module(self, node: ast.Module) -> ast.Module:
        body = list(node.body)
        if not body:
            return node
        if isinstance(body[-1], ast.Expr):
            body[-1] = ast.Expr(ast.Call(_module_attribute("display"), [body[-1].value], []))
        error = "_convlab_unfinished_error"
        reported = ast.Call(_module_attribute("report"), [ast.Name(error, ast.Load())], [])
        handler = ast.ExceptHandler(
            type=ast.Name("NotImplementedError", ast.Load()),
            name=error,
            body=[ast.If(ast.UnaryOp(ast.Not(), reported), [ast.Raise()], [])],
        )
        wrapped = ast.Try(body=body, handlers=[handler], orelse=[], finalbody=[])
        return ast.fix_missing_locations(ast.Module(body=[wrapped], type_ignores=node.type_ignores))


def report(error: NotImplementedError) -> bool:
    """Print the one line for an unfinished function of the student's package; False for any other error."""
    line = unfinished_line(error, _installed["folder"], _installed["lang"]) if _installed else None
    if line is None:
        return False
    print(line, flush=True)
    return True


def display(value) -> None:
    """What IPython does with a cell's last expression: show it unless it is None."""
    shell = _installed.get("shell")
    if value is not None and shell is not None:
        shell.displayhook(value)


def install(shell, folder: Path, lang: str = "en") -> None:
    """Register the guard with an IPython shell (once), for the student's package in `folder`."""
    _installed.update(shell=shell, folder=Path(folder).resolve(), lang=lang)
    if not any(isinstance(t, UnfinishedGuard) for t in shell.ast_transformers):
        shell.ast_transformers.append(UnfinishedGuard())


def ipython_shell():
    """The running IPython shell, or None outside IPython."""
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    return get_ipython()
