"""One contract, two stores: every test here runs against S3 (moto over HTTP) and a directory."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from retention.storage.base import LockMode
from tests.integration.storage.backends import (
    Backend,
    Lock,
    MakeBackend,
    local_backend,
    s3_backend,
)


@pytest.fixture(params=["s3", "local"])
def make_backend(request: pytest.FixtureRequest, tmp_path: Path) -> MakeBackend:
    """make_backend(lock="none"|"enabled"|"governance", mode="GOVERNANCE", days=1)."""
    kind = request.param

    def make(lock: Lock = "none", mode: LockMode = "GOVERNANCE", days: int = 1) -> Backend:
        if kind == "s3":
            return s3_backend(request.getfixturevalue("s3_endpoint"), lock, mode, days)
        return local_backend(tmp_path / uuid.uuid4().hex[:8], lock, mode, days)

    return make


@pytest.fixture
def backend(make_backend: MakeBackend) -> Backend:
    """A store without Object Lock."""
    return make_backend()
