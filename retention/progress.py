"""Progress on stderr for long work (sync, apply, deep verify, export, offboarding).

Drawn with ``rich`` only when stderr is a terminal and the user did not ask for quiet
(``--quiet`` / ``REX_QUIET``); otherwise every call is a no-op, so stdout, logs and pipes never
see it. ``rich`` is imported only when a bar is actually drawn (start-up stays fast).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def enabled(quiet: bool = False) -> bool:
    """Whether to draw: stderr is a terminal and neither ``quiet`` nor ``REX_QUIET`` is set."""
    if quiet or os.environ.get("REX_QUIET", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


class Bar:
    """``total(n)`` when the amount of work is known (else an elapsed-time spinner),
    ``step(n)`` as it is done. Does nothing when progress is off."""

    def __init__(self, progress: Any = None, task: Any = None) -> None:
        self._progress, self._task = progress, task

    def total(self, n: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, total=n)

    def step(self, n: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)


@contextmanager
def progress(label: str, total: int | None = None, quiet: bool = False) -> Iterator[Bar]:
    """A bar (or a spinner until ``Bar.total`` is called) on stderr, removed when done."""
    if not enabled(quiet):
        yield Bar()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as shown:
        yield Bar(shown, shown.add_task(label, total=total))
