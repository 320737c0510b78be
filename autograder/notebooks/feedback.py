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

from ..exercises import REGISTRY
from ..messages import catalog
from ..report.labels import label
from ..report.table import check_status, points_text
from ..report.text import display_width, pad_right, wrap
from ..results import CheckResult, ExerciseResult

WIDTH = 88
CHECK_INDENT = "  "
CASE_INDENT = " " * 8
MESSAGE_INDENT = " " * 10
MAX_CASES = 3  # failed cases shown per check; the rest are counted
SEPARATOR = " · "
# This reporter's own words; the rest comes from the catalog and the reporters' labels.
WORDS = {
    "en": {"hidden_cases": "hidden cases {numbers}", "failed": "{name}: failed.", "said": "{name}: {message}"},
    "zh": {"hidden_cases": "隐藏用例 {numbers}", "failed": "{name}：未通过。", "said": "{name}：{message}"},
}


def _word(lang: str, key: str, **fields: object) -> str:
    return WORDS.get(lang, WORDS["en"])[key].format(**fields)


def mistake_sentence(exercise_id: str, mistake_id: str, lang: str = "en") -> str:
    """The catalog's sentence for a known mistake of an exercise (its id when there is none)."""
    text = catalog(lang)
    exercise = REGISTRY.get(exercise_id)
    for mistake in exercise.mistakes if exercise else ():
        if mistake.id == mistake_id:
            return text.text(mistake.message_key, **mistake.params)
    key = f"mistake.{mistake_id}"
    return text.text(key) if key in text.entries else mistake_id


def _row(left: str, points: str, width: int, indent: str = "", hang: str = "") -> list[str]:
    """left after indent, wrapped (continuation lines after indent + hang), points at the right edge."""
    room = width - display_width(points) - 2
    parts = wrap(left, room - display_width(indent)) or [""]
    first = pad_right(indent + parts[0], room) + "  " + points
    rest = wrap(" ".join(parts[1:]), room, indent + hang) if parts[1:] else []
    return [first, *rest]


# A hidden case whose call ran out of time says so: the sentence names a limit, nothing of the case.
OUT_OF_TIME = ("timeout", "deadline", "skipped_timeout")


def _hidden_lines(exercise_id: str, cases: list, width: int, lang: str) -> list[str]:
    """Failed hidden cases, grouped by the known mistake they matched: numbers and causes only.

    Cases that ran out of time are grouped by what happened and show the grader's sentence
    ("did not finish within 20 s"), which holds no input, shape or value.
    """
    text = catalog(lang)
    groups: dict[str | None, list[int]] = {}
    timed: dict[str, list[tuple[int, str]]] = {}
    for number, case in cases:
        if case.call_status in OUT_OF_TIME:
            timed.setdefault(case.call_status, []).append((number, case.message))
        else:
            groups.setdefault(case.diagnosis, []).append(number)
    lines = []
    for status in OUT_OF_TIME:
        if status in timed:
            numbers = ", ".join(str(n) for n, _ in timed[status])
            name = _word(lang, "hidden_cases", numbers=numbers) if len(timed[status]) > 1 else text.text("case.hidden_plain", n=numbers)
            lines += wrap(_word(lang, "said", name=name, message=timed[status][0][1]), width, CASE_INDENT)
    for diagnosis, numbers in groups.items():
        names = ", ".join(str(n) for n in numbers)
        name = _word(lang, "hidden_cases", numbers=names) if len(numbers) > 1 else text.text("case.hidden_plain", n=names)
        sentence = _word(lang, "failed", name=name)
        if diagnosis:
            space = "" if lang == "zh" else " "  # Chinese sentences follow each other without a space
            sentence += space + text.text("diagnosis.likely", cause=mistake_sentence(exercise_id, diagnosis, lang))
        lines += wrap(sentence, width, CASE_INDENT)
    return lines


def check_lines(exercise_id: str, check: CheckResult, width: int = WIDTH, lang: str = "en") -> list[str]:
    """The check's line and, below it, why its cases failed (hidden ones: number and cause only)."""
    status = check_status(check)
    failed = [case for case in check.cases if not case.passed]
    title = check.title or check.check_id
    if failed:
        title += SEPARATOR + label(lang, "cases_failed", failed=len(failed), total=len(check.cases))
    lines = _row(f"{status}  {title}", points_text(check.points, check.points_possible), width, CHECK_INDENT, " " * (len(status) + 2))
    hidden = [(n, case) for n, case in enumerate((c for c in check.cases if c.hidden), start=1) if not case.passed]
    visible = [case for case in failed if not case.hidden]
    for case in visible[:MAX_CASES]:
        lines += wrap(case.name, width, CASE_INDENT) + wrap(case.message, width, MESSAGE_INDENT)
    more = len(visible) - MAX_CASES
    if more > 0:
        lines.append(CASE_INDENT + (label(lang, "more_failed_one") if more == 1 else label(lang, "more_failed", count=more)))
    return lines + _hidden_lines(exercise_id, hidden, width, lang)


def render_exercise(exercise: ExerciseResult, *, seed: int, seed_kind: str, width: int = WIDTH, lang: str = "en") -> str:
    """The grade cell's text for one graded exercise."""
    title = exercise.title or exercise.exercise_id
    heading = title if exercise.exercise_id in title else f"{exercise.exercise_id}{SEPARATOR}{title}"
    lines = _row(heading, points_text(exercise.points, exercise.points_possible), width)
    if exercise.error:
        lines += wrap(label(lang, "could_not_run", error=exercise.error), width, CHECK_INDENT)
    for check in exercise.checks:
        lines += check_lines(exercise.exercise_id, check, width, lang)
    lines.append(label(lang, "seed_public", seed=seed) if seed_kind == "public" else label(lang, "seed_hidden"))
    return "\n".join(lines)
