"""The late policy: which deadline applies to a student, how late a submission is, what it costs.

    [late]
    deadline = 2026-12-01T23:59:00+01:00   # with its UTC offset; no deadline: nothing is late
    grace_minutes = 15                     # up to this long after the deadline still counts as on time
    penalty_per_day = 10                   # percent of the points earned, per day or part of a day late
    max_penalty = 50                       # percent: the most lateness can cost (100: everything)

    [late.extensions]                      # per student id: days added, or a deadline of their own
    s042 = 2
    s107 = 2026-12-05T12:00:00+01:00

Counting: a submission up to grace_minutes after its deadline is on time. Later than that,
every started day after the deadline counts (1 minute past the grace: 1 day; 24 h 1 min: 2
days), and the penalty is min(penalty_per_day * days, max_penalty) percent of the points the
submission earned. A percentage of the earned points, not of the points possible, so the
penalty of a whole assignment equals the sum of its parts' penalties: nbgrader, which
penalises notebook by notebook, and convlab batch, which penalises the total, agree.

A submission whose time is unknown is counted as on time, with a note saying so.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

DAY = timedelta(days=1)
PERCENT = 100.0
POINTS_DIGITS = 4  # the result model rounds points to 4 decimals; so does every penalty


class PolicyError(ValueError):
    """A bad [late] table or overrides file; the message names the key or the line."""


@dataclass(frozen=True)
class LatePolicy:
    deadline: datetime | None = None  # timezone-aware; None: nothing is ever late
    grace: timedelta = timedelta(0)
    penalty_per_day: float = 0.0  # percent of the points earned
    max_penalty: float = PERCENT  # percent
    extensions: Mapping[str, datetime] = field(default_factory=dict)  # student -> their own deadline

    def deadline_for(self, student: str) -> datetime | None:
        """The deadline that applies to this student: their extension's, else the course's."""
        return self.extensions.get(student, self.deadline)

    def assess(self, student: str, submitted_at: str | datetime | None) -> "Lateness":
        """How late this student's submission made at submitted_at is, and the penalty in percent."""
        deadline = self.deadline_for(student)
        moment = parse_moment(submitted_at) if submitted_at is not None else None
        if deadline is None:
            return Lateness(_text(moment), None, 0.0, 0, 0.0, "no deadline")
        if moment is None:
            return Lateness(None, _text(deadline), 0.0, 0, 0.0, "no submission time known: counted as on time")
        seconds = (moment - deadline).total_seconds()
        if seconds <= self.grace.total_seconds():
            return Lateness(_text(moment), _text(deadline), max(0.0, seconds), 0, 0.0, "on time")
        days = math.ceil(seconds / DAY.total_seconds())
        percent = min(self.penalty_per_day * days, self.max_penalty)
        note = f"{_duration(seconds)} late ({days} day{'s' if days != 1 else ''}): {_number(percent)}% off"
        return Lateness(_text(moment), _text(deadline), seconds, days, percent, note)


@dataclass(frozen=True)
class Lateness:
    submitted_at: str | None  # ISO 8601
    deadline: str | None  # the deadline that applied (with the student's extension), ISO 8601
    seconds_late: float
    days_late: int  # 0: on time
    penalty_percent: float
    note: str

    @property
    def late_by(self) -> str:
        """How late, in words: "3 h 12 min", "2 d 4 h" ("" when on time)."""
        return _duration(self.seconds_late) if self.days_late else ""

    def penalty(self, points: float) -> float:
        """The points this lateness costs a submission that earned `points`."""
        return round(max(0.0, points) * self.penalty_percent / PERCENT, POINTS_DIGITS)

    def to_dict(self) -> dict:
        return {
            "submitted_at": self.submitted_at,
            "deadline": self.deadline,
            "seconds_late": round(self.seconds_late, 3),
            "days_late": self.days_late,
            "penalty_percent": self.penalty_percent,
            "note": self.note,
        }


def parse_moment(value: str | datetime) -> datetime:
    """A timezone-aware datetime from an ISO 8601 text or a datetime (naive ones are taken as UTC)."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip().removesuffix(" UTC")
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def parse_late_table(table: Mapping, where: str = "grading.toml: [late]") -> LatePolicy:
    """A LatePolicy from grading.toml's [late] table; PolicyError names a bad key."""
    if not isinstance(table, Mapping):
        raise PolicyError(f"{where} must be a table")
    known = ("deadline", "grace_minutes", "penalty_per_day", "max_penalty", "extensions")
    for key in table:
        if key not in known:
            raise PolicyError(f"{where} unknown key {key!r} (known: {', '.join(known)})")
    deadline = _deadline(table["deadline"], f"{where} deadline") if "deadline" in table else None
    grace = _number_in(table.get("grace_minutes", 0), f"{where} grace_minutes", 0, None)
    per_day = _number_in(table.get("penalty_per_day", 0), f"{where} penalty_per_day", 0, PERCENT)
    cap = _number_in(table.get("max_penalty", PERCENT), f"{where} max_penalty", 0, PERCENT)
    raw_extensions = table.get("extensions", {})
    if not isinstance(raw_extensions, Mapping):
        raise PolicyError(f"{where} extensions must be a table of student id = days or deadline")
    extensions = {}
    for student, value in raw_extensions.items():
        name = f"{where} extensions.{student}"
        if isinstance(value, (datetime, date, str)):
            extensions[str(student)] = _deadline(value, name)
        else:
            if deadline is None:
                raise PolicyError(f"{name}: days of extension need a deadline to add them to")
            extensions[str(student)] = deadline + timedelta(days=_number_in(value, name, 0, None))
    return LatePolicy(deadline, timedelta(minutes=grace), per_day, cap, extensions)


def _deadline(value, name: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise PolicyError(f"{name} must be a date and time such as 2026-12-01T23:59:00+01:00, got {value!r}") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise PolicyError(f"{name} must be a date and time with its UTC offset, such as 2026-12-01T23:59:00+01:00, got {value!r}")
    return value


def _number_in(value, name: str, low: float, high: float | None) -> float:
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    if not ok or value < low or (high is not None and value > high):
        bound = f"from {_number(low)} to {_number(high)}" if high is not None else f"of at least {_number(low)}"
        raise PolicyError(f"{name} must be a number {bound}, got {value!r}")
    return float(value)


def _text(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def _number(value: float) -> str:
    return f"{value:g}"


def _duration(seconds: float) -> str:
    """3 h 12 min, 2 d 4 h, 45 min."""
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{max(minutes, 1)} min"
