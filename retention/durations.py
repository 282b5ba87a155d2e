"""The one duration grammar of rex: ``<n>h``, ``<n>d``, ``<n>w``, ``<n>mo``, ``<n>y``, or ISO 8601.

Hours are elapsed time; days, weeks, months and years are calendar steps taken on the wall clock
of the policy's timezone, so "6mo" after 31 August is the end of February.

No duration is longer than ``MAX_DURATION`` (100 years, counting a month as 1/12 of 365.25 days):
no retention promise is longer, a longer value is a typo, and with instants bounded to 1970..2199
(``timeutil``) every sum rex computes stays inside ``datetime``'s range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

MAX_DURATION = "100y"
_MAX_DAYS = 36525  # 100 years of 365.25 days; 1200 months count exactly this much
_SHORTEST_MONTH_DAYS = 28
_LONGEST_MONTH_DAYS = 31

_SHORT = re.compile(r"^\s*(\d+)\s*(h|d|w|mo|y)\s*$")
_ISO = re.compile(
    r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)


@dataclass(frozen=True, order=True)
class Duration:
    """A calendar part (months, days) and an elapsed part (seconds)."""

    months: int = 0
    days: int = 0
    seconds: int = 0
    text: str = ""

    def __str__(self) -> str:
        return self.text or _spell(self)

    def __add__(self, other: Duration) -> Duration:
        return Duration(self.months + other.months, self.days + other.days,
                        self.seconds + other.seconds)

    def describe(self) -> str:
        """Plain English: ``6 calendar months``, ``30 days``, ``36 hours``."""
        parts: list[str] = []
        years, months = divmod(self.months, 12)
        if years and not months:
            parts.append(_plural(years, "calendar year"))
        elif self.months:
            parts.append(_plural(self.months, "calendar month"))
        if self.days:
            weeks, rest = divmod(self.days, 7)
            whole_weeks = weeks and not rest
            parts.append(_plural(weeks, "week") if whole_weeks else _plural(self.days, "day"))
        if self.seconds:
            hours, rest = divmod(self.seconds, 3600)
            parts.append(_plural(hours, "hour") if not rest else _plural(self.seconds, "second"))
        return " and ".join(parts) or "no time"

    def shortest(self) -> timedelta:
        """The least time this duration can span: a month counts 28 days (February), a day or
        week its 24 hours. For comparing durations of different units worst case first."""
        return timedelta(days=self.months * _SHORTEST_MONTH_DAYS + self.days,
                         seconds=self.seconds)

    def longest(self) -> timedelta:
        """The most time this duration can span: a month counts 31 days, a day 24 hours (the
        hour a DST change adds to one day is left to the margins of the rules)."""
        return timedelta(days=self.months * _LONGEST_MONTH_DAYS + self.days,
                         seconds=self.seconds)

    def after(self, instant: datetime, tz: ZoneInfo) -> datetime:
        """``instant`` plus this duration: calendar part on tz's wall clock, then elapsed part."""
        if not self.months and not self.days:  # pure elapsed time: no wall clock involved
            return instant + timedelta(seconds=self.seconds)
        local = instant.astimezone(tz).replace(tzinfo=None)
        moved = local + relativedelta(months=self.months, days=self.days)
        return _to_utc(moved, tz) + timedelta(seconds=self.seconds)

    def before(self, instant: datetime, tz: ZoneInfo) -> datetime:
        """``instant`` minus this duration, the mirror of :meth:`after`."""
        if not self.months and not self.days:
            return instant - timedelta(seconds=self.seconds)
        local = (instant - timedelta(seconds=self.seconds)).astimezone(tz).replace(tzinfo=None)
        moved = local - relativedelta(months=self.months, days=self.days)
        return _to_utc(moved, tz)


def _to_utc(local_naive: datetime, tz: ZoneInfo) -> datetime:
    # fold=0: an ambiguous wall time (the October DST hour) takes its first occurrence.
    return local_naive.replace(tzinfo=tz).astimezone(UTC)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _spell(d: Duration) -> str:
    if d.months and not d.days and not d.seconds:
        return f"{d.months // 12}y" if d.months % 12 == 0 else f"{d.months}mo"
    if d.days and not d.months and not d.seconds:
        return f"{d.days // 7}w" if d.days % 7 == 0 else f"{d.days}d"
    if d.seconds and not d.months and not d.days and d.seconds % 3600 == 0:
        return f"{d.seconds // 3600}h"
    return f"P{d.months}M{d.days}DT{d.seconds}S"


class DurationTooLong(ValueError):
    """A duration in the grammar that is longer than ``MAX_DURATION``; the message says so
    (without the path, which the caller adds)."""


def parse_duration(text: str) -> Duration:
    """Parse the grammar; raise ValueError (the caller adds the path) on anything else, and
    DurationTooLong (a ValueError) for a duration longer than ``MAX_DURATION``."""
    short = _SHORT.match(text)
    iso = None if short else _ISO.match(text.strip())
    try:
        if short:
            n, unit = int(short.group(1)), short.group(2)
            value = Duration(months={"mo": n, "y": 12 * n}.get(unit, 0),
                             days={"d": n, "w": 7 * n}.get(unit, 0),
                             seconds=n * 3600 if unit == "h" else 0, text=text.strip())
        elif iso:
            y, mo, w, d, h, mi, s = (int(g) if g else 0 for g in iso.groups())
            value = Duration(months=12 * y + mo, days=7 * w + d,
                             seconds=3600 * h + 60 * mi + s, text=text.strip())
        else:
            raise ValueError(text)
    except ValueError:
        if not short and not iso:
            raise
        raise _too_long(text) from None  # more digits than int() reads: far beyond the maximum
    if value.months * 365.25 / 12 + value.days + value.seconds / 86400 > _MAX_DAYS:
        raise _too_long(text)
    return value


def _too_long(text: str) -> DurationTooLong:
    shown = text.strip() if len(text.strip()) <= 40 else text.strip()[:37] + "..."
    return DurationTooLong(f'"{shown}" is longer than {MAX_DURATION}, the longest '
                           "duration rex accepts (no retention rule needs more; a longer value "
                           "is a typo)")
