"""What a grade cell prints: one exercise's checks, and why its failed cases failed.

    Convolution forward pass (conv2d_forward)                            3 / 14
      PASS  the lecture's worked examples                                3 / 3
      FAIL  stride 2 and 3, padding 0 to 2 · 4 of 4 cases failed         0 / 5
            hidden cases 1, 2, 3, 4: failed. Likely cause: the kernel was flipped ...
      FAIL  ...
            docstring example 2
              z: 3 of 8 values differ; the largest difference is at ... Likely cause: ...
    seed hidden

A visible case shows the grader's full message. Hidden cases show only that they failed
and the known mistake their output matched, grouped by mistake: never their inputs,
shapes, expected values or where their output differed. The seed is printed only when
it is public.
"""
from __future__ import annotations

from rich.console import Group
from rich.padding import Padding
from rich.table import Table

from ..exercises import REGISTRY
from ..messages import catalog
from ..report.cjk import wrapping
from ..report.console import render
from ..report.labels import label
from ..report.table import check_status, points_text, status_word
from ..report.unfinished import check_not_started, exercise_not_started, not_started_text, waits_for_others
from ..results import CheckResult, ExerciseResult

WIDTH = 88
CHECK_INDENT = 2
CASE_INDENT = 8
MESSAGE_INDENT = 10
MAX_CASES = 3  # failed cases shown per check; the rest are counted
SEPARATOR = " · "


def mistake_sentence(exercise_id: str, mistake_id: str, lang: str = "en") -> str:
    """The catalog's sentence for a known mistake of an exercise (its id when there is none)."""
    text = catalog(lang)
    exercise = REGISTRY.get(exercise_id)
    for mistake in exercise.mistakes if exercise else ():
        if mistake.id == mistake_id:
            return text.text(mistake.message_key, **mistake.params)
    key = f"mistake.{mistake_id}"
    return text.text(key) if key in text.entries else mistake_id


def _row(left, points: str, indent: int = 0) -> Table:
    """left (a renderable) after `indent` columns, points at the right edge."""
    grid = Table.grid(padding=(0, 2), expand=True)
    grid.add_column(ratio=1, overflow="fold")
    grid.add_column(justify="right", no_wrap=True)
    grid.add_row(Padding(left, (0, 0, 0, indent)), wrapping(points))
    return grid


def _status_line(status: str, title: str, lang: str) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(status_word(status, lang), wrapping(title))
    return grid


# A hidden case whose call ran out of time says so: the sentence names a limit, nothing of the case.
OUT_OF_TIME = ("timeout", "deadline", "skipped_timeout")


def _hidden_lines(exercise_id: str, cases: list, lang: str) -> list:
    """Failed hidden cases, grouped by the known mistake they matched: numbers and causes only.

    Cases that ran out of time are grouped by what happened and show the grader's sentence
    ("did not finish within 20 s"), which holds no input, shape or value.
    """
    text = catalog(lang)
    groups: dict[str | None, list[int]] = {}
    timed: dict[str, list[tuple[int, str]]] = {}
    for number, case in cases:
        if case.status in OUT_OF_TIME:
            timed.setdefault(case.status, []).append((number, case.message))
        else:
            groups.setdefault(case.diagnosis, []).append(number)
    lines = []
    for status in OUT_OF_TIME:
        if status in timed:
            numbers = label(lang, "list_separator").join(str(n) for n, _ in timed[status])
            name = label(lang, "hidden_cases", numbers=numbers) if len(timed[status]) > 1 else text.text("case.hidden_plain", n=numbers)
            sentence = label(lang, "case_said", name=name, message=timed[status][0][1])
            lines.append(Padding(wrapping(sentence), (0, 0, 0, CASE_INDENT)))
    for diagnosis, numbers in groups.items():
        names = label(lang, "list_separator").join(str(n) for n in numbers)
        name = label(lang, "hidden_cases", numbers=names) if len(numbers) > 1 else text.text("case.hidden_plain", n=names)
        sentence = label(lang, "case_failed", name=name)
        if diagnosis:  # diagnosis.likely starts with the space a language puts between sentences
            sentence += text.text("diagnosis.likely", cause=mistake_sentence(exercise_id, diagnosis, lang))
        lines.append(Padding(wrapping(sentence), (0, 0, 0, CASE_INDENT)))
    return lines


def check_lines(exercise_id: str, check: CheckResult, lang: str = "en") -> list:
    """The check's line and, below it, why its cases failed (hidden ones: number and cause only)."""
    failed = [case for case in check.cases if not case.passed]
    title = check.title or check.check_id
    status = check_status(check)
    if check_not_started(check):
        status, title = "TODO", title + SEPARATOR + label(lang, "not_implemented")
        failed = []
    elif failed:
        title += SEPARATOR + label(lang, "cases_failed", failed=len(failed), total=len(check.cases))
    lines = [_row(_status_line(status, title, lang), points_text(check.points, check.points_possible), CHECK_INDENT)]
    hidden = [(n, case) for n, case in enumerate((c for c in check.cases if c.hidden), start=1) if not case.passed and failed]
    visible = [case for case in failed if not case.hidden]
    for case in visible[:MAX_CASES]:
        lines += [Padding(wrapping(case.name), (0, 0, 0, CASE_INDENT)), Padding(wrapping(case.message), (0, 0, 0, MESSAGE_INDENT))]
    more = len(visible) - MAX_CASES
    if more > 0:
        lines.append(Padding(wrapping(label(lang, "more_failed_one") if more == 1 else label(lang, "more_failed", count=more)), (0, 0, 0, CASE_INDENT)))
    return lines + _hidden_lines(exercise_id, hidden, lang)


def render_exercise(exercise: ExerciseResult, *, seed: int, seed_kind: str, width: int = WIDTH, lang: str = "en") -> str:
    """The grade cell's text for one graded exercise."""
    title = exercise.title or exercise.exercise_id
    heading = title if exercise.exercise_id in title else f"{exercise.exercise_id}{SEPARATOR}{title}"
    lines: list = [_row(wrapping(heading), points_text(exercise.points, exercise.points_possible))]
    if exercise.error:
        lines.append(Padding(wrapping(label(lang, "could_not_run", error=exercise.error)), (0, 0, 0, CHECK_INDENT)))
    if exercise_not_started(exercise):
        text = not_started_text(exercise.exercise_id, lang, "assignments", waiting=waits_for_others(exercise))
        lines.append(Padding(_status_line("TODO", text, lang), (0, 0, 0, CHECK_INDENT)))
    else:
        for check in exercise.checks:
            lines += check_lines(exercise.exercise_id, check, lang)
    lines.append(wrapping(label(lang, "seed_public", seed=seed) if seed_kind == "public" else label(lang, "seed_hidden")))
    return render([Group(*lines)], width=width)
