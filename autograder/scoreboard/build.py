"""Build the scoreboard: collect the rows, name them, rank them, write the site."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .collect import build_board, rank_rows
from .pseudonyms import PseudonymMap, assign, check_private
from .settings import ScoreboardSettings
from .site import SiteOptions, write_site


@dataclass
class BuildSummary:
    students: int  # rows on the board
    opted_out: int
    refused_choices: int  # pseudonym.txt names that were not acceptable or clashed
    new_pseudonyms: int  # random names drawn in this run (saved to the private map)
    files: list[Path]


def build_scoreboard(results: list[Path], out: Path, settings: ScoreboardSettings, map_path: Path, policy=None, overrides=()) -> BuildSummary:
    """Write the site for the RESULTS folders into out; the pseudonym map at map_path is read and extended.

    policy and overrides (grades/): the late policy and the instructors' overrides, applied
    to each submission's points before anything is shown or ranked.
    """
    check_private(map_path, out)
    board = build_board(results, settings.pick, policy, overrides)
    mapping = PseudonymMap.load(map_path)
    before = len(mapping.pseudonyms)
    shown, opted_out, refused = assign(board.choices, mapping)
    rows = [row for row in board.rows if row.student in shown]
    for row in rows:
        row.pseudonym = shown[row.student]
    rows = rank_rows(rows)
    mapping.save()  # first: the site never shows a random name the map has not kept
    options = SiteOptions(title=settings.title, pick=settings.pick, show_speed=settings.show_speed, bins=settings.histogram_bins)
    files = write_site(board, rows, out, options)
    return BuildSummary(len(rows), len(opted_out), refused, len(mapping.pseudonyms) - before, files)
