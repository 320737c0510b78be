"""The terminal table: one line per exercise, its checks below it when it is not all done.

    convlab · alice
    ════════════════════════════════════════════════════════════════════════════════
    PASS   conv1d_full  Warm-up: true 1-D convolution                            3 / 3
    PART   conv2d_forward  Convolution forward pass                            12 / 14
             PASS   the lecture's worked examples                                3 / 3
             FAIL   stride 2 and 3, padding 0 to 2 · 3 of 4 cases failed         0 / 5
               hidden case 2: x (2, 3, 7, 5), S=2, P=1 (hidden)
                 likely mistake: stride_ignored
                 z: 40 of 48 values differ ...
    TODO   max_pool  write max_pool_forward, max_pool_backward in pooling.py    0 / 10
    ────────────────────────────────────────────────────────────────────────────────
    Total                                                                      15 / 31
    seed 2021 (public) · device cpu · torch 2.13.0 · ...

An exercise with every case passed takes one line, and so does one not started yet (every
call raised NotImplementedError): it names the functions to write and their file. Other
exercises show each check, and a failed check its failed cases: name, the known mistake it
matched, and its message. Status words and labels come from the catalog (report.*), so
--lang zh is Chinese throughout; rich counts a CJK character as two columns. Colour only
when asked for (a terminal).

A result holding the exercises of several assignments (grading.toml's `assignment`) shows
each assignment under its own heading ("classic_networks · Part 6: ..."), closed by its own
total line: each is graded out of its own points.
"""
from __future__ import annotations

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from ..results import CheckResult, ExerciseResult, SubmissionResult
from .cjk import wrapping
from .console import FOOTER_STYLE, HEADING_STYLE, STATUS_STYLES, render
from .footer import SEPARATOR, footer_lines, timing_items, pack
from .labels import assignment_title, label
from .text import format_points
from .unfinished import check_not_started, exercise_not_started, not_started_text, waits_for_others

DEFAULT_WIDTH = 88
MIN_WIDTH = 60
MAX_CASES = 3  # failed cases shown per check; the rest are counted
COMPACT_MAX_CASES = 1
COMPACT_MESSAGE_LINES = 2
CHECK_INDENT = 2  # columns before a check's status word, after the exercise's status column
CASE_INDENT = 2  # a failed case, under its check's title
MESSAGE_INDENT = 2  # a case's message, under the case's name


def points_text(earned: float, possible: float) -> str:
    """ "12.5 / 20" """
    return f"{format_points(earned)} / {format_points(possible)}"


def check_status(check: CheckResult) -> str:
    """PASS (every case passed), PART (some did) or FAIL (none did, or there were no cases)."""
    passed = sum(c.passed for c in check.cases)
    if check.cases and passed == len(check.cases):
        return "PASS"
    return "PART" if passed else "FAIL"


def exercise_status(exercise: ExerciseResult) -> str:
    """ERROR (could not run), TODO (not started), else PASS, PART or FAIL over all its cases."""
    if exercise.error:
        return "ERROR"
    if exercise_not_started(exercise):
        return "TODO"
    cases = [case for check in exercise.checks for case in check.cases]
    passed = sum(case.passed for case in cases)
    if cases and passed == len(cases):
        return "PASS"
    return "PART" if passed else "FAIL"


def status_word(status: str, lang: str) -> Text:
    """The catalog's word for a status (report.status_pass, ...), in its colour."""
    return Text(label(lang, f"status_{status.lower()}"), style=STATUS_STYLES[status])


def _title(exercise: ExerciseResult) -> str:
    # The catalog's titles often end with the exercise id, which the line already starts with.
    title = (exercise.title or "").removesuffix(f" ({exercise.exercise_id})").removesuffix(f"（{exercise.exercise_id}）")
    return title if title and title != exercise.exercise_id else ""


