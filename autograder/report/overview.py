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

from rich import box
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from ..results import SubmissionResult
from .console import HEADING_STYLE, render
from .labels import label
from .text import format_points

GAP = "  "
MAX_NAME_WIDTH = 32  # longer submission names are cut with an ellipsis


@dataclass
class _Column:
    heading: list[str]  # one or more lines
    cells: list[str]  # one per row, the "max" row first

    @property
    def width(self) -> int:
        return max(cell_len(text) for text in self.heading + self.cells)


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


def _block_table(names: list[str], name_width: int, columns: list[_Column]) -> Table:
    """One block as a rich table: the names, then the block's columns; headings sit on the bottom lines."""
    # Between two columns: the box's one-column separator, then the rest of the gap as padding.
    pad = len(GAP) - 1
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 0, 0, pad))
    table.add_column(Text(names[0], style=HEADING_STYLE), width=name_width, no_wrap=True, overflow="ellipsis", vertical="bottom")
    depth = max(len(c.heading) for c in columns)
    for column in columns:
        heading = [""] * (depth - len(column.heading)) + column.heading
        table.add_column(Text("\n".join(heading), style=HEADING_STYLE, justify="right"), justify="right",
                         width=column.width, no_wrap=True)
    for row, name in enumerate(names[1:]):
        table.add_row(Text(name), *(Text(c.cells[row]) for c in columns))
    return table


def overview_renderables(results: list[SubmissionResult], *, width: int = 88, lang: str = "en") -> list:
    """The overview's blocks as rich tables, each within `width` columns."""
    names = [label(lang, "submission"), label(lang, "max")] + [r.submission for r in results]
    name_width = min(max(cell_len(n) for n in names), MAX_NAME_WIDTH)
    room = width - name_width
    columns = _columns(results, lang, split=False)
    if sum(len(GAP) + c.width for c in columns) > room:
        columns = _columns(results, lang, split=True)
    out: list = []
    for block in _blocks(columns, room):
        out += ([Text("")] if out else []) + [_block_table(names, name_width, block)]
    return out


def render_overview(results: list[SubmissionResult], *, width: int = 88, lang: str = "en", color: bool = False) -> str:
    """The table of all results, within `width` columns (blocks of columns when needed)."""
    return render(overview_renderables(results, width=width, lang=lang), width=width, color=color)
