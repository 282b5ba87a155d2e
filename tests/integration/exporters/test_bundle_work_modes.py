"""An offboarding's work directory (left behind by an interruption, with the rendered files of
the models done so far) holds client data: 0700, its files 0600, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from exporters.bundle import DONE_LOG, Progress
from exporters.offboard import Places, Request, offboard
from tests.support.offboarding import client, model_files

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


class Interrupted(Exception):
    pass


def stop(_: int) -> None:
    raise Interrupted


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_000() -> Iterator[None]:
    old = os.umask(0)  # the worst case: everything would be world-writable
    try:
        yield
    finally:
        os.umask(old)


def test_work_files_of_an_interrupted_offboarding_are_private(umask_000: None,
                                                              tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rex.db'}"
    client({"REX_CATALOG": url}, "acme", model_files(tmp_path), terminated=True)
    places = Places(catalog=url, suite_db=url, policy="engage-sla-2024")
    with pytest.raises(Interrupted):
        offboard(places, Request("acme", tmp_path / "out"), NOW, "ops", lambda: NOW,
                 Progress(step=stop))
    [work] = (tmp_path / "out").glob(".acme-offboarding-*.work")
    folders = [work, *(p for p in work.rglob("*") if p.is_dir())]
    files = [p for p in work.rglob("*") if p.is_file()]
    assert len(folders) == 2 and (work / DONE_LOG) in files and len(files) == 6
    assert {mode(p) for p in folders} == {0o700} and {mode(p) for p in files} == {0o600}
    assert mode(tmp_path / "out") == 0o700
    done = offboard(places, Request("acme", tmp_path / "out"), NOW, "ops", lambda: NOW)
    assert mode(done.bundle.path) == 0o600 and not work.exists()