class _Layout:
    """Rows of [status | text | points]: one grid per row, every grid with the same column widths."""

    def __init__(self, width: int, status_width: int, points_width: int):
        self.width = width
        self.status_width = status_width
        self.points_width = points_width
        self.text_width = width - status_width - points_width - 4  # two gaps of two columns

    def row(self, status: Text | None, text: RenderableType, points: str = "") -> Table:
        grid = Table.grid(padding=(0, 2), expand=True)
        grid.add_column(width=self.status_width, no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        grid.add_column(width=self.points_width, justify="right", no_wrap=True)
        grid.add_row(status or Text(""), text, Text(points))
        return grid

    def nested(self, status: Text, text: Text) -> Padding:
        """A check's status and title inside the text column; the title's continuation lines hang under it."""
        grid = Table.grid(padding=(0, 2))
        grid.add_column(width=self.status_width, no_wrap=True)
        grid.add_column(overflow="fold")
        grid.add_row(status, text)
        return Padding(grid, (0, 0, 0, CHECK_INDENT))


def _message_text(message: str, max_lines: int | None, width: int) -> Text:
    text = wrapping(message)
    if max_lines is None:
        return text
    from rich.console import Console

    lines = text.wrap(Console(width=width, color_system=None), width)
    if len(lines) <= max_lines:
        return text
    kept = lines[:max_lines]
    last = kept[-1]
    last.append(" …")
    last.truncate(width, overflow="ellipsis")
    return Text("\n").join(kept)


def _case_rows(check: CheckResult, layout: _Layout, lang: str, max_cases: int, message_lines: int | None) -> list:
    """The failed cases of a check, under its title; they have no points, so they may use the
    columns of the points too."""
    failed = [c for c in check.cases if not c.passed]
    indent = layout.status_width + 2 + CHECK_INDENT + CASE_INDENT
    room = layout.width - indent
    rows: list = []
    for case in failed[:max_cases]:
        heading = case.name + (f" {label(lang, 'hidden')}" if case.hidden else "")
        parts = [wrapping(heading)]
        message_width = room - MESSAGE_INDENT
        if case.diagnosis:
            # The known mistake ends the heading line when it fits there, else it opens the message.
            diagnosis = label(lang, "diagnosis", mistake=case.diagnosis)
            if cell_len(heading + SEPARATOR + diagnosis) <= room:
                parts = [wrapping(heading + SEPARATOR + diagnosis)]
            else:
                parts.append(Padding(wrapping(diagnosis), (0, 0, 0, MESSAGE_INDENT)))
        if case.message:
            parts.append(Padding(_message_text(case.message, message_lines, message_width), (0, 0, 0, MESSAGE_INDENT)))
        rows.append(Padding(Group(*parts), (0, 0, 0, indent)))
    more = len(failed) - max_cases
    if more > 0:
        text = label(lang, "more_failed_one") if more == 1 else label(lang, "more_failed", count=more)
        rows.append(Padding(wrapping(text), (0, 0, 0, indent)))
    return rows


def _exercise_rows(exercise: ExerciseResult, layout: _Layout, lang: str, compact: bool) -> list:
    status = exercise_status(exercise)
    heading = wrapping(exercise.exercise_id, style=HEADING_STYLE)
    points = points_text(exercise.points, exercise.points_possible)
    if status == "TODO":  # one line: what to write, and where
        heading.append("  " + not_started_text(exercise.exercise_id, lang, waiting=waits_for_others(exercise)))
        return [layout.row(status_word(status, lang), heading, points)]
    if _title(exercise):
        heading.append(f"  {_title(exercise)}")
    rows = [layout.row(status_word(status, lang), heading, points)]
    if status == "PASS":
        return rows
    if exercise.error:
        message = label(lang, "could_not_run", error=exercise.error)
        room = layout.width - 2 * (layout.status_width + 2) - CHECK_INDENT
        text = _message_text(message, COMPACT_MESSAGE_LINES if compact else None, room)
        error = Table.grid(padding=(0, 2))
        error.add_column(width=layout.status_width, no_wrap=True)
        error.add_column(overflow="fold")
        error.add_row(status_word("ERROR", lang), text)
        rows.append(Padding(error, (0, 0, 0, layout.status_width + 2 + CHECK_INDENT)))
    max_cases = COMPACT_MAX_CASES if compact else MAX_CASES
    for check in exercise.checks:
        check_state = check_status(check)
        if compact and check_state == "PASS":
            continue
        title = wrapping(check.title or check.check_id)
        if check_not_started(check):
            title.append(SEPARATOR + label(lang, "not_implemented"))
            rows.append(layout.row(None, layout.nested(status_word("TODO", lang), title), points_text(check.points, check.points_possible)))
            continue
        failed = sum(not c.passed for c in check.cases)
        if failed:
            title.append(SEPARATOR + label(lang, "cases_failed", failed=failed, total=len(check.cases)))
        rows.append(layout.row(None, layout.nested(status_word(check_state, lang), title), points_text(check.points, check.points_possible)))
        rows += _case_rows(check, layout, lang, max_cases, COMPACT_MESSAGE_LINES if compact else None)
    return rows


def table_renderables(result: SubmissionResult, *, width: int = DEFAULT_WIDTH, lang: str = "en", compact: bool = False) -> list:
    """The table as rich renderables, drawn one under the other (see render_table)."""
    width = max(MIN_WIDTH, width)
    totals = result.assignment_totals
    all_points = [points_text(result.points, result.points_possible)]
    all_points += [points_text(total.points, total.points_possible) for total in totals]
    for exercise in result.exercises:
        all_points.append(points_text(exercise.points, exercise.points_possible))
        all_points += [points_text(c.points, c.points_possible) for c in exercise.checks]
    statuses = [Text(label(lang, f"status_{s}")).cell_len for s in ("pass", "part", "fail", "error", "todo")]
    layout = _Layout(width, max(statuses), max(len(p) for p in all_points))
    out: list = [Text(f"convlab · {result.submission}", style=HEADING_STYLE, overflow="ellipsis", no_wrap=True), Rule(characters="═", style="none")]
    if len(totals) <= 1:
        for exercise in result.exercises:
            out += _exercise_rows(exercise, layout, lang, compact)
        out.append(Rule(characters="─", style="none"))
        total = Text(label(lang, "total"), style=HEADING_STYLE)
        out.append(layout.row(total, Text(""), points_text(result.points, result.points_possible)))
    for number, assignment in enumerate(totals if len(totals) > 1 else ()):
        out += [Text("")] if number else []
        out.append(wrapping(f"{assignment.assignment}{SEPARATOR}{assignment_title(assignment.assignment, lang)}", style=HEADING_STYLE))
        for exercise in result.exercises:
            if exercise.assignment == assignment.assignment:
                out += _exercise_rows(exercise, layout, lang, compact)
        out.append(Rule(characters="─", style="none"))
        total = Text(label(lang, "total"), style=HEADING_STYLE)
        out.append(layout.row(total, Text(assignment.assignment, style=HEADING_STYLE), points_text(assignment.points, assignment.points_possible)))
    footer = pack(timing_items(result.timings, lang), width) if compact else footer_lines(result, width, lang)
    out += [Text(line, style=FOOTER_STYLE) for line in footer]
    return out


def render_table(
    result: SubmissionResult,
    *,
    width: int = DEFAULT_WIDTH,
    color: bool = False,
    lang: str = "en",
    compact: bool = False,
) -> str:
    """The whole table as one string (no trailing newline).

    compact: for many tables in a row: passing checks left out (their exercise's line
    still shows its points), one failed case per check, messages cut to two lines,
    and only the timing in the footer.
    """
    return render(table_renderables(result, width=width, lang=lang, compact=compact), width=max(MIN_WIDTH, width), color=color)
