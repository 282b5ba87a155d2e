"""The client's download link: presigned with SigV4 whatever the region's default, and its
expiry read back from the signed link (botocore signs at the real time, not at --now)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from exporters.delivery import link_expiry
from retention.storage.s3 import CLIENT_CONFIG, S3Store


@pytest.fixture
def offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-2"])
def test_links_are_presigned_with_sigv4(offline_aws: None, monkeypatch: pytest.MonkeyPatch,
                                        region: str) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    assert getattr(CLIENT_CONFIG, "signature_version", None) == "s3v4"
    before = datetime.now(UTC).replace(microsecond=0)
    url = S3Store("exports", "pg").presigned_get("offboarding/acme/b.zip", "v1", 604800)
    after = datetime.now(UTC)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["604800"] and query["versionId"] == ["v1"]
    expires = link_expiry(url)
    assert expires is not None
    assert before + timedelta(days=7) <= expires <= after + timedelta(days=7)


def test_link_expiry_is_the_signing_time_plus_the_validity() -> None:
    url = ("https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&"
           "X-Amz-Date=20261130T052148Z&X-Amz-Expires=3600&X-Amz-Signature=abc")
    assert link_expiry(url) == datetime(2026, 11, 30, 6, 21, 48, tzinfo=UTC)
    assert link_expiry("https://b.s3.amazonaws.com/k?AWSAccessKeyId=A&Expires=1&Signature=s") \
        is None  # SigV2 carries no X-Amz-Date
    assert link_expiry("/exports/offboarding/acme/b.zip") is None
