"""`rex apply`, `rex run` and `rex sync` while another rex holds the lock they need: exit 3
(busy; 2 is for bad input), nothing done, and one line naming the holder and since when."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from retention.catalog.db import open_catalog
from retention.catalog.locking import catalog_lock, holder_id
from retention.sample import write_layout
from retention.storage.local import LocalStore
from retention.timeutil import z
from tests.support.bucket import protect

END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
# locks are leased on the real clock (never on --now): the other holder took it just now
SINCE = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "store").mkdir()
    write_layout(protect(LocalStore(tmp_path / "store", lambda: END)), "suite", END, 40)
    env = {"REX_STORAGE": f"file://{tmp_path / 'store'}",
           "REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}", "REX_NOW": "2026-11-29T06:00:00Z",
           "REX_ACTOR": "ops"}
    for args in (["sync", "--server", "suite"], ["plan", "--server", "suite"]):
        assert rex(env, *args)[0] == 0
    return env


def rex(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def refused(err: str, what: str, lock: str) -> bool:
    return err == (f"rex: error: busy: another rex {what} holds the lock {lock} (held by "
                   f"{holder_id()} since {z(SINCE)}); retry later, when it has "
                   "finished\n")


@pytest.mark.parametrize("args", [["apply", "1"], ["run", "--server", "suite"]])
def test_apply_and_run_exit_3_while_another_apply_holds_the_lock(env: dict[str, str],
                                                                args: list[str]) -> None:
    engine = open_catalog(env["REX_CATALOG"])
    with catalog_lock(engine, "apply:suite", SINCE, "apply"):  # "another apply", still running
        code, _, err = rex(env, *args)
    assert code == 3, err
    assert refused(err, "apply", "apply:suite"), err
    code, _, err = rex(env, "apply", "1", "--json")  # nothing was done: it applies now
    assert code == 0, err


def test_sync_exits_3_while_another_sync_of_the_server_runs(env: dict[str, str]) -> None:
    engine = open_catalog(env["REX_CATALOG"])
    with catalog_lock(engine, "sync:suite", SINCE, "sync of suite"):
        code, _, err = rex(env, "sync", "--server", "suite")
        assert code == 3 and refused(err, "sync of suite", "sync:suite"), err
        code, _, err = rex(env, "run", "--server", "suite")
        assert code == 3 and refused(err, "sync of suite", "sync:suite"), err
    assert rex(env, "sync", "--server", "suite")[0] == 0
