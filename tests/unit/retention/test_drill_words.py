"""A failed drill is told in rex's words plus the error's class: the database's message quotes
row values (client data) and must reach neither the terminal nor the append-only ledger."""

from __future__ import annotations

from typing import Any

import psycopg.errors
import pytest

from retention import drill_run
from retention.drill import DrillTarget
from retention.drill_run import (
    DrillFailed,
    DrillResult,
    error_class,
    failure_words,
)
from retention.scratch import ScratchError
from tests.unit.retention.builders import ams, point

SECRET = "Vertrouwelijk-Klant-4711"
INSTANT = ams("2026-11-25 12:00")
TARGET = DrillTarget(point("20261125T0300", ams("2026-11-25 03:30")), INSTANT, 0)
STEPS = ("restore", "start", "recovery", "count", "role", "check")


def leaky(cls: type[Exception]) -> Exception:
    """A database error whose text quotes a row, as PostgreSQL's messages do."""
    return cls(f'invalid input syntax for type integer: "{SECRET}"\n'
               f"DETAIL:  Key (name)=({SECRET}) already exists.\nHINT:  {SECRET}")


@pytest.mark.parametrize("step", STEPS)
def test_a_database_error_is_told_without_its_message(step: str) -> None:
    words = failure_words(step, leaky(psycopg.errors.UniqueViolation), "20261125T0300",
                          INSTANT)
    assert SECRET not in words
    assert "DETAIL" not in words and "HINT" not in words
    assert "UniqueViolation, sqlstate 23505" in words


def test_the_error_class_is_the_class_and_the_sqlstate() -> None:
    assert error_class(leaky(psycopg.errors.DivisionByZero)) == "DivisionByZero, sqlstate 22012"
    assert error_class(psycopg.OperationalError(SECRET)) == "OperationalError"
    assert error_class(ValueError(SECRET)) == "ValueError"


def test_a_sqlstate_that_is_not_a_sqlstate_is_not_repeated() -> None:
    class Odd(Exception):
        sqlstate = SECRET

    assert error_class(Odd(SECRET)) == "Odd"


def test_scratch_errors_with_server_logs_are_told_without_the_log() -> None:
    err = ScratchError(f"pg_ctl failed:\nserver log:\nERROR: division by zero {SECRET}")
    words = failure_words("start", err, "20261125T0300", INSTANT)
    assert SECRET not in words and "server log" in words and "--keep" in words
    assert "20261125T0300" in words and "ScratchError" in words


def test_recovery_that_ends_early_says_no_commit_was_archived() -> None:
    err = ScratchError(f"the server stopped during recovery:\nFATAL: recovery ended before "
                       f"configured recovery target was reached {SECRET}")
    words = failure_words("recovery", err, "20261125T0300", INSTANT)
    assert words.startswith("recovery ended before the target was reached: no commit after ")
    assert SECRET not in words


@pytest.mark.parametrize(("cls", "says"), [
    (psycopg.errors.ReadOnlySqlTransaction, "tried to write"),
    (psycopg.errors.InsufficientPrivilege, "can only read"),
    (psycopg.errors.QueryCanceled, "was cancelled"),
    (psycopg.errors.DivisionByZero, "one SELECT returning true"),
])
def test_check_failures_say_what_to_do(cls: type[Exception], says: str) -> None:
    words = failure_words("check", leaky(cls), "20261125T0300", INSTANT)
    assert says in words and SECRET not in words
    assert f"sqlstate {cls.sqlstate}" in words  # type: ignore[attr-defined]


def test_a_failing_check_fails_the_drill_in_rex_words(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(*_: Any) -> bool:
        raise leaky(psycopg.errors.InvalidTextRepresentation)

    monkeypatch.setattr(drill_run, "reader_role", lambda cluster: None)
    monkeypatch.setattr(drill_run, "run_check", fails)
    result = DrillResult("suite", INSTANT)
    with pytest.raises(DrillFailed) as caught:
        drill_run._check(None, "select 1", TARGET, result)  # type: ignore[arg-type]
    assert result.check is False
    assert SECRET not in str(caught.value) and SECRET not in caught.value.error
    assert caught.value.error == "InvalidTextRepresentation, sqlstate 22P02"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize(("verdict", "check", "message"), [
    (True, True, "restored and checked"),
    (False, False, "the --check query is false"),
    (None, False, "the --check query returned no row"),
])
def test_the_verdict_is_true_false_or_no_row(monkeypatch: pytest.MonkeyPatch,
                                             verdict: bool | None, check: bool,
                                             message: str) -> None:
    monkeypatch.setattr(drill_run, "reader_role", lambda cluster: None)
    monkeypatch.setattr(drill_run, "run_check", lambda *_: verdict)
    result = DrillResult("suite", INSTANT, passed=True, message="restored and checked")
    drill_run._check(None, "select 1", TARGET, result)  # type: ignore[arg-type]
    assert result.check is check and result.passed is check
    assert result.message.startswith(message)
