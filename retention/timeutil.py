"""Instants: timezone-aware UTC in code, ``...Z`` in text. Parsing says where a bad value was."""

from __future__ import annotations

from datetime import UTC, date, datetime

from retention.errors import InputError


def parse_instant(text: object, where: str) -> datetime:
    """An ISO 8601 instant with an offset (``Z`` or ``+01:00``) as an aware UTC datetime."""
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
    return value.astimezone(UTC)


def parse_date(text: object, where: str) -> date:
    """A calendar date ``YYYY-MM-DD``."""
    try:
        if not isinstance(text, str):
            raise ValueError
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{where}: expected a date like \"2026-10-01\", got {text!r}") from None


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
