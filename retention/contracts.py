"""The client lifecycle as pure functions of dates: contract periods and renewals, reminders on
Dutch working days, the termination instant, contract and offboarding state, consent validity
and the export gate. No I/O, no clock: ``today`` and ``now`` are parameters.

Dates are calendar days in the policy's timezone (Europe/Amsterdam); instants are aware UTC.
A period runs from its first day up to, not including, its end: the end is start + period, which
is also the next period's first day. Period *n* starts at ``start + (n - 1) * period``, counted
from the contract's start so that month ends do not drift (31 January + 1mo = 28 February,
+ 2mo = 31 March).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from retention.calendar import add_calendar, midnight
from retention.durations import Duration, parse_duration
from retention.errors import InputError

ContractState = Literal["none", "pending", "active", "ending", "ended"]
OffboardingState = Literal["none", "due", "delivered"]
ConsentState = Literal["valid", "expired", "revoked"]
SCOPES = ("export", "restore")
DEFAULT_REMIND = Duration(days=42, text="6w")



@cache
def _nl_holidays() -> Any:
    """Dutch public holidays, built at first use (not at start-up: `rex tenant list` needs
    none); the object fills in each year on first lookup."""
    import holidays

    return holidays.country_holidays("NL")


@dataclass(frozen=True)
class Terms:
    """A contract as agreed: first day, period length, renewal, how long before to remind."""

    start: date
    period: Duration
    auto_renew: bool = True
    remind: Duration = DEFAULT_REMIND


@dataclass(frozen=True)
class Period:
    number: int  # 1 = the first period
    start: date
    end: date  # the first day of the next period


@dataclass(frozen=True)
class ContractStatus:
    state: ContractState
    period: Period | None  # the period running today (None before the start and after the end)
    ends: date | None  # the first day without a contract, when known
    renews: bool
    reminder: date | None  # the reminder date of the running period


# --- durations given on the command line --------------------------------------------------------

def parse_calendar_duration(text: str, where: str) -> Duration:
    """A positive duration in whole days, weeks, months or years (``12mo``, ``6w``, ``P1Y``)."""
    try:
        value = parse_duration(text)
    except ValueError:
        raise InputError(f"{where}: expected a duration like 12mo, 1y, 6w or 30d, got "
                         f"{text!r}") from None
    if value.seconds or not (value.months or value.days):
        raise InputError(f"{where}: {text!r} must be a positive number of days, weeks, months "
                         "or years (hours are not calendar steps)")
    return value


# --- working days -------------------------------------------------------------------------------

def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Dutch public holiday (the ``holidays`` package)."""
    return day.weekday() < 5 and day not in _nl_holidays()


def previous_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


# --- periods ------------------------------------------------------------------------------------

def _step(start: date, length: Duration, count: int) -> date:
    return add_calendar(start, length.months * count, length.days * count)


def period(terms: Terms, number: int) -> Period:
    """Period ``number`` (1-based) of the contract, renewals included."""
    if number < 1:
        raise ValueError(f"period numbers start at 1, got {number}")
    return Period(number, _step(terms.start, terms.period, number - 1),
                  _step(terms.start, terms.period, number))


