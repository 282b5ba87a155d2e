"""retention.failures: which exit code and message the error boundary gives each failure."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from sqlalchemy.exc import OperationalError

from retention.errors import BusyError, InputError, PolicyError, StorageError, ViolationError
from retention.failures import Where, describe, internal

WHERE = Where("s3://bucket/prefix", "postgresql+psycopg://rex:pw@db/rex", None)


def client_error(code: str, status: int = 400) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": "said so"},
                     "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "GetObject")


@pytest.mark.parametrize(("exc", "code"), [
    (InputError("x"), 2), (ViolationError("x"), 1), (BusyError("x"), 3),
    (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), 4),
    (NoCredentialsError(), 2),
    (client_error("AccessDenied", 403), 2), (client_error("NoSuchBucket", 404), 2),
    (client_error("SlowDown", 503), 4), (client_error("InternalError", 500), 4),
    (client_error("NoSuchKey", 404), 1),
    (FileNotFoundError(2, "No such file or directory", "a/b"), 2),
    (ConnectionRefusedError(111, "Connection refused"), 4),
])
def test_exit_codes(exc: BaseException, code: int) -> None:
    found = describe(exc, WHERE)
    assert found is not None and found.code == code
    assert "\n" not in found.message


def test_a_wrapped_outage_keeps_its_code_and_the_wrapper_its_message() -> None:
    try:
        try:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
        except EndpointConnectionError as cause:
            raise StorageError("S3 GetObject on s3://bucket/k failed") from cause
    except StorageError as err:
        found = describe(err, WHERE)
    assert found is not None and (found.code, found.message) == (
        4, "S3 GetObject on s3://bucket/k failed")


def test_a_lock_found_busy_through_a_database_error_stays_busy() -> None:
    """SQLite's 'database is locked' while taking the lock row means another rex holds it."""
    try:
        try:
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        except OperationalError:
            raise BusyError("busy: another rex sync of suite holds the lock sync:suite") from None
    except BusyError as err:
        found = describe(err, WHERE)
    assert found is not None and found.code == 3 and found.kind == "busy"


def test_database_failures_hide_the_password() -> None:
    refused = OperationalError("SELECT 1", {}, Exception("connection refused\n\tIs it up?"))
    found = describe(refused, WHERE)
    assert found is not None and found.code == 4 and "pw" not in found.message
    assert "connection refused Is it up?" in found.message
    locked = OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))
    assert describe(locked, WHERE).code == 3  # type: ignore[union-attr]


def test_a_policy_keeps_one_problem_per_line_and_a_bug_is_internal() -> None:
    found = describe(PolicyError("p.toml", ["pitr.window: bad", "daily.keep: bad"]), WHERE)
    assert found is not None and found.code == 2 and found.message.count("\n") == 3
    assert describe(KeyError("k"), WHERE) is None
    assert internal(KeyError("k")).document()["error"]["kind"] == "internal"
