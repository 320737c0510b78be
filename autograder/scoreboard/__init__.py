"""The course scoreboard: a static site built from batch results, safe to publish.

    collect     the batch records, one chosen submission per student (best or latest)
    pseudonyms  who is shown as whom: a name the student chose, or a random one from a private file
    histogram   one inline SVG per exercise: how many students scored how much
    site        index.html (a sortable table, no server, no network), scoreboard.csv, scoreboard.json

What reaches the site: pseudonyms and points. Never a student id, a submission
name, a hash of either, a message, the seed, or a speed figure (timing on a shared
machine is too noisy to publish next to names: `convlab batch --speed` puts it in
grades.csv for instructors).
"""
