"""Checkpoints against a real catalog (SQLite and PostgreSQL) and an S3 evidence location: each
run signs its head once; edits made in the database afterwards are found and refuse signing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.orm import Session

from retention.catalog import repo
from retention.catalog.db import open_catalog
from retention.errors import ViolationError
from retention.evidence import location
from retention.evidence.service import sign_head, verify_catalog
from retention.storage.local import LocalStore

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def _append(url: str, n: int) -> None:
    with Session(open_catalog(url)) as session, session.begin():
        for i in range(n):
            repo.append(session, NOW, "ops", "hold-place", f"H{i}", {"reason": "case é"})


def test_heads_are_signed_once_and_edits_are_found(catalog: str, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    store = LocalStore(tmp_path, lambda: NOW)
    engine = open_catalog(catalog)
    _append(catalog, 3)
    assert sign_head(engine, store, key, NOW) is not None
    assert sign_head(engine, store, key, NOW) is None  # signed already
    _append(catalog, 2)
    assert sign_head(engine, store, key, NOW) is not None
    assert location.seqs(store) == [3, 5]
    good = verify_catalog(catalog, tmp_path.as_uri(), lambda: NOW, None)
    assert good.authentic and good.checkpoints == 2
    with engine.begin() as conn:
        conn.execute(text("UPDATE rex_ledger SET subject = 'H9' WHERE seq = 4"))
    bad = verify_catalog(catalog, tmp_path.as_uri(), lambda: NOW, None)
    assert not bad.authentic and bad.problems[0].seq == 4
    _append(catalog, 1)
    with engine.begin() as conn:  # edited after the last checkpoint: the next run sees it
        conn.execute(text("UPDATE rex_ledger SET subject = 'H9' WHERE seq = 6"))
    _append(catalog, 1)
    with pytest.raises(ViolationError, match="not signing the ledger head: entry 6"):
        sign_head(engine, store, key, NOW)


def test_checkpoints_go_to_an_s3_evidence_location(s3_endpoint: str, tmp_path: Path) -> None:
    boto3.client("s3").create_bucket(Bucket="rex-evidence")
    url = f"sqlite:///{tmp_path / 'rex.db'}"
    _append(url, 2)
    key = Ed25519PrivateKey.generate()
    store = location.open_evidence("s3://rex-evidence/exports", lambda: NOW)
    cp = sign_head(open_catalog(url), store, key, NOW)
    assert cp is not None and location.existing(store, 2) == cp
    found = verify_catalog(url, "s3://rex-evidence/exports", lambda: NOW, None)
    assert found.authentic and found.checkpoints == 1
