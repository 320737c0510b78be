"""A student's grade after grading: totals per assignment, the late policy, the instructors' overrides.

    policy.py       grading.toml's [late] and [overrides] tables and its assignments (stdlib only)
    late.py         the late policy: the deadline that applies to a student, days late, the penalty
    overrides.py    the instructors' overrides file: student, exercise or total, new points, reason
    final.py        one student's grade: raw points, penalty, overrides, final points
    lms.py          gradebook files for learning-management systems: Canvas, Moodle, a generic CSV

Nothing here imports numpy, torch or the grading engine: `convlab export` and the scoreboard
run where only the standard library is installed. Every platform (convlab batch, nbgrader,
Gradescope) hands its submission time and the graded points per exercise to final.grade_of,
so the same policy gives the same numbers everywhere.
"""
