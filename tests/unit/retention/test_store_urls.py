"""Storage URLs: what parses to what, and what is refused with which message."""

from __future__ import annotations

import pytest

from retention.errors import InputError
from retention.storage.urls import StoreUrl, parse_store_url


@pytest.mark.parametrize(("url", "expected"), [
    ("s3://rex-backups/pg", StoreUrl("s3", bucket="rex-backups", prefix="pg")),
    ("s3://rex-backups/pg/", StoreUrl("s3", bucket="rex-backups", prefix="pg")),
    ("s3://rex-backups/prod/pg/", StoreUrl("s3", bucket="rex-backups", prefix="prod/pg")),
    ("s3://rex-backups", StoreUrl("s3", bucket="rex-backups", prefix="")),
    ("s3://rex-backups/", StoreUrl("s3", bucket="rex-backups", prefix="")),
    ("s3://backups.example.org/pg", StoreUrl("s3", bucket="backups.example.org", prefix="pg")),
    ("  s3://rex-backups/pg  ", StoreUrl("s3", bucket="rex-backups", prefix="pg")),
    ("file:///var/lib/rex/backups", StoreUrl("file", path="/var/lib/rex/backups")),
    ("file:///var/lib/rex/backups/", StoreUrl("file", path="/var/lib/rex/backups")),
    ("file://localhost/srv/backups", StoreUrl("file", path="/srv/backups")),
    ("file:///srv/my%20backups", StoreUrl("file", path="/srv/my backups")),
])
def test_accepted_urls(url: str, expected: StoreUrl) -> None:
    assert parse_store_url(url) == expected


@pytest.mark.parametrize(("url", "why"), [
    ("", "not a storage URL"),
    ("/srv/backups", "not a storage URL"),
    ("rex-backups/pg", "not a storage URL"),
    ("gs://rex-backups/pg", "unsupported scheme 'gs'"),
    ("S3://rex-backups/pg", "unsupported scheme 'S3'"),
    ("https://s3.amazonaws.com/rex-backups", "unsupported scheme 'https'"),
    ("s3://", "no bucket name"),
    ("s3:///pg", "no bucket name"),
    ("s3://Rex_Backups/pg", "'Rex_Backups' is not a valid S3 bucket name"),
    ("s3://ab/pg", "'ab' is not a valid S3 bucket name"),
    ("s3://rex..backups/pg", "is not a valid S3 bucket name"),
    ("s3://rex-backups/pg?versionId=1", "query strings"),
    ("s3://rex-backups/prod//pg", "empty path segment"),
    ("file://backups", "host 'backups' is not supported"),
    ("file://server/share", "host 'server' is not supported"),
    ("file:///", "filesystem root"),
    ("file:///srv/../etc", "'..' is not allowed"),
])
def test_refused_urls_say_why_and_what_is_accepted(url: str, why: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_store_url(url)
    message = str(raised.value)
    assert why in message
    assert "expected s3://BUCKET[/PREFIX] or file:///ABSOLUTE/DIR" in message
    assert "--storage or REX_STORAGE" in message
    assert raised.value.exit_code == 2
