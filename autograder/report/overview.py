"""One table for many submissions: a row each, with the total and the points per exercise.

    submission         Total  conv1d_full  conv_output_size  ...
    max                  100            3                 5
    reference            100            3                 5
    flipped_kernel        76            3                 5

Exercise ids are the column headings. When they do not fit the width, headings
break at their underscores onto several lines, and the columns are dealt into as
many blocks as needed, one under the other, each repeating the submission names.
When the results hold several assignments, a total per assignment (headed by its id)
follows the overall total.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..results import SubmissionResult
from .labels import label
from .text import display_width, format_points, pad_left, pad_right, truncate

GAP = "  "
MAX_NAME_WIDTH = 32  # longer submission names are cut with an ellipsis


@dataclass
class _Column:
    heading: list[str]  # one or more lines
    cells: list[str]  # one per row, the "max" row first

    @property
    def width(self) -> int:
        return max(display_width(text) for text in self.heading + self.cells)


def _exercise_ids(results: list[SubmissionResult]) -> list[str]:
    ids: list[str] = []
    for result in results:
        ids += [e.exercise_id for e in result.exercises if e.exercise_id not in ids]
    return ids


def _columns(results: list[SubmissionResult], lang: str, split: bool) -> list[_Column]:
    # The "max" row takes each exercise's possible points from the first result that has it.
    possible: dict[str, float] = {}
    for result in results:
        for exercise in result.exercises:
            possible.setdefault(exercise.exercise_id, exercise.points_possible)
    total_possible = max((r.points_possible for r in results), default=0.0)
    columns = [_Column([label(lang, "total")], [format_points(total_possible)] + [format_points(r.points) for r in results])]
    assignments: dict[str, float] = {}
    for result in results:
        for total in result.assignment_totals:
            assignments[total.assignment] = max(assignments.get(total.assignment, 0.0), total.points_possible)
    for assignment, possible_points in assignments.items() if len(assignments) > 1 else ():
        earned = [{t.assignment: t.points for t in r.assignment_totals}.get(assignment) for r in results]
        heading = assignment.split("_") if split else [assignment]
        cells = [format_points(possible_points)] + ["-" if p is None else format_points(p) for p in earned]
        columns.append(_Column(heading, cells))
    for exercise_id in _exercise_ids(results):
        earned = [{e.exercise_id: e.points for e in r.exercises}.get(exercise_id) for r in results]
        heading = exercise_id.split("_") if split else [exercise_id]
        cells = [format_points(possible[exercise_id])] + ["-" if p is None else format_points(p) for p in earned]
        columns.append(_Column(heading, cells))
    return columns


def _blocks(columns: list[_Column], room: int) -> list[list[_Column]]:
    # Deal the columns into blocks of at most `room` columns each (a block holds at least one).
    blocks: list[list[_Column]] = [[]]
    used = 0
    for column in columns:
        needed = len(GAP) + column.width
        if blocks[-1] and used + needed > room:
            blocks.append([])
            used = 0
        blocks[-1].append(column)
        used += needed
    return blocks


def _render_block(names: list[str], name_width: int, columns: list[_Column]) -> list[str]:
    depth = max(len(c.heading) for c in columns)
    lines = []
    for level in range(depth):
        # Multi-line headings sit on the bottom lines, next to the numbers.
        parts = [pad_right(names[0] if level == depth - 1 else "", name_width)]
        for column in columns:
            offset = depth - len(column.heading)
            parts.append(pad_left(column.heading[level - offset] if level >= offset else "", column.width))
        lines.append(GAP.join(parts).rstrip())
    lines.append("─" * (name_width + sum(len(GAP) + c.width for c in columns)))
    for row, name in enumerate(names[1:]):
        cells = [pad_right(truncate(name, name_width), name_width)] + [pad_left(c.cells[row], c.width) for c in columns]
        lines.append(GAP.join(cells).rstrip())
    return lines


def render_overview(results: list[SubmissionResult], *, width: int = 88, lang: str = "en") -> str:
    """The table of all results, within `width` columns (blocks of columns when needed)."""
    names = [label(lang, "submission"), label(lang, "max")] + [r.submission for r in results]
    name_width = min(max(display_width(n) for n in names), MAX_NAME_WIDTH)
    room = width - name_width
    columns = _columns(results, lang, split=False)
    if sum(len(GAP) + c.width for c in columns) > room:
        columns = _columns(results, lang, split=True)
    blocks = _blocks(columns, room)
    out: list[str] = []
    for block in blocks:
        out += ([""] if out else []) + _render_block(names, name_width, block)
    return "\n".join(out)
