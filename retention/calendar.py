"""Calendar questions asked in the policy's timezone: which day, midnight of a day, months later."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta


def local_day(instant: datetime, tz: ZoneInfo) -> date:
    """The calendar day on tz's wall clock at that instant."""
    return instant.astimezone(tz).date()


def midnight(day: date, tz: ZoneInfo) -> datetime:
    """00:00 on tz's wall clock of that day, as UTC (midnight always exists in Europe/Amsterdam)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    """Calendar months later, clamped to the month's end (31 August + 6 → 28/29 February)."""
    result: date = day + relativedelta(months=months)
    return result


def add_calendar(day: date, months: int, days: int) -> date:
    result: date = day + relativedelta(months=months, days=days)
    return result
