"""Instants: timezone-aware UTC in code, ``...Z`` in text. Parsing says where a bad value was.

Every instant and date rex reads is bounded to 1970-01-01 .. 2199-12-31 (UTC; ``LATEST`` is
exclusive): no backup, WAL segment or contract predates 1970, and a value beyond 2199 is a typo
or a corrupt file. Inside these bounds, adding or subtracting any duration rex accepts (at most
100 years, see ``durations``) stays far from ``datetime``'s year 1 and year 9999, so date
arithmetic never overflows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from retention.errors import InputError

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)  # exclusive
BOUNDS = "between 1970-01-01 and 2199-12-31"
WHY = ("no backup predates 1970 and a later value is a typo or a corrupt value; outside these "
       "years date arithmetic would overflow")


def bounded_utc(value: datetime) -> datetime | None:
    """An aware ``value`` as UTC, or None when it lies outside ``EARLIEST``..``LATEST``."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00
        return None
    return utc if EARLIEST <= utc < LATEST else None


def out_of_bounds(where: str, text: object) -> str:
    """The one message for an instant or date outside the bounds (``where`` names the input)."""
    return f"{where}: {text!r} is not {BOUNDS} ({WHY})"


def parse_instant(text: object, where: str) -> datetime:
    """An ISO 8601 instant with an offset (``Z`` or ``+01:00``) as an aware UTC datetime,
    within the bounds above."""
    if not isinstance(text, str):
        raise InputError(f"{where}: expected an ISO 8601 instant like \"2026-11-01T01:00:00Z\", "
                         f"got {text!r}")
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{where}: expected an ISO 8601 instant like \"2026-11-01T01:00:00Z\", "
                         f"got {text!r}") from None
    if value.tzinfo is None:
        raise InputError(f"{where}: instant {text!r} has no timezone; add \"Z\" for UTC "
                         "or an offset like \"+01:00\"")
    utc = bounded_utc(value)
    if utc is None:
        raise InputError(out_of_bounds(where, text))
    return utc


def read_own_instant(text: str) -> datetime:
    """An instant rex wrote itself (a plan's expiry, an apply intent): not bounded like input,
    since rules may carry a bounded instant past the bounds (a backup ending in 2199 kept six
    months); ``datetime`` itself still limits it."""
    return datetime.fromisoformat(text).astimezone(UTC)


def parse_date(text: object, where: str) -> date:
    """A calendar date ``YYYY-MM-DD``, within the bounds above."""
    try:
        if not isinstance(text, str):
            raise ValueError
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{where}: expected a date like \"2026-10-01\", got {text!r}") from None
    if not EARLIEST.date() <= value < LATEST.date():
        raise InputError(out_of_bounds(where, text))
    return value


def format_instant(value: datetime | None) -> str | None:
    """``2026-11-01T01:00:00Z`` (seconds precision kept only when non-zero microseconds)."""
    if value is None:
        return None
    utc = value.astimezone(UTC)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def z(value: datetime) -> str:
    """An instant as ``...Z`` text, for messages and reasons."""
    return format_instant(value) or ""
