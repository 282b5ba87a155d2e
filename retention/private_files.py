"""Files that hold client data or evidence (the catalog, offboarding bundles and their work files,
evidence reports, a local store's objects): created 0600, their directories 0700, whatever the
process's umask. A directory that exists already keeps its mode: it may be the user's own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIR_MODE = 0o700

_FLAGS = {"w": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
          "a": os.O_WRONLY | os.O_CREAT | os.O_APPEND}


def private_dir(path: Path) -> Path:
    """``path`` as a directory; the ones created here (parents too) are 0700."""
    missing: list[Path] = []
    at = Path(path)
    while not at.is_dir():
        missing.append(at)
        if at.parent == at:
            break
        at = at.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue  # made by another process meanwhile: it decides its mode
        os.chmod(folder, DIR_MODE)  # mkdir's mode is reduced by the umask
    return path


def open_private(path: Path, mode: str = "wb", encoding: str | None = None) -> IO[Any]:
    """``open(path, mode)`` for writing (w or a; b for bytes), the file 0600 afterwards even
    when it existed before with another mode."""
    flags = _FLAGS[mode[0]] | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, mode, encoding=None if "b" in mode else encoding or "utf-8")
    except BaseException:
        os.close(fd)
        raise


def write_bytes(path: Path, data: bytes) -> None:
    with open_private(path, "wb") as out:
        out.write(data)


def write_text(path: Path, text: str) -> None:
    with open_private(path, "w", encoding="utf-8") as out:
        out.write(text)


def touch(path: Path) -> Path:
    """Create ``path`` empty and 0600 if it is missing (a writer that opens it by name later
    keeps that mode); an existing file is left as it is."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return path
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def sqlite_file(database: str | None) -> None:
    """Before SQLite creates a database file (it would follow the umask: 0644), create it 0600;
    its journal and WAL files take the database file's mode. Memory databases, ``file:`` URIs
    and files that exist are left alone; so is a missing directory (SQLite reports that)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.parent.is_dir():
        touch(path)
