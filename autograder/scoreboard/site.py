"""Write the scoreboard site: index.html, its CSS and JS, scoreboard.csv and scoreboard.json.

The page fits a laptop screen (1280 x 800): the ranking has one column per part of the
course (the notebooks' parts: "The backward pass", ...) rather than one per exercise, and
each name opens that student's points per exercise; the histograms below give the view per
exercise. Sorting is plain JavaScript; without it the table stays ranked by total, and a
note says so. The CSV and JSON hold every exercise's points and, when the course has several
assignments (grading.toml's `assignment`), each assignment's final points (points_<name>).

The page works opened straight from disk (file://) and on GitHub Pages alike: every
asset is a relative link to a file beside it, and nothing is fetched from elsewhere.
All text that comes from students (their chosen names) is HTML-escaped; in the CSV,
a cell a spreadsheet could run as a formula is prefixed with an apostrophe.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from importlib import resources
from pathlib import Path
from string import Template

from ..report.atomic import write_text_atomic
from .collect import Board, Exercise, Row
from .histogram import bin_counts, histogram_svg

SITE_FORMAT = "convlab-scoreboard/1"
ASSETS = ("scoreboard.css", "scoreboard.js")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TOTAL = "total"
OTHER_GROUP = "Other exercises"


@dataclass(frozen=True)
class SiteOptions:
    title: str
    pick: str
    bins: int
    map_id: str = ""  # the pseudonym map's id: the next publication must use the same map


@dataclass(frozen=True)
class Group:
    """A column of the ranking: one part of the course and its exercises."""

    title: str
    exercises: tuple[Exercise, ...]

    @property
    def points_possible(self) -> float:
        return sum(e.points_possible for e in self.exercises)

    def points(self, row: Row) -> float:
        return sum(row.exercises.get(e.id, 0.0) for e in self.exercises)


def course_parts() -> list[tuple[str, tuple[str, ...]]]:
    """(title, exercise ids) of each part of the course, in order: the notebooks' parts."""
    from ..notebooks.parts import parts

    return [(part.title.split("·", 1)[-1].strip(), part.exercises) for part in parts()]


def groups(exercises: list[Exercise], parts: list[tuple[str, tuple[str, ...]]] | None = None) -> list[Group]:
    """The ranking's columns: each part with the exercises of the board it holds, then any others."""
    parts = course_parts() if parts is None else parts
    by_id = {e.id: e for e in exercises}
    found, placed = [], set()
    for title, ids in parts:
        members = tuple(by_id[i] for i in ids if i in by_id and i not in placed)
        placed.update(e.id for e in members)
        if members:
            found.append(Group(title, members))
    rest = tuple(e for e in exercises if e.id not in placed)
    if rest:
        found.append(Group(OTHER_GROUP, rest))
    return found


def _template(name: str) -> str:
    return resources.files("autograder.scoreboard").joinpath("templates", name).read_text(encoding="utf-8")


def _points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _fraction(points: float, possible: float) -> float:
    return points / possible if possible > 0 else 0.0


def _header_cell(label: str, column_type: str, *, first: str = "ascending", detail: str = "", css: str = "", title: str = "") -> str:
    detail_html = f'<span class="max">{escape(detail)}</span>' if detail else ""
    title_attr = f' title="{escape(title)}"' if title else ""
    css_attr = f' class="{css}"' if css else ""
    return (
        f'<th scope="col"{css_attr} data-type="{column_type}" data-first="{first}"{title_attr}>'
        f'<button type="button">{escape(label)}</button>{detail_html}</th>'
    )


def _header(column_groups: list[Group], points_possible: float) -> str:
    cells = [
        _header_cell("Rank", "number", css="num"),
        _header_cell("Name", "text"),
        _header_cell("Total", "number", first="descending", detail=f"of {_points(points_possible)}", css="num"),
    ]
    cells += [
        _header_cell(
            group.title, "number", first="descending", detail=f"of {_points(group.points_possible)}", css="num part",
            title=", ".join(e.title for e in group.exercises),
        )
        for group in column_groups
    ]
    return "".join(cells)


def _cell(points: float, possible: float, css: str = "") -> str:
    state = " full" if possible > 0 and points >= possible else " zero" if points <= 0 else ""
    return f'<td class="num{(" " + css) if css else ""}{state}" data-sort="{points:g}">{_points(points)}</td>'


def _details(row: Row, column_groups: list[Group]) -> str:
    """The student's points per exercise, folded under their name (no script needed)."""
    lines = []
    for group in column_groups:
        lines.append(f'<tr class="group"><th scope="rowgroup" colspan="2">{escape(group.title)}</th></tr>')
        for exercise in group.exercises:
            points = row.exercises.get(exercise.id, 0.0)
            lines.append(
                f'<tr><th scope="row">{escape(exercise.title)}</th>'
                f'<td class="num">{_points(points)} / {_points(exercise.points_possible)}</td></tr>'
            )
    return (
        f'<details><summary>{escape(row.pseudonym)}</summary>'
        f'<table class="exercises"><caption>Points per exercise</caption>{"".join(lines)}</table></details>'
    )


