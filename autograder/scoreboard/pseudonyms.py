"""Who is shown as whom on the scoreboard.

A student is shown under the name written in pseudonym.txt of their latest
submission, when that name is acceptable (CHOSEN_NAME: 2 to 24 letters, digits,
spaces, "-", "_" or ".", starting with a letter or digit; not a student id; not
chosen by another student too). Writing `opt-out` there leaves them off the board.

Everyone else gets a random name ("Quiet Heron 42"), drawn once with `secrets` and
kept in a private file (the pseudonym map) so it stays the same from run to run.
The map is the only link between names and students: it is random, not derived
from the ids (no hash can be reversed by guessing ids), and it must never be
published: the scoreboard command refuses a map inside the site folder.

    {"format": "convlab-pseudonyms/1",
     "id": "<random hex>",                      # names this map; the published site records it
     "pseudonyms": {"<student id>": "Quiet Heron 42", ...},
     "opt_out": ["<student id>", ...]}          # instructors can opt students out here too

Losing the map would reshuffle every random name and bring opted-out students back, so
a map must outlive the runs that use it (keep it in the private course repository) and
`check_continuity` refuses to publish over a site that another map, or a lost one, named.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..report.atomic import write_json_atomic

MAP_FORMAT = "convlab-pseudonyms/1"
INSTRUCTOR_REPORT_MARKER = ".convlab-instructor-report"  # instructor/page.py writes it into every report folder
MAP_ID_BYTES = 8
PRIVATE_MODE = 0o600
CHOSEN_NAME = re.compile(r"[^\W_][\w .-]{1,23}")
OPT_OUT_WORDS = frozenset({"opt-out", "optout", "opt out", "-"})
ADJECTIVES = (
    "Agile", "Amber", "Bold", "Brave", "Bright", "Calm", "Clever", "Cosmic", "Crisp", "Curious", "Daring", "Eager",
    "Gentle", "Golden", "Happy", "Hidden", "Jolly", "Keen", "Kind", "Lively", "Lucky", "Mellow", "Merry", "Mighty",
    "Nimble", "Noble", "Patient", "Plucky", "Polar", "Proud", "Quick", "Quiet", "Rapid", "Royal", "Rustic", "Shiny",
    "Silent", "Silver", "Sly", "Snowy", "Steady", "Sunny", "Swift", "Tidy", "Vivid", "Wise", "Witty", "Zesty",
)
ANIMALS = (
    "Alpaca", "Badger", "Beaver", "Bison", "Cheetah", "Condor", "Crane", "Dolphin", "Eagle", "Falcon", "Ferret", "Gecko",
    "Heron", "Ibex", "Jaguar", "Kestrel", "Koala", "Lemur", "Lynx", "Magpie", "Marmot", "Meerkat", "Narwhal", "Ocelot",
    "Orca", "Osprey", "Otter", "Owl", "Panda", "Pelican", "Penguin", "Puffin", "Quokka", "Raven", "Salmon", "Seal",
    "Sparrow", "Stork", "Tapir", "Tiger", "Toucan", "Turtle", "Walrus", "Weasel", "Whale", "Wolf", "Wombat", "Yak",
)
NUMBER_RANGE = (10, 99)


class PseudonymError(Exception):
    """The pseudonym map cannot be used (unreadable, or where it would be published)."""


@dataclass
class PseudonymMap:
    path: Path
    pseudonyms: dict[str, str] = field(default_factory=dict)
    opt_out: set[str] = field(default_factory=set)
    changed: bool = False
    id: str = field(default_factory=lambda: secrets.token_hex(MAP_ID_BYTES))
    existed: bool = False  # read from a file, not started afresh

    @classmethod
    def load(cls, path: Path) -> "PseudonymMap":
        path = Path(path)
        if not path.exists():
            return cls(path, changed=True)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise PseudonymError(f"cannot read the pseudonym map {path}: {error}") from None
        if not isinstance(data, dict) or data.get("format") != MAP_FORMAT or not isinstance(data.get("pseudonyms"), dict):
            raise PseudonymError(f"{path} is not a pseudonym map (format {MAP_FORMAT})")
        map_id = data.get("id")
        loaded = cls(path, {str(k): str(v) for k, v in data["pseudonyms"].items()}, {str(s) for s in data.get("opt_out", [])}, existed=True)
        if isinstance(map_id, str) and map_id:
            loaded.id = map_id
        else:
            loaded.changed = True  # a map from before maps had ids: save it with its new one
        return loaded

    def generated(self, student: str, taken: set[str]) -> str:
        """The student's random pseudonym, drawn now (and remembered) if they have none yet."""
        if student not in self.pseudonyms:
            used = {name.casefold() for name in self.pseudonyms.values()} | {name.casefold() for name in taken}
            self.pseudonyms[student] = _draw(used)
            self.changed = True
        return self.pseudonyms[student]

    def save(self) -> None:
        """Write the map (only readable by its owner) when it is new or new pseudonyms were drawn."""
        if not self.changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
        data = {"format": MAP_FORMAT, "id": self.id, "pseudonyms": dict(sorted(self.pseudonyms.items())), "opt_out": sorted(self.opt_out)}
        write_json_atomic(self.path, data)
        self.changed = False


