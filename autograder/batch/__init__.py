"""Grading a whole course: many submissions, in parallel, resumable, in shards or on Dask.

The path of a batch (`convlab batch SUBMISSIONS --out RESULTS`):

    discover  the submissions: one folder or zip per student, or nbgrader's submitted/ layout
    shard     keep the slice i/n of the sorted names (`--shard i/n`)
    skip      what RESULTS already holds for the same content, seed, grader and policy
    intake    read each submission safely into memory (zip bombs, ../ paths, outside links refused)
    grade     a process pool (or a Dask cluster): each worker calls grade_submission in isolation
    store     results.json (Gradescope), summary.json and record.json per submission, atomically
    export    grades.csv for all of them, and batch.json saying what this run covered

`convlab merge` joins the RESULTS folders of several shards; `convlab scoreboard` reads them.
Nothing here imports torch: only the workers do, through the grading engine.
"""
