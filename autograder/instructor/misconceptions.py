"""`convlab misconceptions RESULTS --out DIR`: what the class got wrong, exercise by exercise.

The batch records, for every exercise of every submission, the failed cases each known
mistake explains (batch/failures.py). Taking each student's latest submission, this
report ranks the named mistakes of each exercise by how many students made them:

    DIR/misconceptions.csv                    exercise, mistake, students, their pseudonyms
    DIR/index.html                            per exercise: a bar chart, the catalog's explanation,
                                              and the share of failed cases no named mistake explains
    DIR/examples/<exercise>-<mistake>.html    one anonymised example of each

Students appear under their scoreboard pseudonyms (the same private map, extended with
a random name for anyone who has none yet, opted-out students included: this report is
private). Failed cases of functions not written yet are counted apart: they say nothing
about misconceptions.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from ..batch.failures import NO_DIAGNOSIS
from ..messages import catalog
from ..report.atomic import write_text_atomic
from ..scoreboard.pseudonyms import PseudonymMap, assign
from .labels import label
from .page import check_out, mark_report, write_page
from .records import Graded, ReportError, latest_per_student, load_graded

BAR_WIDTH, BAR_HEIGHT, LABEL_WIDTH = 360, 22, 230


@dataclass
class ExerciseView:
    id: str
    title: str
    students: dict[str, list[str]] = field(default_factory=dict)  # mistake -> pseudonyms
    examples: dict[str, tuple[str, str]] = field(default_factory=dict)  # mistake -> (pseudonym, message)
    failed: int = 0  # failed cases of written functions
    unexplained: int = 0  # ... that no named mistake explains
    not_written: int = 0

    def ranked(self) -> list[tuple[str, list[str]]]:
        return sorted(self.students.items(), key=lambda item: (-len(item[1]), item[0]))


def pseudonyms_for(graded: list[Graded], map_path: Path) -> dict[str, str]:
    """student -> the name the scoreboard shows (a random one kept in the map for anyone else)."""
    mapping = PseudonymMap.load(map_path)
    choices = {item.student: item.record.get("pseudonym_choice") for item in graded}
    shown, opted_out, _ = assign(choices, mapping)
    taken = set(shown.values())
    for student in sorted(opted_out):
        shown[student] = mapping.generated(student, taken)
    mapping.save()
    return shown


def exercise_title(exercise: dict, lang: str) -> str:
    """The exercise's title in the report's language (the catalog's), else the one recorded."""
    try:
        return catalog(lang).text(f"exercise.{exercise['id']}")
    except (KeyError, IndexError, ValueError):
        return exercise.get("title") or exercise["id"]


def views(graded: list[Graded], names: dict[str, str], lang: str = "en") -> list[ExerciseView]:
    found: dict[str, ExerciseView] = {}
    for item in graded:
        pseudonym = names[item.student]
        for exercise in item.record.get("exercises") or []:
            view = found.setdefault(exercise["id"], ExerciseView(exercise["id"], exercise_title(exercise, lang)))
            diagnoses = exercise.get("diagnoses") or {}
            view.not_written += exercise.get("not_implemented", 0)
            failed = exercise.get("failed", 0) - exercise.get("not_implemented", 0)
            view.failed += failed
            view.unexplained += failed - sum(diagnoses.values())
            for mistake in diagnoses:
                view.students.setdefault(mistake, []).append(pseudonym)
                message = (exercise.get("examples") or {}).get(mistake)
                if message and mistake not in view.examples:
                    view.examples[mistake] = (pseudonym, message)
            message = (exercise.get("examples") or {}).get(NO_DIAGNOSIS)
            if message and NO_DIAGNOSIS not in view.examples:
                view.examples[NO_DIAGNOSIS] = (pseudonym, message)
    return list(found.values())


def explanation(mistake: str, lang: str) -> str:
    try:
        return catalog(lang).text(f"mistake.{mistake}")
    except (KeyError, IndexError, ValueError):
        return ""


def misconceptions_csv(exercise_views: list[ExerciseView]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["exercise", "mistake", "students", "pseudonyms"])
    for view in exercise_views:
        for mistake, students in view.ranked():
            writer.writerow([view.id, mistake, len(students), "; ".join(sorted(students))])
    return buffer.getvalue()


def bar_chart(view: ExerciseView, total: int, lang: str) -> str:
    """Horizontal bars: one per named mistake, its length the share of the class that made it."""
    ranked = view.ranked()
    height = BAR_HEIGHT * len(ranked) + 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_WIDTH + BAR_WIDTH + 140}" height="{height}" role="img" aria-label="{escape(view.title)}">']
    for row, (mistake, students) in enumerate(ranked):
        y = row * BAR_HEIGHT + 3
        width = max(2.0, BAR_WIDTH * len(students) / max(total, 1))
        parts.append(f'<text x="0" y="{y + 15}">{escape(mistake)}</text>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{BAR_HEIGHT - 6}"><title>{escape(mistake)}: {len(students)}</title></rect>')
        parts.append(f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 15}">{escape(label(lang, "students_n", count=len(students), total=total))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def example_name(exercise_id: str, mistake: str) -> str:
    return f"{exercise_id}-{mistake or 'unexplained'}.html"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "0 %"


