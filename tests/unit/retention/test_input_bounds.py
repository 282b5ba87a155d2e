"""Every input value is bounded where it is parsed (issue 13, item 4): instants and dates to the
years 1970..2199, durations to 100 years, sizes to what PostgreSQL makes; each refusal is one
message naming the input and the field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from retention.durations import MAX_DURATION, DurationTooLong, parse_duration
from retention.errors import InputError, PolicyError
from retention.inventory import parse_inventory
from retention.policy import load_policy, parse_policy
from retention.sources.backup_info import BackupInfoError, parse_backup_info
from retention.timeutil import EARLIEST, LATEST, parse_date, parse_instant

AMS = ZoneInfo("Europe/Amsterdam")
RANGE = "is not between 1970-01-01 and 2199-12-31"

# --- instants and dates --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("1970-01-01T00:00:00Z", EARLIEST),
    ("1970-01-01T01:00:00+01:00", EARLIEST),
    ("2199-12-31T23:59:59Z", datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("2199-12-31T23:59:59.999999+00:00", datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
])
def test_instants_at_the_bounds_are_accepted(text: str, expected: datetime) -> None:
    assert parse_instant(text, "--at") == expected


@pytest.mark.parametrize("text", [
    "1969-12-31T23:59:59Z", "1970-01-01T00:30:00+01:00", "2200-01-01T00:00:00Z",
    "2199-12-31T23:30:00-01:00", "9999-12-31T00:00:00Z", "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
])
def test_instants_outside_the_bounds_are_one_line_naming_the_input(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_instant(text, "--now/REX_NOW")
    message = str(err.value)
    assert message.startswith(f"--now/REX_NOW: {text!r} {RANGE} (")
    assert "\n" not in message and "overflow" in message


def test_dates_are_bounded_too() -> None:
    assert parse_date("1970-01-01", "--effective") == date(1970, 1, 1)
    assert parse_date("2199-12-31", "--effective") == date(2199, 12, 31)
    for text in ("1969-12-31", "2200-01-01", "9999-12-31", "0001-01-01"):
        with pytest.raises(InputError, match=rf"^--effective: '{text}' {RANGE}"):
            parse_date(text, "--effective")


def test_the_widest_sums_inside_the_bounds_do_not_overflow() -> None:
    longest = parse_duration(MAX_DURATION)
    twice = longest + longest  # e.g. pitr.window + pitr.margin, both at the maximum
    assert twice.after(LATEST, AMS).year == 2400
    assert twice.before(EARLIEST, AMS).year == 1770


# --- durations -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["100y", "1200mo", "5217w", "36525d", "876600h", "P100Y",
                                  "P99Y12M", "PT876600H"])
def test_durations_up_to_100_years_are_accepted(text: str) -> None:
    assert parse_duration(text).text == text


@pytest.mark.parametrize("text", ["101y", "1201mo", "5218w", "36526d", "876601h",
                                  "99999999999y", "P99999999999Y", "P100Y1D", "PT876601H"])
def test_longer_durations_are_refused_with_the_maximum(text: str) -> None:
    with pytest.raises(DurationTooLong) as err:
        parse_duration(text)
    assert str(err.value) == (f'"{text}" is longer than 100y, the longest duration rex accepts '
                              "(no retention rule needs more; a longer value is a typo)")
    assert isinstance(err.value, ValueError)  # callers that catch ValueError still refuse it


def test_a_duration_with_thousands_of_digits_is_too_long_and_shortened_in_the_message() -> None:
    with pytest.raises(DurationTooLong, match=r'^"9{37}\.\.\." is longer than 100y'):
        parse_duration("9" * 5000 + "d")


def test_text_outside_the_grammar_is_still_a_plain_value_error() -> None:
    for text in ("", "x", "5 days", "P", "-1d"):
        with pytest.raises(ValueError) as err:
            parse_duration(text)
        assert not isinstance(err.value, DurationTooLong)


def _policy_doc(**changes: str) -> dict[str, object]:
    doc: dict[str, object] = {
        "schema_version": 1, "name": "p", "timezone": "Europe/Amsterdam",
        "pitr": {"window": "30d", "margin": "1d", "max_archive_lag": "1h"},
        "daily": {"keep": "6mo"},
        "post_termination": {"hold": "6mo", "erasure_grace": "7d"},
        "guards": {"max_backup_age": "36h", "max_delete_fraction": 0.25, "failed_grace": "7d",
                   "running_timeout": "2d"},
        "object_lock": {"mode": "GOVERNANCE", "default_retention": "32d"},
    }
    for path, value in changes.items():
        section, key = path.split("__")
        doc[section][key] = value  # type: ignore[index]
    return doc


def test_a_policy_names_each_too_long_duration_with_its_path() -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(_policy_doc(daily__keep="99999999999y", pitr__window="P101Y",
                                 guards__failed_grace="soon"), "long.toml")
    assert err.value.problems == [
        'pitr.window: "P101Y" is longer than 100y, the longest duration rex accepts (no '
        "retention rule needs more; a longer value is a typo)",
        'daily.keep: "99999999999y" is longer than 100y, the longest duration rex accepts (no '
        "retention rule needs more; a longer value is a typo)",
        'guards.failed_grace: expected a duration like "30d", "6mo" or "P6M", got "soon"',
    ]
    assert err.value.exit_code == 2


def test_the_shipped_policy_is_inside_the_bounds() -> None:
    assert load_policy("engage-sla-2024").daily.keep.months == 6


# --- inventory documents -------------------------------------------------------------------------

def _inventory(**point: object) -> dict[str, object]:
    base = {"id": "b1", "server": "suite", "status": "done",
            "begin_time": "2026-11-01T01:00:00Z", "end_time": "2026-11-01T01:20:00Z",
            "begin_wal": "000000010000000A00000010", "end_wal": "000000010000000A00000012"}
    return {"points": [{**base, **point}]}


def test_an_inventory_instant_out_of_range_names_its_path() -> None:
    with pytest.raises(InputError) as err:
        parse_inventory(_inventory(end_time="9999-12-31T00:00:00Z"), "inv.json")
    assert f"points[0].end_time: '9999-12-31T00:00:00Z' {RANGE}" in str(err.value)


@pytest.mark.parametrize("value", [0, 3, 100, 8192, 1 << 40, True, "256", 256.0])
def test_segments_per_log_must_be_a_segment_size_postgres_makes(value: object) -> None:
    with pytest.raises(InputError, match=r"segments_per_log: expected a power of two from 4 "
                                         r"\(1 GiB segments\) to 4096 \(1 MiB segments\)"):
        parse_inventory({**_inventory(), "segments_per_log": value}, "inv.json")


@pytest.mark.parametrize("value", [4, 256, 4096])
def test_segments_per_log_within_the_bounds_is_accepted(value: int) -> None:
    doc = {"segments_per_log": value, "wal": [{"server": "suite",
                                               "first": "000000010000000000000001",
                                               "last": "000000010000000000000003"}]}
    assert parse_inventory(doc, "inv.json").inventory.segments_per_log == value


def test_a_history_timeline_beyond_eight_hex_digits_is_refused() -> None:
    with pytest.raises(InputError, match=r"histories\[0\]: expected .* with N from 1 to "
                                         r"0xffffffff"):
        parse_inventory({"histories": [{"server": "suite", "timeline": 1 << 32}]}, "inv.json")


# --- backup.info ---------------------------------------------------------------------------------

INFO = """\
begin_time=2026-11-29 01:00:00+00:00
begin_wal=000000010000000000000010
end_time=2026-11-29 01:20:00+00:00
end_wal=000000010000000000000011
status=DONE
tablespaces=None
timeline=1
xlog_segment_size=16777216
"""
WHERE = "suite/base/20261129T010000/backup.info (version 7)"


def _info(**changes: str) -> bytes:
    text = INFO
    for name, value in changes.items():
        text = "\n".join(f"{name}={value}" if line.startswith(f"{name}=") else line
                         for line in text.splitlines()) + "\n"
    return text.encode()


@pytest.mark.parametrize(("field", "value"), [
    ("end_time", "9999-12-31 00:00:00+00:00"), ("begin_time", "0001-01-01 00:00:00+01:00"),
    ("begin_time", "1969-12-31 23:59:59+00:00"), ("end_time", "2200-01-01T00:00:00+00:00"),
])
def test_backup_info_times_out_of_range_name_the_object_and_the_field(field: str,
                                                                       value: str) -> None:
    with pytest.raises(BackupInfoError) as err:
        parse_backup_info(_info(**{field: value}), WHERE)
    assert str(err.value).startswith(f"{WHERE}: {field}: {value!r} {RANGE} (")


def test_backup_info_timeline_is_bounded() -> None:
    with pytest.raises(BackupInfoError, match=r"timeline 4294967296 is not between 1 and "
                                              r"0xffffffff"):
        parse_backup_info(_info(timeline=str(1 << 32)), WHERE)


def test_backup_info_tablespaces_are_barmans_literal() -> None:
    parsed = parse_backup_info(_info(tablespaces="[('tbs1', 16385, '/srv/tbs1'), "
                                                 "('tbs2', 16390, '/srv/tbs2')]"), WHERE)
    assert parsed.tablespaces == (16385, 16390) and parsed.snapshot is False
    assert parse_backup_info(_info(), WHERE).tablespaces == ()
    for bad in ("[('tbs1',)]", "__import__('os')", "[('t', -1, '/x')]", "[('t', True, '/x')]",
                "[" * 500 + "]" * 500, "{'a': 1}"):
        with pytest.raises(BackupInfoError, match=r"tablespaces .* is not barman's list of "
                                                  r"\(name, oid, location\)"):
            parse_backup_info(_info(tablespaces=bad), WHERE)
