"""nbgrader's configuration for the convlab course. Run nbgrader in this folder.

    nbgrader generate_assignment cnn     source/cnn/ -> release/cnn/ (nothing to strip: the
                                         notebooks hold no solutions, the package holds stubs);
                                         part 6 is the assignment classic_networks, likewise
    CONVLAB_SEED=<secret> nbgrader autograde cnn
    nbgrader generate_feedback cnn
    nbgrader export                      grades.csv

source/cnn/ is built by `convlab notebooks` from reference/ and grading.toml; see
docs/instructor-guide.md for the whole cycle.
"""
import os

from autograder.notebooks.course import (
    CELL_TIMEOUT_SECONDS,
    COURSE_ID,
    assignments,
    student_files,
)

c = get_config()  # noqa: F821 (nbgrader defines it when it reads this file)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = COURSE_ID

# The student's work is assignments/<module>.py: autograde must grade those files, never
# replace them with the stubs in source/ (it does so with every other file).
c.Autograde.exclude_overwriting = {assignment: student_files() for assignment in assignments()}

# Autograde runs the source notebook, not whatever cells a student added to the submitted one:
# a cell in the grading kernel could change what the grade cells report.
c.Autograde.sanitize_preprocessors = [
    "autograder.notebooks.sanitize.UseSourceNotebook",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# A grade cell grades one exercise in the sandbox (grading.toml's limits apply inside).
c.Execute.timeout = CELL_TIMEOUT_SECONDS

# Late work: grading.toml's [late] policy (grace, started days, extensions, cap), the same rule
# convlab batch and Gradescope apply. nbgrader asks for it for each notebook it finds late by
# the gradebook's due date; `convlab autograde` sets that due date to grading.toml's deadline.
c.AssignLatePenalties.plugin_class = "autograder.notebooks.late.ConvlabLatePenalty"

# Feedback pages readable offline and without sight: math as MathML (no MathJax from a CDN),
# a text alternative on every image (autograder/notebooks/feedback_pages.py).
from autograder.notebooks.feedback_pages import TEMPLATE_NAME, template_dirs  # noqa: E402

c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "autograder.notebooks.feedback_pages.OfflineFeedback",
]
c.HTMLExporter.template_name = TEMPLATE_NAME
c.HTMLExporter.extra_template_basedirs = template_dirs()
