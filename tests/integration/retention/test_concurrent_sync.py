"""Two `rex sync --server S` at once, on SQLite and on PostgreSQL: the second is refused with the
busy exit code (3) and a one-line message instead of dying with a traceback halfway through
replacing the same rows, and the catalog stays exact (the server's rows once, the ledger chain
intact, no lock left behind). Also on a brand-new catalog, whose migration both processes race."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from retention.catalog import repo
from retention.catalog.db import open_catalog
from retention.catalog.locking import LockedError
from retention.catalog.tables import LedgerRow, LockRow, PointRow
from retention.evidence.ledger import verify_chain
from retention.sample import write_layout
from retention.storage.base import ObjectVersion
from retention.storage.local import LocalStore
from retention.sync import sync_server
from tests.support.databases import catalog_url

END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
DAYS = 20
ROOT = Path(__file__).resolve().parents[3]


class GatedStore(LocalStore):
    """A local store whose listing waits until the test lets it go: the sync is then known to
    be running (and holding its lock) while the second one starts."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, lambda: END)
        self.listing = threading.Event()
        self.go = threading.Event()

    def list_versions(self, prefix: str = "") -> Iterator[ObjectVersion]:
        self.listing.set()
        assert self.go.wait(60)
        yield from super().list_versions(prefix)


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    root.mkdir()
    write_layout(LocalStore(root, lambda: END), "suite", END, DAYS)
    return root


def assert_consistent(url: str, syncs: int) -> None:
    engine = open_catalog(url)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(PointRow)) == DAYS
        assert s.scalar(select(func.count()).select_from(LockRow)) == 0
        assert s.scalar(select(func.count()).select_from(LedgerRow)
                        .where(LedgerRow.action == "sync")) == syncs
        assert verify_chain(repo.ledger_entries(s)) == []
    engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_second_sync_while_one_runs_is_refused_as_busy(kind: str, store_dir: Path,
                                                        tmp_path: Path) -> None:
    with catalog_url(kind, tmp_path) as url:
        engine = open_catalog(url)
        gated = GatedStore(store_dir)
        outcome: list[object] = []
        first = threading.Thread(target=lambda: outcome.append(
            sync_server(engine, gated, store_dir.as_uri(), "suite", NOW, "ops")))
        first.start()
        try:
            assert gated.listing.wait(60)
            with pytest.raises(LockedError) as refused:
                sync_server(engine, LocalStore(store_dir, lambda: END), store_dir.as_uri(),
                            "suite", NOW, "ops")
        finally:
            gated.go.set()
            first.join(60)
        assert refused.value.exit_code == 3
        assert str(refused.value).startswith(
            "busy: another rex sync of suite holds the lock sync:suite (held by ")
        assert len(outcome) == 1  # the first one finished normally
        sync_server(engine, LocalStore(store_dir, lambda: END), store_dir.as_uri(), "suite",
                    NOW, "ops")  # and the lock is free again
        engine.dispose()
        assert_consistent(url, syncs=2)


def rex_sync(url: str, store_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "REX_STORAGE": store_dir.as_uri(), "REX_CATALOG": url,
           "REX_NOW": "2026-11-29T06:00:00Z", "REX_ACTOR": "ops"}
    return subprocess.Popen([sys.executable, "-c", "import cli; cli.main()", "sync", "--server",
                             "suite"], cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_two_sync_processes_at_once_both_end_cleanly(kind: str, store_dir: Path,
                                                    tmp_path: Path) -> None:
    with catalog_url(kind, tmp_path) as url:  # a new catalog: both also race its migration
        succeeded = 0
        for _ in range(2):
            procs = [rex_sync(url, store_dir) for _ in range(2)]
            results = [(p.returncode, err) for p in procs
                       for _, err in [p.communicate(timeout=300)]]
            for code, err in results:
                assert "Traceback" not in err, err
                assert code in (0, 3), err
                if code == 3:
                    assert err.startswith("rex: error: busy: another rex sync of suite holds "
                                          "the lock sync:suite"), err
                    assert err.count("\n") == 1, err  # one line
            assert any(code == 0 for code, _ in results), results
            succeeded += sum(code == 0 for code, _ in results)
        assert_consistent(url, syncs=succeeded)
