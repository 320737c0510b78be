"""Reports for instructors, built from a batch's RESULTS: never part of the public site.

    records         the submissions of one or more RESULTS folders, with their folders
    page            the HTML frame both reports share (noindex, "instructors only"), and the
                    rule that a report never lands in or around a scoreboard site
    labels          the reports' own words, in English and Simplified Chinese
    similarity      `convlab similarity`: the most similar pairs of submissions (copydetect)
    misconceptions  `convlab misconceptions`: the named mistakes of the class, per exercise
"""
