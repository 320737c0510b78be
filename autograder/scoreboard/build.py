"""Build the scoreboard: collect the rows, name them, rank them, write the site."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .collect import build_board, rank_rows
from .pseudonyms import PseudonymMap, assign, check_continuity, check_private
from .settings import ScoreboardSettings
from .pseudonyms import PseudonymError
from .site import SITE_FORMAT, SiteOptions, write_site


@dataclass
class BuildSummary:
    students: int  # rows on the board
    opted_out: int
    refused_choices: int  # pseudonym.txt names that were not acceptable or clashed
    new_pseudonyms: int  # random names drawn in this run (saved to the private map)
    files: list[Path]


def read_published(path: Path | None) -> dict | None:
    """The scoreboard.json of the last publication (a file, or a site folder holding one), or None."""
    if path is None:
        return None
    path = Path(path)
    if path.is_dir():
        path = path / "scoreboard.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise PseudonymError(f"cannot read the published scoreboard {path}: {error}") from None
    if not isinstance(data, dict) or data.get("format") != SITE_FORMAT:
        raise PseudonymError(f"{path} is not a scoreboard.json written by `convlab scoreboard`")
    return data


def build_scoreboard(
    results: list[Path], out: Path, settings: ScoreboardSettings, map_path: Path, policy=None, overrides=(), *,
    published: Path | None = None, new_pseudonyms: bool = False, signer=None,
) -> BuildSummary:
    """Write the site for the RESULTS folders into out; the pseudonym map at map_path is read and extended.

    policy and overrides (grades/): the late policy and the instructors' overrides, applied
    to each submission's points before anything is shown or ranked.
    published: the last publication's scoreboard.json (default: out's own, when out holds a site);
    the map must be the one it was published with (pseudonyms.check_continuity).
    signer: verifies every record first (batch.store.RecordSigner), when the seed is known.
    """
    check_private(map_path, out)
    board = build_board(results, settings.pick, policy, overrides, signer)
    mapping = PseudonymMap.load(map_path)
    where = published if published is not None else Path(out) / "scoreboard.json"
    check_continuity(mapping, read_published(where), str(where), new_pseudonyms)
    before = len(mapping.pseudonyms)
    shown, opted_out, refused = assign(board.choices, mapping)
    rows = [row for row in board.rows if row.student in shown]
    for row in rows:
        row.pseudonym = shown[row.student]
    rows = rank_rows(rows)
    mapping.save()  # first: the site never shows a random name the map has not kept
    options = SiteOptions(title=settings.title, pick=settings.pick, bins=settings.histogram_bins, map_id=mapping.id)
    files = write_site(board, rows, out, options)
    return BuildSummary(len(rows), len(opted_out), refused, len(mapping.pseudonyms) - before, files)