def _row_html(row: Row, column_groups: list[Group]) -> str:
    cells = [
        f'<td class="num" data-sort="{row.rank}">{row.rank}</td>',
        f'<td class="name" data-sort="{escape(row.pseudonym.casefold())}">{_details(row, column_groups)}</td>',
        _cell(row.points, row.points_possible, "total"),
    ]
    cells += [_cell(group.points(row), group.points_possible) for group in column_groups]
    return "          <tr>" + "".join(cells) + "</tr>"


def histograms(board: Board, rows: list[Row], bins: int) -> dict[str, list[int]]:
    """Exercise id (and "total") -> counts per bin."""
    counts = {TOTAL: bin_counts([_fraction(r.points, r.points_possible) for r in rows], bins)}
    for exercise in board.exercises:
        counts[exercise.id] = bin_counts([_fraction(r.exercises.get(exercise.id, 0.0), exercise.points_possible) for r in rows], bins)
    return counts


def _histograms_html(board: Board, rows: list[Row], counts: dict[str, list[int]], points_possible: float) -> str:
    cards = [(TOTAL, "Total", points_possible)] + [(e.id, e.title, e.points_possible) for e in board.exercises]
    html = []
    for key, title, possible in cards:
        full = sum(1 for r in rows if (r.points if key == TOTAL else r.exercises.get(key, 0.0)) >= possible > 0)
        label = f"Histogram of {title}: share of the {_points(possible)} points, by number of students"
        html.append(
            f'      <figure class="histogram-card" data-exercise="{escape(key)}">'
            f'<figcaption>{escape(title)} <span>· {_points(possible)} points · full marks: {full} of {len(rows)}</span></figcaption>'
            f"{histogram_svg(counts[key], label)}</figure>"
        )
    return "\n".join(html)


def _safe_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def scoreboard_csv(board: Board, rows: list[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    assignments = board.assignments  # several: each one's total too
    writer.writerow(["rank", "pseudonym", "points", "points_possible", *(f"points_{a.id}" for a in assignments),
                     *(e.id for e in board.exercises)])
    for row in rows:
        writer.writerow(
            [
                row.rank,
                _safe_cell(row.pseudonym),
                _points(row.points),
                _points(row.points_possible),
                *(_points(row.assignments.get(a.id, 0.0)) for a in assignments),
                *(_points(row.exercises.get(e.id, 0.0)) for e in board.exercises),
            ]
        )
    return buffer.getvalue()


def scoreboard_json(board: Board, rows: list[Row], options: SiteOptions, generated: str, counts: dict[str, list[int]], column_groups: list[Group]) -> dict:
    return {
        "format": SITE_FORMAT,
        "title": options.title,
        "generated_at": generated,
        "pick": options.pick,
        "pseudonym_map": options.map_id,
        "exercises": [{"id": e.id, "title": e.title, "points_possible": e.points_possible, "assignment": e.assignment} for e in board.exercises],
        "assignments": [{"id": a.id, "points_possible": a.points_possible} for a in board.assignments],
        "groups": [{"title": g.title, "exercises": [e.id for e in g.exercises]} for g in column_groups],
        "rows": [
            {"rank": r.rank, "pseudonym": r.pseudonym, "points": r.points, "points_possible": r.points_possible, "exercises": r.exercises,
             "assignments": r.assignments}
            for r in rows
        ],
        "histograms": {"bins": options.bins, "counts": counts},
    }


def write_site(board: Board, rows: list[Row], out: Path, options: SiteOptions) -> list[Path]:
    """Write the site's files into out; return their paths. rows must be named and ranked."""
    out = Path(out)
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    points_possible = max((r.points_possible for r in rows), default=sum(e.points_possible for e in board.exercises))
    counts = histograms(board, rows, options.bins)
    column_groups = groups(board.exercises)
    page = Template(_template("index.html")).substitute(
        title=escape(options.title),
        students=len(rows),
        points_possible=_points(points_possible),
        generated=generated,
        header=_header(column_groups, points_possible),
        rows="\n".join(_row_html(r, column_groups) for r in rows),
        histograms=_histograms_html(board, rows, counts, points_possible),
    )
    written = [write_text_atomic(out / "index.html", page)]
    written += [write_text_atomic(out / name, _template(name)) for name in ASSETS]
    written.append(write_text_atomic(out / "scoreboard.csv", scoreboard_csv(board, rows)))
    data = scoreboard_json(board, rows, options, generated, counts, column_groups)
    written.append(write_text_atomic(out / "scoreboard.json", json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"))
    written.append(write_text_atomic(out / ".nojekyll", ""))
    return written
