"""The contract calendar: periods and renewals, month ends, reminders moved off weekends and
Dutch public holidays, the termination instant, contract states, consent and the export gate."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from retention import contracts as cal
from retention.durations import parse_duration
from retention.errors import InputError

AMS = ZoneInfo("Europe/Amsterdam")
YEAR = parse_duration("12mo")
MONTH = parse_duration("1mo")
SIX_WEEKS = parse_duration("6w")


def terms(start: str, length: str = "12mo", renew: bool = True, remind: str = "6w") -> cal.Terms:
    return cal.Terms(date.fromisoformat(start), parse_duration(length), renew,
                     parse_duration(remind))


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_periods_follow_each_other_from_the_start() -> None:
    t = terms("2025-03-01")
    assert [(p.start, p.end) for p in (cal.period(t, 1), cal.period(t, 2), cal.period(t, 3))] \
        == [(d("2025-03-01"), d("2026-03-01")), (d("2026-03-01"), d("2027-03-01")),
            (d("2027-03-01"), d("2028-03-01"))]


@pytest.mark.parametrize(("today", "number"), [
    ("2025-03-01", 1), ("2026-02-28", 1), ("2026-03-01", 2), ("2031-07-15", 7)])
def test_the_current_period_renews(today: str, number: int) -> None:
    current = cal.current_period(terms("2025-03-01"), d(today))
    assert current is not None and current.number == number
    assert current.start <= d(today) < current.end


def test_no_period_before_the_start_nor_after_a_contract_that_does_not_renew() -> None:
    assert cal.current_period(terms("2025-03-01"), d("2025-02-28")) is None
    once = terms("2025-03-01", renew=False)
    assert cal.current_period(once, d("2026-02-28")) == cal.period(once, 1)
    assert cal.current_period(once, d("2026-03-01")) is None
    assert cal.natural_end(once) == d("2026-03-01") and cal.natural_end(terms("2025-03-01")) \
        is None


def test_month_ends_are_clamped_and_do_not_drift() -> None:
    t = terms("2026-01-31", "1mo")
    ends = [cal.period(t, n).end for n in range(1, 5)]
    assert ends == [d("2026-02-28"), d("2026-03-31"), d("2026-04-30"), d("2026-05-31")]
    leap = terms("2024-02-29", "1y")
    assert [cal.period(leap, n).end for n in (1, 4)] == [d("2025-02-28"), d("2028-02-29")]
    assert cal.current_period(t, d("2026-03-30")) == cal.Period(2, d("2026-02-28"),
                                                                d("2026-03-31"))


def test_periods_in_days_and_weeks() -> None:
    t = terms("2026-01-01", "4w")
    assert cal.current_period(t, d("2026-03-01")) == cal.Period(3, d("2026-02-26"),
                                                                d("2026-03-26"))


@pytest.mark.parametrize(("period_end", "reminder", "why"), [
    ("2026-06-10", "2026-04-29", "a Wednesday: kept"),
    ("2026-06-14", "2026-05-01", "a Sunday six weeks before: the Friday"),
    ("2026-06-08", "2026-04-24", "King's Day, Monday 27 April: the Friday before"),
    ("2027-06-08", "2027-04-26", "King's Day 2027, a Tuesday: the Monday before"),
    ("2027-02-05", "2026-12-24", "Christmas Day, then Boxing Day behind it"),
    ("2027-02-07", "2026-12-24", "Saturday 26 December: back over Christmas"),
    ("2026-02-12", "2025-12-31", "New Year's Day: the 31st"),
    ("2026-05-18", "2026-04-02", "Easter Monday, back over the weekend and Good Friday"),
])
def test_reminders_move_to_the_previous_working_day(period_end: str, reminder: str,
                                                    why: str) -> None:
    assert cal.reminder_date(d(period_end), SIX_WEEKS) == d(reminder), why


def test_kings_day_on_a_sunday_moves_to_saturday_and_friday_stays() -> None:
    # 2025: King's Day falls on Sunday 27 April and is kept on Saturday 26 April
    assert not cal.is_working_day(d("2025-04-26"))
    assert cal.is_working_day(d("2025-04-25")) and cal.is_working_day(d("2025-04-28"))
    assert cal.previous_working_day(d("2025-04-27")) == d("2025-04-25")


def test_reminder_in_months_before_a_month_end() -> None:
    assert cal.reminder_date(d("2026-05-31"), parse_duration("3mo")) == d("2026-02-27")


def test_the_termination_instant_is_amsterdam_midnight() -> None:
    assert cal.termination_instant(d("2026-06-01"), AMS) == datetime(2026, 5, 31, 22,
                                                                     tzinfo=UTC)
    assert cal.termination_instant(d("2026-01-01"), AMS) == datetime(2025, 12, 31, 23,
                                                                     tzinfo=UTC)


def test_contract_states() -> None:
    t = terms("2025-06-08")
    assert cal.contract_status(None, None, d("2026-01-01")).state == "none"
    assert cal.contract_status(t, None, d("2025-06-07")).state == "pending"
    running = cal.contract_status(t, None, d("2026-05-01"))
    assert (running.state, running.renews, running.reminder, running.ends) == (
        "active", True, d("2026-04-24"), None)
    ending = cal.contract_status(t, d("2026-06-01"), d("2026-05-31"))
    assert (ending.state, ending.renews, ending.ends) == ("ending", False, d("2026-06-01"))
    later = cal.contract_status(t, d("2027-01-01"), d("2026-05-31"))
    assert (later.state, later.renews) == ("ending", True)  # this period still renews
    assert cal.contract_status(t, d("2026-06-01"), d("2026-06-01")).state == "ended"
    lapsed = cal.contract_status(terms("2025-06-08", renew=False), None, d("2026-06-08"))
    assert (lapsed.state, lapsed.ends) == ("ended", d("2026-06-08"))


def test_due_within_the_horizon() -> None:
    t = terms("2025-06-08")
    assert cal.due(t, d("2026-04-24"), SIX_WEEKS) is None
    assert cal.due(t, d("2026-04-27"), SIX_WEEKS) == (cal.period(t, 1), d("2026-04-24"))
    assert cal.due(t, d("2026-06-08"), SIX_WEEKS) is None  # period 2 just began


@pytest.mark.parametrize(("effective", "already", "reason", "message"), [
    ("2026-06-01", "2026-06-01", "r", "already terminated"),
    ("2025-06-08", None, "r", "is not after the contract's start"),
    ("2025-01-01", None, "r", "is not after the contract's start"),
    ("2026-06-01", None, " ", "--reason is empty"),
])
def test_terminations_refused(effective: str, already: str | None, reason: str,
                              message: str) -> None:
    with pytest.raises(InputError, match=message):
        cal.check_termination("acme", terms("2025-06-08"), d(effective),
                              d(already) if already else None, reason)


def test_a_contract_that_does_not_renew_cannot_end_after_its_end() -> None:
    once = terms("2025-06-08", renew=False)
    cal.check_termination("acme", once, d("2026-06-08"), None, "r")
    with pytest.raises(InputError, match="must be 2026-06-08 or earlier"):
        cal.check_termination("acme", once, d("2026-06-09"), None, "r")
    with pytest.raises(InputError, match="rex contract set acme"):
        cal.check_termination("acme", None, d("2026-06-09"), None, "r")


def test_offboarding_state() -> None:
    assert cal.offboarding_state(None, None) == "none"
    assert cal.offboarding_state(None, d("2026-06-01")) == "due"
    assert cal.offboarding_state("delivered", d("2026-06-01")) == "delivered"


def test_consent_holds_through_its_day_until_revoked() -> None:
    expires = cal.consent_expiry(d("2026-05-11"), AMS)
    assert expires == datetime(2026, 5, 11, 22, tzinfo=UTC)
    c = cal.Consent("C1", "acme", "export", d("2026-05-11"), expires)
    assert cal.consent_state(c, datetime(2026, 5, 11, 21, 59, tzinfo=UTC)) == "valid"
    assert cal.consent_state(c, expires) == "expired"
    revoked = cal.Consent("C1", "acme", "export", d("2026-05-11"), expires,
                          datetime(2026, 5, 10, tzinfo=UTC))
    assert cal.consent_state(revoked, datetime(2026, 5, 9, tzinfo=UTC)) == "valid"
    assert cal.consent_state(revoked, datetime(2026, 5, 10, tzinfo=UTC)) == "revoked"


def test_the_export_gate() -> None:
    now = datetime(2026, 7, 1, tzinfo=UTC)
    ended, hold_end = datetime(2026, 5, 31, 22, tzinfo=UTC), datetime(2026, 11, 30, 23,
                                                                      tzinfo=UTC)
    export = cal.Consent("C7", "acme", "export", d("2026-12-31"),
                         cal.consent_expiry(d("2026-12-31"), AMS))
    restore = cal.Consent("C8", "acme", "restore", d("2026-12-31"), export.expires)
    other = cal.Consent("C9", "bob", "export", d("2026-12-31"), export.expires)
    assert cal.export_basis("acme", None, None, [restore, other], now) is None
    assert cal.export_basis("acme", None, None, [export, restore], now) == "consent C7"
    assert cal.export_basis("acme", ended, hold_end, [], now).startswith("terminated")
    assert cal.export_basis("acme", ended, hold_end, [], hold_end) is None
    assert cal.export_basis("acme", ended, hold_end, [], ended.replace(hour=21)) is None


def test_durations_on_the_command_line() -> None:
    assert cal.parse_calendar_duration("12mo", "--period") == YEAR
    assert cal.parse_calendar_duration("P1M", "--period").months == MONTH.months
    for bad in ("36h", "0d", "soon"):
        with pytest.raises(InputError, match="--period"):
            cal.parse_calendar_duration(bad, "--period")