def current_period(terms: Terms, today: date) -> Period | None:
    """The period that contains ``today``; None before the start, or after a contract that does
    not renew has run its one period."""
    if today < terms.start:
        return None
    shortest = terms.period.months * 28 + terms.period.days  # a lower bound of a period's days
    number = max(1, (today - terms.start).days // shortest + 1)
    while period(terms, number).start > today:
        number -= 1
    while period(terms, number).end <= today:
        number += 1
    if number > 1 and not terms.auto_renew:
        return None
    return period(terms, number)


def natural_end(terms: Terms) -> date | None:
    """The first day without a contract when it does not renew; None when it renews."""
    return None if terms.auto_renew else period(terms, 1).end


def reminder_date(period_end: date, remind: Duration) -> date:
    """``remind`` before the period's end, moved back to a working day when it falls on a
    weekend or a Dutch public holiday."""
    return previous_working_day(add_calendar(period_end, -remind.months, -remind.days))


def contract_end(terms: Terms | None, effective: date | None) -> date | None:
    """The first day without a contract: the termination's, or the end of one that does not
    renew."""
    if effective is not None:
        return effective
    return natural_end(terms) if terms is not None else None


def contract_status(terms: Terms | None, effective: date | None, today: date) -> ContractStatus:
    if terms is None:
        return ContractStatus("none", None, effective, False, None)
    ends = contract_end(terms, effective)
    if ends is not None and today >= ends:
        return ContractStatus("ended", None, ends, False, None)
    current = current_period(terms, today)
    if current is None:
        return ContractStatus("pending", None, ends, False, None)
    renews = ends is None or ends > current.end
    state: ContractState = "active" if ends is None else "ending"
    return ContractStatus(state, current, ends, renews, reminder_date(current.end, terms.remind))


def due(terms: Terms, today: date, within: Duration) -> tuple[Period, date] | None:
    """The running period and its reminder date, when the period ends within the horizon."""
    current = current_period(terms, today)
    if current is None or current.end > add_calendar(today, within.months, within.days):
        return None
    return current, reminder_date(current.end, terms.remind)


# --- termination --------------------------------------------------------------------------------

def termination_instant(effective: date, tz: ZoneInfo) -> datetime:
    """00:00 on the wall clock of ``tz`` on the first day without a contract, as UTC."""
    return midnight(effective, tz)


def check_termination(tenant: str, terms: Terms | None, effective: date,
                      already: date | None, reason: str) -> None:
    """Refuse a termination that cannot be recorded as given; say what to do instead."""
    if not reason.strip():
        raise InputError(f"contract terminate {tenant}: --reason is empty; say why the "
                         "contract ends (it goes into the ledger)")
    if already is not None:
        raise InputError(f"contract terminate {tenant}: already terminated, effective "
                         f"{already}; a termination is recorded once and not changed")
    if terms is None:
        raise InputError(f"contract terminate {tenant}: no contract is recorded; record it "
                         f"first with `rex contract set {tenant} --start DATE --period 12mo`")
    if effective <= terms.start:
        raise InputError(f"contract terminate {tenant}: --effective {effective} is not after "
                         f"the contract's start {terms.start}; the effective date is the first "
                         "day without a contract")
    end = natural_end(terms)
    if end is not None and effective > end:
        raise InputError(f"contract terminate {tenant}: the contract does not renew and ends "
                         f"on {end} already; --effective must be {end} or earlier")


def offboarding_state(recorded: str | None, ends: date | None) -> OffboardingState:
    """What was recorded (``due`` at termination, ``delivered`` by the offboarding); otherwise
    due as soon as the contract's end is known."""
    if recorded in ("due", "delivered"):
        return recorded  # type: ignore[return-value]
    return "due" if ends is not None else "none"


# --- consent ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Consent:
    id: str
    tenant: str
    scope: str
    until: date  # valid through this Amsterdam day
    expires: datetime  # 00:00 of the day after ``until``
    revoked_at: datetime | None = None


def consent_expiry(until: date, tz: ZoneInfo) -> datetime:
    """A consent given until DATE holds through that whole day."""
    return midnight(until + timedelta(days=1), tz)


def consent_state(consent: Consent, now: datetime) -> ConsentState:
    if consent.revoked_at is not None and consent.revoked_at <= now:
        return "revoked"
    return "valid" if now < consent.expires else "expired"


def export_basis(tenant: str, ended_at: datetime | None, hold_until: datetime | None,
                 consents: Sequence[Consent], now: datetime) -> str | None:
    """Why an export of the tenant's models may go ahead, or None when it may not: during the
    post-termination hold no consent is needed; otherwise a valid ``export`` consent is."""
    if ended_at is not None and hold_until is not None and ended_at <= now < hold_until:
        return "terminated: offboarding during the post-termination hold"
    valid = sorted(c.id for c in consents if c.tenant == tenant and c.scope == "export"
                   and consent_state(c, now) == "valid")
    return f"consent {valid[0]}" if valid else None
