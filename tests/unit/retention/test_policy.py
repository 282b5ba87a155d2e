from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

import policies
from retention.durations import Duration, parse_duration
from retention.errors import PolicyError
from retention.policy import load_policy, parse_policy_bytes

AMS = ZoneInfo("Europe/Amsterdam")
VALID = policies.locate("engage-sla-2024")[0].decode()  # type: ignore[index]


def problems_of(text: str) -> list[str]:
    with pytest.raises(PolicyError) as err:
        parse_policy_bytes(text.encode(), "p.toml")
    return err.value.problems


def test_shipped_policy_has_the_sla_values() -> None:
    p = load_policy("engage-sla-2024")
    assert (p.name, p.timezone) == ("engage-sla-2024", "Europe/Amsterdam")
    assert p.pitr.window == parse_duration("30d")
    assert p.daily.keep.months == 6
    assert p.post_termination.hold.months == 6
    assert p.guards.max_delete_fraction == 0.25
    assert p.object_lock.mode == "GOVERNANCE"
    assert len(p.sha256) == 64


def test_plain_english_names_every_promise() -> None:
    text = str(load_policy("engage-sla-2024"))
    assert "last 30 days can be restored" in text
    assert "kept for 6 calendar months" in text
    assert "GOVERNANCE" in text


def test_bad_duration_is_named_with_its_path() -> None:
    found = problems_of(VALID.replace('window = "30d"', 'window = "thirty"'))
    assert found == ['pitr.window: expected a duration like "30d", "6mo" or "P6M", got "thirty"']


def test_every_problem_is_reported_at_once() -> None:
    text = (VALID.replace("schema_version = 1", "schema_version = 2")
            .replace('keep = "6mo"', 'keep = "6 months"\nkep = "1d"')
            .replace("max_delete_fraction = 0.25", "max_delete_fraction = 1.5")
            .replace('mode = "GOVERNANCE"', 'mode = "governance"'))
    found = problems_of(text)
    assert "schema_version: expected 1, got 2" in found
    assert any(p.startswith("daily.kep: unknown key") for p in found)
    assert any(p.startswith("daily.keep: expected a duration") for p in found)
    assert any(p.startswith("guards.max_delete_fraction: expected a fraction") for p in found)
    assert any(p.startswith("object_lock.mode:") for p in found)
    assert len(found) == 5


def test_missing_table_and_unknown_top_key() -> None:
    text = VALID.split("[object_lock]")[0] + "\nextra = 1\n"
    found = problems_of(text)
    assert "object_lock: missing table [object_lock]" in found
    assert any(p.startswith("guards.extra: unknown key") for p in found)  # inside [guards]


def test_not_toml_is_refused() -> None:
    assert problems_of("this is = = not toml")[0].startswith("not valid UTF-8 TOML")


def test_unknown_policy_name_lists_shipped_ones() -> None:
    with pytest.raises(PolicyError, match="shipped: engage-sla-2024"):
        load_policy("no-such-policy")


@pytest.mark.parametrize(("text", "expected"), [
    ("30d", Duration(days=30)), ("6mo", Duration(months=6)), ("1y", Duration(months=12)),
    ("2w", Duration(days=14)), ("36h", Duration(seconds=36 * 3600)),
    ("P6M", Duration(months=6)), ("P30D", Duration(days=30)), ("PT1H", Duration(seconds=3600)),
    ("P1Y2M3DT4H", Duration(months=14, days=3, seconds=4 * 3600)),
])
def test_duration_grammar(text: str, expected: Duration) -> None:
    d = parse_duration(text)
    assert (d.months, d.days, d.seconds) == (expected.months, expected.days, expected.seconds)


@pytest.mark.parametrize("text", ["thirty", "30", "30m", "P", "PT", "-1d", "6 mo x", ""])
def test_duration_grammar_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_months_clamp_to_month_end_on_the_amsterdam_clock() -> None:
    aug31 = datetime(2026, 8, 30, 22, 0, tzinfo=UTC)  # 2026-08-31 00:00 CEST
    assert parse_duration("6mo").after(aug31, AMS) == datetime(2027, 2, 27, 23, 0, tzinfo=UTC)
    leap = datetime(2027, 8, 30, 22, 0, tzinfo=UTC)  # 2027-08-31 00:00 CEST
    assert parse_duration("6mo").after(leap, AMS) == datetime(2028, 2, 28, 23, 0, tzinfo=UTC)


def test_days_are_calendar_days_across_dst() -> None:
    # 2026-03-29 has 23 hours in Amsterdam: one calendar day back from 30 March 12:00 CEST.
    noon = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
    assert parse_duration("1d").before(noon, AMS) == datetime(2026, 3, 29, 10, 0, tzinfo=UTC)
    assert parse_duration("24h").before(noon, AMS) == datetime(2026, 3, 29, 10, 0, tzinfo=UTC)
    back_over_change = parse_duration("1d").before(datetime(2026, 3, 29, 11, 0, tzinfo=UTC), AMS)
    assert back_over_change == datetime(2026, 3, 28, 12, 0, tzinfo=UTC)


def test_hours_are_elapsed_even_inside_the_repeated_october_hour() -> None:
    second_0230 = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, the second time
    assert parse_duration("36h").after(second_0230, AMS) == datetime(2026, 10, 26, 13, 30,
                                                                      tzinfo=UTC)
