"""Gradescope: the autograder zip an instructor uploads, and what runs inside it for each submission.

    package.py          `convlab gradescope OUT.zip`: setup.sh, run_autograder, requirements.txt
                        (exact versions), the grader (convlab/autograder), grading.toml, the hidden seed
    files/setup.sh      run once by Gradescope when it builds the image: a Python >= 3.11 virtual
                        environment with exactly the pinned numpy and torch
    files/run_autograder   run for every submission: `python -m autograder.gradescope.run`, and a
                        results.json of its own when even that cannot start
    run.py              grade /autograder/submission into /autograder/results/results.json, always
    metadata.py         submission_metadata.json: submission time, due date, submitters, previous scores

Every path hangs off one root, $AUTOGRADER_ROOT (default /autograder), so the tests lay the
same tree out in a temporary folder and run the very same scripts.
"""
