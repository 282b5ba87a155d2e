"""Files with client data or evidence are created 0600 and their new directories 0700, whatever
the umask; directories that exist keep their mode."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention import private_files


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o000, 0o077], ids=["umask022", "umask000", "umask077"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def test_new_directories_and_their_new_parents_are_0700(umask: int, tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir(mode=0o755)
    os.chmod(tmp_path / "mine", 0o755)
    made = private_files.private_dir(tmp_path / "mine" / "a" / "b")
    assert made.is_dir()
    assert mode(tmp_path / "mine" / "a") == mode(made) == 0o700
    assert mode(tmp_path / "mine") == 0o755  # the user's own directory is left alone
    assert private_files.private_dir(made) == made  # exists already: fine


def test_written_files_are_0600_also_when_they_existed_with_another_mode(
        umask: int, tmp_path: Path) -> None:
    private_files.write_bytes(tmp_path / "a.bin", b"x")
    private_files.write_text(tmp_path / "b.txt", "ü")
    with private_files.open_private(tmp_path / "c.log", "a", encoding="utf-8") as log:
        log.write("line\n")
    old = tmp_path / "old.json"
    old.write_text("{}")
    os.chmod(old, 0o644)
    private_files.write_text(old, "[]")
    assert {p.name: mode(p) for p in tmp_path.iterdir()} == {
        "a.bin": 0o600, "b.txt": 0o600, "c.log": 0o600, "old.json": 0o600}
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "ü" and old.read_text() == "[]"


def test_an_sqlite_file_is_made_0600_before_sqlite_creates_it(umask: int,
                                                            tmp_path: Path) -> None:
    private_files.sqlite_file(str(tmp_path / "rex.db"))
    assert mode(tmp_path / "rex.db") == 0o600 and (tmp_path / "rex.db").stat().st_size == 0
    existing = tmp_path / "theirs.db"
    existing.write_bytes(b"")
    os.chmod(existing, 0o640)
    private_files.sqlite_file(str(existing))
    assert mode(existing) == 0o640  # not rex's to change
    for special in (":memory:", "", None, "file:x.db?mode=memory"):
        private_files.sqlite_file(special)
    private_files.sqlite_file(str(tmp_path / "missing" / "rex.db"))
    assert not (tmp_path / "missing").exists()  # SQLite reports a missing directory
