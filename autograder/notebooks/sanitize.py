"""An nbgrader preprocessor: autograde runs the instructors' notebook, whatever was submitted.

Students write their code in assignments/*.py; the notebooks only teach and grade. A
cell a student adds or edits in a notebook would run in the grading kernel, before the
grade cells, with the power to change what they report. nbgrader keeps such cells, so
course/nbgrader_config.py puts UseSourceNotebook first among Autograde's sanitize
preprocessors: it replaces the submitted notebook by the source notebook of the same
name, outputs cleared. nbgrader's own checks (OverwriteCells, CheckCellMetadata) then
run on that notebook as usual.

The one thing a student writes in a notebook is the answer to a written question: a
markdown answer cell (nbgrader's manually graded answer). Its text is carried over from
the submitted notebook into the source's cell with the same grade id. Markdown never runs
in the grading kernel, so nothing the student wrote there can change a grade cell.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor


def source_notebook_path(coursedir: CourseDirectory, assignment: str, notebook: str) -> Path:
    """source/<assignment>/<notebook>.ipynb of the course."""
    return Path(coursedir.format_path(coursedir.source_directory, ".", assignment)) / f"{notebook}.ipynb"


def cleared(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with every code cell's outputs and execution count removed."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return notebook


def is_answer_cell(cell: nbformat.NotebookNode) -> bool:
    """A written question's answer: a markdown cell nbgrader marks as a graded solution."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "markdown" and meta.get("solution") is True and meta.get("grade") is True


def with_answers(source: nbformat.NotebookNode, submitted: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """source, each of its answer cells holding the submitted answer cell of the same grade id (when there is one)."""
    answers = {
        cell.metadata.nbgrader.grade_id: cell.source
        for cell in submitted.cells
        if is_answer_cell(cell) and isinstance(cell.source, str)
    }
    for cell in source.cells:
        if is_answer_cell(cell) and cell.metadata.nbgrader.grade_id in answers:
            cell.source = answers[cell.metadata.nbgrader.grade_id]
    return source


class UseSourceNotebook(NbGraderPreprocessor):
    """Replace the submitted notebook by the course's source notebook (outputs cleared), keeping
    the student's written answers."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        coursedir = CourseDirectory(parent=self)
        path = source_notebook_path(coursedir, info["assignment"], info["notebook"])
        if not path.is_file():
            raise FileNotFoundError(f"no source notebook {path}: run `nbgrader autograde` in the course folder")
        source = with_answers(cleared(nbformat.read(path, as_version=4)), nb)
        self.log.info("Using the source notebook %s in place of the submitted one", path)
        return source, resources
