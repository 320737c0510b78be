"""The reporters' own words (headings, verdicts, status words, footers), from the message catalog.

Check and case messages come from the grading engine already in the chosen language; the
words of the frame the reporters put around them live in the catalog's [report] table
(autograder/messages/en.toml and zh.toml), like every other student-facing text.
"""
from __future__ import annotations

from ..messages import LANGUAGES, catalog

__all__ = ["LANGUAGES", "assignment_title", "assignment_total_label", "label", "part_name"]


def label(lang: str, key: str, **fields: object) -> str:
    """The label report.`key` in `lang` (English for an unknown language), formatted with fields."""
    return catalog(lang if lang in LANGUAGES else "en").text(f"report.{key}", **fields)


def part_name(lang: str, table: str, key: str) -> str:
    """The name of a footer part (report.timing.*, report.isolation_part.*); the key itself, with
    spaces for underscores, when the catalog does not name it (a part added since)."""
    entries = catalog(lang if lang in LANGUAGES else "en").entries
    return entries.get(f"report.{table}.{key}", key.replace("_", " "))


def assignment_title(assignment: str, lang: str = "en") -> str:
    """The assignment's title from the message catalog ([assignment] <id>), or its id when it has none."""
    text = catalog(lang if lang in LANGUAGES else "en")
    key = f"assignment.{assignment}"
    return text.text(key) if key in text.entries else assignment


def assignment_total_label(assignment: str, lang: str = "en") -> str:
    """ "Total · cnn": the total line of one assignment when a result holds several."""
    return label(lang, "assignment_total", assignment=assignment)
