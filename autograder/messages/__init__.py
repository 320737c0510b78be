"""The catalog of every student-facing message, in English (en.toml) and Simplified Chinese (zh.toml).

Both files hold the same keys with the same {placeholders}; tests/test_config.py
checks that. Keys are dotted paths of the TOML tables: "mistake.conv_kernel_flipped",
"check.conv2d_forward.lecture", "compare.shape".
"""
from __future__ import annotations

import functools
import string
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

LANGUAGES = ("en", "zh")
CATALOG_DIR = Path(__file__).resolve().parent


class Catalog:
    """The messages of one language: text(key, **params) formats one of them."""

    def __init__(self, lang: str, entries: dict[str, str]):
        self.lang = lang
        self.entries = entries

    def text(self, key: str, **params) -> str:
        try:
            template = self.entries[key]
        except KeyError:
            raise KeyError(f"messages/{self.lang}.toml has no message {key!r}") from None
        return template.format(**params)


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    entries = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            entries.update(_flatten(value, path + "."))
        else:
            entries[path] = value
    return entries


@functools.lru_cache(maxsize=None)
def catalog(lang: str = "en") -> Catalog:
    """The catalog of `lang` ("en" or "zh"); ValueError for any other language."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    with open(CATALOG_DIR / f"{lang}.toml", "rb") as handle:
        return Catalog(lang, _flatten(tomllib.load(handle)))


def placeholders(template: str) -> set[str]:
    """The {names} a message uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
