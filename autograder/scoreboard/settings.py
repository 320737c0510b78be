"""The scoreboard's settings: the [scoreboard] table of grading.toml, or the defaults.

    [scoreboard]
    title = "convlab scoreboard"
    pick = "best"                             # per student: "best" or "latest" submission
    pseudonym_map = "private/pseudonyms.json" # the private student -> pseudonym file (relative to grading.toml)
    histogram_bins = 10                       # bars per histogram

Every key is optional; an unknown key or a bad value is refused with a message naming it.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

PICKS = ("best", "latest")
MIN_BINS, MAX_BINS = 2, 50
TITLE_MAX_CHARS = 120


class SettingsError(Exception):
    """A bad [scoreboard] table; the message names the key."""


@dataclass(frozen=True)
class ScoreboardSettings:
    title: str = "convlab scoreboard"
    pick: str = "best"
    pseudonym_map: str = "private/pseudonyms.json"
    histogram_bins: int = 10


def validate(table: dict, where: str = "[scoreboard]") -> ScoreboardSettings:
    """ScoreboardSettings from a parsed [scoreboard] table; SettingsError for a bad key or value."""
    known = {f.name: f for f in fields(ScoreboardSettings)}
    settings = ScoreboardSettings()
    for key, value in table.items():
        if key not in known:
            raise SettingsError(f"{where}: unknown key {key!r} (known: {', '.join(known)})")
        settings = replace(settings, **{key: value})
    if not isinstance(settings.title, str) or not 0 < len(settings.title) <= TITLE_MAX_CHARS:
        raise SettingsError(f"{where} title: a text of 1 to {TITLE_MAX_CHARS} characters")
    if settings.pick not in PICKS:
        raise SettingsError(f"{where} pick: {' or '.join(map(repr, PICKS))}, got {settings.pick!r}")
    if not isinstance(settings.pseudonym_map, str) or not settings.pseudonym_map:
        raise SettingsError(f"{where} pseudonym_map: a file path")
    bins = settings.histogram_bins
    if isinstance(bins, bool) or not isinstance(bins, int) or not MIN_BINS <= bins <= MAX_BINS:
        raise SettingsError(f"{where} histogram_bins: a whole number from {MIN_BINS} to {MAX_BINS}, got {bins!r}")
    return settings


def load_settings(grading_toml: Path) -> ScoreboardSettings:
    """The [scoreboard] table of grading_toml, validated; the defaults when it has none."""
    try:
        data = tomllib.loads(Path(grading_toml).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ScoreboardSettings()
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"cannot read {grading_toml}: {error}") from None
    table = data.get("scoreboard", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{grading_toml}: scoreboard must be a table ([scoreboard])")
    return validate(table, f"{grading_toml} [scoreboard]")
