"""Shared pytest options."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite golden files from the current output (review the diff!).")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """One S3 server over HTTP for the session; AWS_ENDPOINT_URL and credentials point at it."""
    from tests.support.s3server import s3_server

    with s3_server() as endpoint:
        yield endpoint
