"""Write the scoreboard site: index.html, its CSS and JS, scoreboard.csv and scoreboard.json.

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
from .collect import SPEED_KEYS, Assignment, Board, Exercise, Row
from .histogram import bin_counts, histogram_svg

SITE_FORMAT = "convlab-scoreboard/1"
ASSETS = ("scoreboard.css", "scoreboard.js")
SPEED_LABELS = {"conv2d_forward": "conv", "lenet_step": "LeNet step"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TOTAL = "total"


@dataclass(frozen=True)
class SiteOptions:
    title: str
    pick: str
    show_speed: bool
    bins: int


def _template(name: str) -> str:
    return resources.files("autograder.scoreboard").joinpath("templates", name).read_text(encoding="utf-8")


def _points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _fraction(points: float, possible: float) -> float:
    return points / possible if possible > 0 else 0.0


def _speed_text(speed: dict[str, float] | None) -> str:
    if not speed:
        return "–"
    return " · ".join(f"{speed[key]:.2f}×" for key in SPEED_KEYS if key in speed)


def _header_cell(label: str, column_type: str, *, first: str = "ascending", detail: str = "", css: str = "", title: str = "") -> str:
    detail_html = f'<span class="max">{escape(detail)}</span>' if detail else ""
    title_attr = f' title="{escape(title)}"' if title else ""
    css_attr = f' class="{css}"' if css else ""
    return (
        f'<th scope="col"{css_attr} data-type="{column_type}" data-first="{first}"{title_attr}>'
        f'<button type="button">{escape(label)}</button>{detail_html}</th>'
    )


def _header(exercises: list[Exercise], points_possible: float, show_speed: bool, assignments: list[Assignment] = ()) -> str:
    cells = [
        _header_cell("#", "number", css="num"),
        _header_cell("Pseudonym", "text"),
        _header_cell("Total", "number", first="descending", detail=f"of {_points(points_possible)}", css="num"),
    ]
    # With several assignments, each has its own total (it is graded out of its own points).
    cells += [
        _header_cell(a.id, "number", first="descending", detail=f"of {_points(a.points_possible)}", css="num", title=f"Total of the assignment {a.id}")
        for a in assignments
    ]
    cells += [
        # The short id keeps fifteen columns on one screen; the full title shows on hover.
        _header_cell(e.id, "number", first="descending", detail=f"of {_points(e.points_possible)}", css="num", title=e.title)
        for e in exercises
    ]
    if show_speed:
        cells.append(
            _header_cell(
                "Speed",
                "number",
                detail="conv · LeNet step",
                css="num",
                title="Your time divided by the reference's, measured in the same grading run: "
                "conv2d_forward, then one LeNet training step. Lower is faster; 1.00× is as fast as the reference.",
            )
        )
    return "".join(cells)


def _cell(points: float, possible: float, css: str = "") -> str:
    state = " full" if possible > 0 and points >= possible else " zero" if points <= 0 else ""
    return f'<td class="num{(" " + css) if css else ""}{state}" data-sort="{points:g}">{_points(points)}</td>'


def _row_html(row: Row, exercises: list[Exercise], show_speed: bool, assignments: list[Assignment] = ()) -> str:
    cells = [
        f'<td class="num" data-sort="{row.rank}">{row.rank}</td>',
        f'<td class="name">{escape(row.pseudonym)}</td>',
        _cell(row.points, row.points_possible, "total"),
    ]
    cells += [_cell(row.assignments.get(a.id, 0.0), a.points_possible, "total") for a in assignments]
    cells += [_cell(row.exercises.get(e.id, 0.0), e.points_possible) for e in exercises]
    if show_speed:
        score = row.speed_score
        pace = "" if score is None else " fast" if score <= 1.0 else " slow" if score >= 3.0 else ""
        cells.append(f'<td class="num speed{pace}" data-sort="{"" if score is None else f"{score:.4f}"}">{_speed_text(row.speed)}</td>')
    return "          <tr>" + "".join(cells) + "</tr>"


def histograms(board: Board, rows: list[Row], bins: int) -> dict[str, list[int]]:
    """Exercise id (and "total") -> counts per bin."""
    counts = {TOTAL: bin_counts([_fraction(r.points, r.points_possible) for r in rows], bins)}
    for exercise in board.exercises:
        counts[exercise.id] = bin_counts([_fraction(r.exercises.get(exercise.id, 0.0), exercise.points_possible) for r in rows], bins)
    return counts


def _histograms_html(board: Board, counts: dict[str, list[int]], points_possible: float) -> str:
    cards = [(TOTAL, "Total", points_possible)] + [(e.id, e.title, e.points_possible) for e in board.exercises]
    html = []
    for key, title, possible in cards:
        label = f"Histogram of {title}: share of the {_points(possible)} points, by number of students"
        html.append(
            f'      <figure class="histogram-card" data-exercise="{escape(key)}">'
            f'<figcaption>{escape(title)} <span>· {_points(possible)} points</span></figcaption>'
            f"{histogram_svg(counts[key], label)}</figure>"
        )
    return "\n".join(html)


def _safe_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def scoreboard_csv(board: Board, rows: list[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    assignments = board.assignments
    writer.writerow(
        ["rank", "pseudonym", "points", "points_possible", *(f"points_{a.id}" for a in assignments),
         *(e.id for e in board.exercises), *(f"speed_{k}" for k in SPEED_KEYS)]
    )
    for row in rows:
        speed = row.speed or {}
        writer.writerow(
            [
                row.rank,
                _safe_cell(row.pseudonym),
                _points(row.points),
                _points(row.points_possible),
                *(_points(row.assignments.get(a.id, 0.0)) for a in assignments),
                *(_points(row.exercises.get(e.id, 0.0)) for e in board.exercises),
                *("" if key not in speed else f"{speed[key]:.4g}" for key in SPEED_KEYS),
            ]
        )
    return buffer.getvalue()


def scoreboard_json(board: Board, rows: list[Row], options: SiteOptions, generated: str, counts: dict[str, list[int]]) -> dict:
    return {
        "format": SITE_FORMAT,
        "title": options.title,
        "generated_at": generated,
        "pick": options.pick,
        "exercises": [{"id": e.id, "title": e.title, "points_possible": e.points_possible, "assignment": e.assignment} for e in board.exercises],
        "assignments": [{"id": a.id, "points_possible": a.points_possible} for a in board.assignments],
        "rows": [
            {"rank": r.rank, "pseudonym": r.pseudonym, "points": r.points, "points_possible": r.points_possible, "exercises": r.exercises, "speed": r.speed,
             "assignments": r.assignments}
            for r in rows
        ],
        "histograms": {"bins": options.bins, "counts": counts},
    }


def write_site(board: Board, rows: list[Row], out: Path, options: SiteOptions) -> list[Path]:
    """Write the site's files into out; return their paths. rows must be named and ranked."""
    out = Path(out)
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    show_speed = options.show_speed and any(r.speed for r in rows)
    points_possible = max((r.points_possible for r in rows), default=sum(e.points_possible for e in board.exercises))
    counts = histograms(board, rows, options.bins)
    page = Template(_template("index.html")).substitute(
        title=escape(options.title),
        students=len(rows),
        points_possible=_points(points_possible),
        generated=generated,
        speed_hint=" Speed: your time ÷ the reference's in the same run (lower is faster)." if show_speed else "",
        header=_header(board.exercises, points_possible, show_speed, board.assignments),
        rows="\n".join(_row_html(r, board.exercises, show_speed, board.assignments) for r in rows),
        histograms=_histograms_html(board, counts, points_possible),
    )
    written = [write_text_atomic(out / "index.html", page)]
    written += [write_text_atomic(out / name, _template(name)) for name in ASSETS]
    written.append(write_text_atomic(out / "scoreboard.csv", scoreboard_csv(board, rows)))
    data = scoreboard_json(board, rows, options, generated, counts)
    written.append(write_text_atomic(out / "scoreboard.json", json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"))
    written.append(write_text_atomic(out / ".nojekyll", ""))
    return written
