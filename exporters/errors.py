"""Errors of the process-model store and the format readers/writers."""

from __future__ import annotations

from retention.errors import InputError


class ModelFileError(InputError):
    """A process-model file that rex refuses to read: says which file, where, and what to do."""

    def __init__(self, source: str, problem: str, hint: str, line: int | None = None) -> None:
        self.source = source
        self.line = line
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {problem}. {hint}")


class StoreError(InputError):
    """The process-model store cannot serve the request (no tables, unknown tenant or model)."""
