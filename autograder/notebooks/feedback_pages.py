"""The feedback pages `nbgrader generate_feedback` writes: readable offline and without sight.

    OfflineFeedback        a preprocessor (course/nbgrader_config.py adds it to GenerateFeedback):
                           math in markdown cells becomes MathML, which browsers draw natively,
                           so no MathJax is fetched from a CDN; every image gets a text
                           alternative (the cell's "alt", set where the course's notebooks are
                           built, or a sentence saying which cell drew it)
    templates/convlab_feedback/   nbgrader's feedback template without MathJax's script tag

Tracebacks in the pages come from the notebook's cells, where the student's functions are
stand-ins that call the sandbox (notebooks/isolated.py): their frames are hidden and the error
names the student's file and line, never a path of the grader.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "convlab_feedback"
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)([^$\n]+?)(?<!\\)\$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
FALLBACK_ALT = "A figure drawn by the code cell above from the results of your functions."


def to_mathml(latex: str, display: bool) -> str:
    """The TeX formula as MathML (the TeX itself, as code, when it cannot be converted)."""
    from latex2mathml.converter import convert

    try:
        return convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - a formula latex2mathml cannot read stays readable as TeX
        return f"<code>{html.escape(latex)}</code>"


def render_math(markdown: str) -> str:
    """markdown with $$...$$ and $...$ replaced by MathML; code spans are left alone."""
    parts = CODE_SPAN.split(markdown)
    # split() with one group pair yields text, fence, code, text, ...: convert only the text.
    out = []
    index = 0
    while index < len(parts):
        text = parts[index]
        text = DISPLAY_MATH.sub(lambda m: to_mathml(m.group(1), True), text)
        text = INLINE_MATH.sub(lambda m: to_mathml(m.group(1), False), text)
        out.append(text)
        if index + 2 < len(parts):
            out.append(parts[index + 1] + parts[index + 2] + parts[index + 1])
        index += 3
    return "".join(out)


def template_dirs() -> list[str]:
    """HTMLExporter.extra_template_basedirs for the feedback: nbgrader's templates, then ours."""
    import nbgrader

    nbgrader_templates = Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates"
    return [str(nbgrader_templates), str(TEMPLATES_DIR)]


class OfflineFeedback(Preprocessor):
    """Math as MathML and a text alternative on every image (see the module docstring)."""

    enabled = Bool(True, help="nbconvert runs only enabled preprocessors; this one always runs").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            cell.source = render_math(cell.source)
        elif cell.cell_type == "code":
            alt = cell.metadata.get("alt") or FALLBACK_ALT
            for output in cell.get("outputs", []):
                for mime in ("image/png", "image/jpeg"):
                    if mime in output.get("data", {}):
                        metadata = output.setdefault("metadata", {})
                        metadata.setdefault(mime, {}).setdefault("alt", alt)
        return cell, resources
