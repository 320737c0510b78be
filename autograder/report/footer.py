"""The facts that make a score reproducible: seed kind, device, versions, timings.

Shared by the terminal table and the Gradescope output. A hidden seed is never
printed, only the word "hidden"; a public seed is printed so a student can rerun it.
The terminal names the parts of the isolation and time lines in the chosen language
(localized=True); Gradescope's results.json keeps them as the result records them.
"""
from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console

from ..results import SubmissionResult
from .cjk import wrapping
from .labels import label, part_name
from .text import format_seconds

SEPARATOR = " · "
# Keys of SubmissionResult.environment shown first, in this order; the rest follow as given.
LEADING_KEYS = ("device", "oracle_device", "torch", "numpy", "python")
# A nested dict under one of these keys is a plain list of versions: shown without its key.
VERSION_GROUPS = ("versions",)
# Any other nested dict is shown by this key's value when it has one, else by its key names.
SUMMARY_KEY = "summary"


def seed_text(result: SubmissionResult, lang: str = "en") -> str:
    """ "seed 2021 (public)" or "seed hidden": the hidden seed itself never leaves the grader."""
    if result.seed_kind == "public":
        return label(lang, "seed_public", seed=result.seed)
    return label(lang, "seed_hidden")


def _value(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(v) for v in value)
    return str(value)


def _digest(details: dict, lang: str, localized: bool) -> str:
    # A detailed record (the sandbox's isolation report) is summed up in one line: its own
    # "summary" when it has one, else the names of what it records; the JSON keeps it whole.
    if SUMMARY_KEY in details:
        return _value(details[SUMMARY_KEY])
    if localized:
        return label(lang, "list_separator").join(part_name(lang, "isolation_part", str(key)) for key in details)
    return ", ".join(str(key).replace("_", " ") for key in details)


def environment_items(environment: dict, lang: str = "en", *, localized: bool = False) -> list[str]:
    """The environment as "name value" items, device and library versions first."""
    flat: dict[str, str] = {}
    digests = {str(k) for k, v in environment.items() if isinstance(v, dict) and k not in VERSION_GROUPS}
    for key, value in environment.items():
        if key in VERSION_GROUPS and isinstance(value, dict):
            flat.update({str(k): _value(v) for k, v in value.items()})
        elif isinstance(value, dict):
            flat[str(key)] = _digest(value, lang, localized)
        else:
            flat[str(key)] = _value(value)
    ordered = [k for k in LEADING_KEYS if k in flat] + [k for k in flat if k not in LEADING_KEYS]
    if localized:
        return [(_item_name(key, lang, environment) + label(lang, "name_value") if key in digests
                 else f"{_item_name(key, lang, environment)} ") + flat[key]
                for key in ordered]
    return [f"{_item_name(key, lang, environment)}{':' if key in digests else ''} {flat[key]}" for key in ordered]


def _item_name(key: str, lang: str, environment: dict) -> str:
    if key.endswith("device"):
        return label(lang, "device")
    if key == "isolation":
        level = environment["isolation"].get("level") if isinstance(environment["isolation"], dict) else None
        return label(lang, "isolation" if level in (None, "full") else "isolation_weaker")
    return key.replace("_", " ")


def timing_text(timings: dict, lang: str = "en", *, localized: bool = False) -> str:
    """ "time 3.21 s (oracle 0.40 s · student calls 1.10 s)": the total first, then its parts."""
    if not timings:
        return ""

    def name(key: str) -> str:
        return part_name(lang, "timing", key) if localized else key.replace("_", " ")

    parts = [f"{name(key)} {format_seconds(float(value))}" for key, value in timings.items() if key != "total"]
    if "total" in timings:
        text = f"{label(lang, 'time')} {format_seconds(float(timings['total']))}"
        return f"{text} ({SEPARATOR.join(parts)})" if parts else text
    return f"{label(lang, 'time')}: {SEPARATOR.join(parts)}"


def pack(items: list[str], width: int) -> list[str]:
    """items joined by " · " into lines of at most `width` columns, breaking only between items
    (an item wider than a line is wrapped on its own)."""
    lines: list[str] = []
    for item in items:
        if lines and cell_len(lines[-1] + SEPARATOR + item) <= width:
            lines[-1] += SEPARATOR + item
        elif cell_len(item) <= width:
            lines.append(item)
        else:
            lines += [line.plain for line in wrapping(item).wrap(Console(width=width, color_system=None), width)]
    return lines


def footer_lines(result: SubmissionResult, width: int, lang: str = "en") -> list[str]:
    """The terminal's footer in `width` columns: seed and environment, timings, grader version."""
    lines = pack([seed_text(result, lang), *environment_items(result.environment, lang, localized=True)], width)
    lines += pack(timing_items(result.timings, lang), width)
    if result.grader_version:
        lines.append(f"{label(lang, 'grader')} {result.grader_version}")
    return lines


def timing_items(timings: dict, lang: str) -> list[str]:
    """The time line split where it may break: "time 3.21 s (oracle 0.40 s", "student calls 1.10 s)"."""
    text = timing_text(timings, lang, localized=True)
    return text.split(SEPARATOR) if text else []
