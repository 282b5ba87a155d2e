"""The one error root of rex. Messages say what failed, where, and what to do."""

from __future__ import annotations


class RexError(Exception):
    """Base of every error rex reports to a user.

    ``exit_code`` is 2 for usage and bad input, 1 for violations the input itself is fine with,
    3 when another rex holds a lock the command needs (nothing was done: retry later), 4 when
    a dependency (the S3 endpoint, a database server) could not be reached. cli.py's error
    boundary (retention/failures.py) maps boto, SQLAlchemy and OS errors to the same codes.
    """

    exit_code: int = 2


class InputError(RexError):
    """Bad input: a file, an option or a document that cannot be used as given."""

    exit_code = 2


class PolicyError(InputError):
    """A policy document that does not validate; carries every problem found, each with its path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(
            f"invalid policy {source} ({len(self.problems)} problem(s)):\n{lines}\n"
            "Fix the document and check it again with `rex policy check PATH`."
        )


class ViolationError(RexError):
    """The input is valid but the result breaks a promise or a guard (exit 1)."""

    exit_code = 1


class StorageError(RexError):
    """The storage refused or failed a request that rex cannot continue without (exit 1).

    A per-key refusal inside a delete batch is not an error: it is a ``DeleteFailure``.
    """

    exit_code = 1


class BusyError(RexError):
    """Another rex process holds a lock this command needs; nothing was done (exit 3).

    Not bad input (2) and not a broken promise (1): the same command succeeds once the other
    process has finished, so a scheduler may simply retry it later.
    """

    exit_code = 3


class UnreachableError(RexError):
    """A dependency (the S3 endpoint, a database server) could not be reached (exit 4).

    Not a finding (1) and not bad input (2): monitoring can tell an outage from a broken
    promise; the same command succeeds once the dependency is back.
    """

    exit_code = 4