def index_html(exercise_views: list[ExerciseView], total: int, lang: str) -> str:
    body = [f"<p>{escape(label(lang, 'misconceptions_intro'))}</p>", '<p><a href="misconceptions.csv">misconceptions.csv</a></p>']
    for view in exercise_views:
        body.append(f'<section id="{escape(view.id)}"><h2>{escape(view.title)}</h2>')
        if view.students:
            body.append(bar_chart(view, total, lang))
            rows = []
            for mistake, students in view.ranked():
                link = f' · <a href="examples/{example_name(view.id, mistake)}">{escape(label(lang, "example"))}</a>' if mistake in view.examples else ""
                rows.append(
                    f'<tr><td><code>{escape(mistake)}</code></td><td class="num">{len(students)}</td>'
                    f"<td>{escape(explanation(mistake, lang))}{link}</td></tr>"
                )
            body.append(f'<table><thead><tr><th>{escape(label(lang, "mistake"))}</th><th class="num">{escape(label(lang, "students"))}</th><th></th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
        else:
            body.append(f'<p class="muted">{escape(label(lang, "no_mistakes"))}</p>')
        if view.failed:
            text = escape(label(lang, "unexplained", share=_share(view.unexplained, view.failed), unexplained=view.unexplained, failed=view.failed))
            if NO_DIAGNOSIS in view.examples and view.unexplained:
                text += f' <a href="examples/{example_name(view.id, NO_DIAGNOSIS)}">{escape(label(lang, "unexplained_example"))}</a>'
            body.append(f"<p>{text}</p>")
        if view.not_written:
            body.append(f'<p class="muted">{escape(label(lang, "not_written", count=view.not_written))}</p>')
        body.append("</section>")
    return "\n".join(body)


def example_html(view: ExerciseView, mistake: str, lang: str) -> str:
    pseudonym, message = view.examples[mistake]
    return (
        f'<p><a href="../index.html#{escape(view.id)}">{escape(label(lang, "back"))}</a></p>'
        f"<p>{escape(explanation(mistake, lang))}</p>"
        f"<p>{escape(label(lang, 'example_from', pseudonym=pseudonym))}</p>"
        f'<pre class="message">{escape(message)}</pre>'
    )


def write_misconceptions_report(results: list[Path], out: Path, map_path: Path, lang: str = "en") -> list[ExerciseView]:
    """Write DIR/misconceptions.csv, DIR/index.html and DIR/examples/; return the exercises' views."""
    out = check_out(out)
    graded = latest_per_student(load_graded(results))
    if not graded:
        raise ReportError(f"no graded submission in {', '.join(map(str, results))}")
    names = pseudonyms_for(graded, map_path)
    exercise_views = views(graded, names, lang)
    out.mkdir(parents=True, exist_ok=True)
    mark_report(out)
    write_text_atomic(out / "misconceptions.csv", misconceptions_csv(exercise_views))
    write_page(out / "index.html", label(lang, "misconceptions_title"), index_html(exercise_views, len(graded), lang), lang)
    for view in exercise_views:
        for mistake in view.examples:
            title = label(lang, "example_title", exercise=view.title, mistake=mistake or label(lang, "unexplained_example"))
            write_page(out / "examples" / example_name(view.id, mistake), title, example_html(view, mistake, lang), lang)
    return exercise_views