def _draw(used: set[str]) -> str:
    low, high = NUMBER_RANGE
    while True:
        name = f"{secrets.choice(ADJECTIVES)} {secrets.choice(ANIMALS)} {low + secrets.randbelow(high - low + 1)}"
        if name.casefold() not in used:
            return name


def is_opt_out(choice: str | None) -> bool:
    return choice is not None and choice.strip().casefold() in OPT_OUT_WORDS


def acceptable_choice(choice: str | None, student_ids: set[str]) -> str | None:
    """The chosen name, normalised, when it may be shown; else None."""
    if choice is None:
        return None
    name = " ".join(unicodedata.normalize("NFC", choice).split())
    if not CHOSEN_NAME.fullmatch(name) or is_opt_out(name):
        return None
    if name.casefold() in {student.casefold() for student in student_ids}:
        return None  # a student id is not a pseudonym
    return name


def assign(choices: dict[str, str | None], mapping: PseudonymMap) -> tuple[dict[str, str], set[str], int]:
    """(student -> pseudonym, students opted out, number of refused or clashing choices).

    choices: student id -> what their latest submission's pseudonym.txt said (or None).
    Two students choosing the same name (ignoring case) both get random ones instead, and so
    does a student choosing the random name another student already has.
    """
    students = set(choices)
    opted_out = {s for s, choice in choices.items() if is_opt_out(choice)} | (mapping.opt_out & students)
    accepted = {s: acceptable_choice(choices[s], students) for s in students - opted_out}
    counts: dict[str, int] = {}
    for name in accepted.values():
        if name:
            counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    drawn = {name.casefold(): student for student, name in mapping.pseudonyms.items()}
    chosen = {
        s: name
        for s, name in accepted.items()
        if name and counts[name.casefold()] == 1 and drawn.get(name.casefold(), s) == s  # not another's random name
    }
    refused = sum(1 for s in students - opted_out if choices[s] and s not in chosen)
    shown = dict(chosen)
    taken = set(chosen.values())
    for student in sorted(students - opted_out - set(chosen)):
        shown[student] = mapping.generated(student, taken)
    return shown, opted_out, refused


def check_private(map_path: Path, site: Path) -> None:
    """Refuse a pseudonym map that would be published with the site, or a site folder holding an instructor report."""
    if Path(map_path).resolve().is_relative_to(Path(site).resolve()):
        raise PseudonymError(f"the pseudonym map {map_path} lies inside the site folder {site}: keep it private, outside the site")
    site = Path(site)
    if site.is_dir() and any(site.rglob(INSTRUCTOR_REPORT_MARKER)):
        raise PseudonymError(f"{site} holds an instructor report (similarity or misconceptions): never publish it; build the site elsewhere")


def check_continuity(mapping: PseudonymMap, published: dict | None, published_where: str, new_pseudonyms: bool) -> None:
    """Refuse to publish with a map other than the one the last publication used (or without it).

    published: the scoreboard.json of the last publication, or None when there was none.
    """
    if published is None or new_pseudonyms:
        return
    named = published.get("pseudonym_map")
    advice = (
        "Restore the map (keep it in the private course repository; docs/batch.md), or pass "
        "--new-pseudonyms to give every student a new name on purpose."
    )
    if not mapping.existed:
        raise PseudonymError(
            f"{published_where} was published with a pseudonym map{f' ({named})' if named else ''}, but {mapping.path} "
            f"does not exist: publishing now would give every student a new name and show students who opted out. {advice}"
        )
    if named and named != mapping.id:
        raise PseudonymError(
            f"{published_where} was published with the pseudonym map {named}, but {mapping.path} is the map {mapping.id}: "
            f"publishing now would reshuffle the names. {advice}"
        )
