"""The terminal table: one line per exercise and per check, failed cases below their check.

    convlab · alice
    ════════════════════════════════════════════════════════════════
    conv_forward  Forward pass of a convolution layer      12.5 / 20
      PASS  lecture examples                                   5 / 5
      PART  random shapes · 3 of 8 cases failed              7.5 / 15
            random case 2 · likely mistake: flipped_kernel
              z differs at [0, 1, 2, 3] ...
    ────────────────────────────────────────────────────────────────
    Total                                                   12.5 / 20
    seed 2021 (public) · device cpu · torch 2.13.0 · ...

Passing checks take one line; a failed case shows its name, the known mistake it
matched and its message, wrapped and indented. Colour only when asked for (a TTY).

A result holding the exercises of several assignments (grading.toml's `assignment`)
shows each assignment under its own heading, closed by its own total line
("Total · classic_networks  100 / 100"): each is graded out of its own points.
"""
from __future__ import annotations

from ..results import CheckResult, ExerciseResult, SubmissionResult
from .footer import SEPARATOR, footer_lines, timing_text
from .labels import assignment_title, assignment_total_label, label
from .text import display_width, format_points, pad_left, pad_right, truncate, wrap

DEFAULT_WIDTH = 88
MIN_WIDTH = 60
MAX_CASES = 3  # failed cases shown per check; the rest are counted
COMPACT_MAX_CASES = 1
COMPACT_MESSAGE_LINES = 2
CHECK_INDENT = "  "
CASE_INDENT = " " * 8
MESSAGE_INDENT = " " * 10

STYLES = {"PASS": "32", "PART": "33", "FAIL": "31", "ERROR": "31", "bold": "1", "dim": "2"}


def paint(text: str, style: str, color: bool) -> str:
    """text in an ANSI style when color is on, unchanged otherwise."""
    return f"\033[{STYLES[style]}m{text}\033[0m" if color else text


def points_text(earned: float, possible: float) -> str:
    """ "12.5 / 20" """
    return f"{format_points(earned)} / {format_points(possible)}"


def check_status(check: CheckResult) -> str:
    """PASS (every case passed), PART (some did) or FAIL (none did, or there were no cases)."""
    passed = sum(c.passed for c in check.cases)
    if check.cases and passed == len(check.cases):
        return "PASS"
    return "PART" if passed else "FAIL"


class _Layout:
    """Left text and right-aligned points on one line, within `width` columns."""

    def __init__(self, width: int, points_width: int, color: bool):
        self.width = width
        self.points_width = points_width
        self.left_width = width - points_width - 2
        self.color = color

    def row(self, left: str, points: str, *, status: str | None = None, note: str = "", bold: bool = False) -> list[str]:
        """[indent, status word (maybe coloured)] + left + note, wrapped, with points at the
        right edge of the first line. Continuation lines start under left's first word; the
        note is never split: it goes whole onto the next line when it does not fit."""
        prefix = f"{CHECK_INDENT}{status}  " if status else ""
        room = self.left_width - len(prefix)
        parts = wrap(left, room) or [""]
        if note:
            joined = parts[-1] + SEPARATOR + note
            if display_width(joined) <= room:
                parts[-1] = joined
            else:
                parts += wrap(note, room)
        first = pad_right(prefix + parts[0], self.left_width) + "  " + pad_left(points, self.points_width)
        rest = [" " * len(prefix) + part for part in parts[1:]]
        if bold:
            return [paint(line, "bold", self.color) for line in [first, *rest]]
        if status and self.color:
            start = len(CHECK_INDENT)
            first = first[:start] + paint(status, status, self.color) + first[start + len(status):]
        return [first, *rest]


