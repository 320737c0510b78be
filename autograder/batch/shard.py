"""`--shard i/n`: a deterministic slice of the submissions, for CI matrices and cluster array jobs.

The submissions are sorted by name (code point order: the same on every machine and
locale) and dealt out in turn: shard i of n takes positions i-1, i-1+n, i-1+2n, ...
Every submission lands in exactly one shard, and the shards' sizes differ by one at most.
Shards are numbered from 1, as a matrix `shard: [1, 2, 3, 4]` reads.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence, TypeVar

T = TypeVar("T")
SHARD_PATTERN = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    index: int  # 1..count
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, items: Sequence[T], name=lambda item: item.name) -> list[T]:
        """This shard's share of items, after sorting them by name."""
        ordered = sorted(items, key=name)
        return ordered[self.index - 1 :: self.count]


def parse_shard(text: str) -> Shard:
    """Shard from "i/n" with 1 <= i <= n; ValueError with a readable message otherwise."""
    match = SHARD_PATTERN.fullmatch(text or "")
    if not match:
        raise ValueError(f"--shard expects i/n, e.g. 2/4, got {text!r}")
    index, count = int(match.group(1)), int(match.group(2))
    if not 1 <= index <= count:
        raise ValueError(f"--shard {text}: i must be between 1 and n (shards are numbered from 1)")
    return Shard(index, count)
