"""The course as Jupyter notebooks, one per part, graded by nbgrader through convlab.

`convlab notebooks` builds course/source/<assignment>/ from reference/ and grading.toml:
the part notebooks (parts/) and, beside them, the student's `assignments` package (the
stubs, the provided modules and the visible tests). Nothing there is edited by hand.

    course.py     where the course lives: assignment name, kernel, the files students edit
    cells.py      notebook cells with nbgrader's schema-3 metadata
    cards.py      each exercise's box: signature and summary from reference/, points from grading.toml
    parts/        the five parts: the lecture's idea, pictures, and one grade cell per exercise
    build.py      notebooks + package -> files; staleness check
    plots.py      the pictures the notebooks draw (matplotlib, imported when drawing)
    feedback.py   the text a grade cell prints (hidden cases: verdict and diagnosis only)
    isolated.py   while nbgrader autogrades: the student's functions, called in the sandbox
    sanitize.py   nbgrader preprocessor: autograde runs the instructors' cells, never the student's
"""