def _case_lines(check: CheckResult, width: int, lang: str, max_cases: int, message_lines: int | None) -> list[str]:
    failed = [c for c in check.cases if not c.passed]
    lines: list[str] = []
    for case in failed[:max_cases]:
        heading = case.name + (f" {label(lang, 'hidden')}" if case.hidden else "")
        diagnosis = label(lang, "diagnosis", mistake=case.diagnosis) if case.diagnosis else ""
        # The known mistake ends the heading line when it fits there, else it opens the message.
        if diagnosis and display_width(CASE_INDENT + heading + SEPARATOR + diagnosis) <= width:
            heading, diagnosis = heading + SEPARATOR + diagnosis, ""
        lines += wrap(heading, width, CASE_INDENT) + wrap(diagnosis, width, MESSAGE_INDENT)
        message = wrap(case.message, width, MESSAGE_INDENT)
        if message_lines is not None and len(message) > message_lines:
            message = message[: message_lines - 1] + [truncate(message[message_lines - 1] + " …", width)]
        lines += message
    more = len(failed) - max_cases
    if more > 0:
        lines.append(CASE_INDENT + (label(lang, "more_failed_one") if more == 1 else label(lang, "more_failed", count=more)))
    return lines


def _exercise_lines(exercise: ExerciseResult, layout: _Layout, lang: str, compact: bool) -> list[str]:
    max_cases = COMPACT_MAX_CASES if compact else MAX_CASES
    message_lines = COMPACT_MESSAGE_LINES if compact else None
    heading = exercise.exercise_id
    if exercise.title and exercise.title != exercise.exercise_id:
        heading += f"  {exercise.title}"
    lines = layout.row(heading, points_text(exercise.points, exercise.points_possible), bold=True)
    if exercise.error:
        # "  ERROR " then the reason, its continuation lines under the reason's first word.
        body = wrap(label(lang, "could_not_run", error=exercise.error), layout.width, CASE_INDENT)
        if message_lines is not None:
            body = body[:message_lines]
        first = CHECK_INDENT + paint("ERROR", "ERROR", layout.color) + " " + body[0][len(CASE_INDENT):]
        lines += [first, *body[1:]]
    for check in exercise.checks:
        status = check_status(check)
        if compact and status == "PASS":
            continue
        failed = sum(not c.passed for c in check.cases)
        note = label(lang, "cases_failed", failed=failed, total=len(check.cases)) if failed else ""
        lines += layout.row(check.title or check.check_id, points_text(check.points, check.points_possible), status=status, note=note)
        lines += _case_lines(check, layout.width, lang, max_cases, message_lines)
    return lines


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
    width = max(MIN_WIDTH, width)
    totals = result.assignment_totals
    all_points = [points_text(result.points, result.points_possible)]
    all_points += [points_text(total.points, total.points_possible) for total in totals]
    for exercise in result.exercises:
        all_points.append(points_text(exercise.points, exercise.points_possible))
        all_points += [points_text(c.points, c.points_possible) for c in exercise.checks]
    layout = _Layout(width, max(display_width(p) for p in all_points), color)

    lines = [paint(truncate(f"convlab · {result.submission}", width), "bold", color), "═" * width]
    if len(totals) <= 1:
        for exercise in result.exercises:
            lines += _exercise_lines(exercise, layout, lang, compact)
        lines.append("─" * width)
        lines += layout.row(label(lang, "total"), points_text(result.points, result.points_possible), bold=True)
    for number, total in enumerate(totals if len(totals) > 1 else ()):
        heading = f"{total.assignment}{SEPARATOR}{assignment_title(total.assignment, lang)}"
        lines += ([""] if number else []) + [paint(line, "bold", color) for line in wrap(heading, width)]
        for exercise in result.exercises:
            if exercise.assignment == total.assignment:
                lines += _exercise_lines(exercise, layout, lang, compact)
        lines.append("─" * width)
        lines += layout.row(assignment_total_label(total.assignment, lang), points_text(total.points, total.points_possible), bold=True)
    footer = wrap(timing_text(result.timings, lang), width) if compact else footer_lines(result, width, lang)
    lines += [paint(line, "dim", color) for line in footer]
    return "\n".join(lines)
