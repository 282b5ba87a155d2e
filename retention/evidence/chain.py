"""Checking a ledger (or a slice of one) and naming what was done to it: an entry edited,
removed, or moved (reordered, renumbered). PURE.

Each entry's hash covers its own seq, so an entry that was moved no longer matches its hash at
its new place, but does at the seq it was written with: that is how a move is told from an edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retention.evidence.ledger import GENESIS, Entry, canonical, chain_hash

MAX_PROBLEMS = 20  # after this many, the ledger is plainly not authentic; stop describing it


@dataclass(frozen=True)
class Problem:
    """One thing wrong, at the entry (``seq``) where it shows; None for the evidence as a
    whole."""

    seq: int | None
    message: str


def intact(e: Entry, seq: int | None = None) -> bool:
    """Whether the entry's hash matches its content (as written with ``seq``)."""
    text = canonical(e.seq if seq is None else seq, e.at, e.actor, e.action, e.subject,
                     e.details)
    return chain_hash(e.prev_hash, text) == e.hash


def _written_as(e: Entry, highest: int) -> int | None:
    """The seq an altered-looking entry was written with, if its content is genuine."""
    for seq in range(1, highest + 2):
        if seq != e.seq and intact(e, seq):
            return seq
    return None


def _content(e: Entry, highest: int) -> Problem | None:
    if intact(e):
        return None
    moved = _written_as(e, highest)
    if moved is not None:
        return Problem(e.seq, f"entry {e.seq}: holds entry {moved}, written as seq {moved}: "
                              "the ledger was reordered or renumbered")
    return Problem(e.seq, f"entry {e.seq} ({e.action} {e.subject}, {e.at}) was edited: its "
                          "content does not match its hash")


def _gone(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first} to {last}"


def _gap(e: Entry, prev: Entry | None) -> Problem | None:
    if prev is not None and e.seq > prev.seq + 1:
        return Problem(prev.seq + 1, f"{_gone(prev.seq + 1, e.seq - 1)} removed: entry {e.seq} "
                                     f"follows entry {prev.seq}")
    return None


def _link(e: Entry, prev: Entry | None, expected_prev: str,
          hashes: dict[str, int]) -> Problem | None:
    wanted = prev.hash if prev is not None else expected_prev
    if e.prev_hash == wanted:
        return None
    if e.prev_hash in hashes:
        return Problem(e.seq, f"entry {e.seq}: follows entry {hashes[e.prev_hash]}, not the "
                              "entry before it: the ledger was reordered")
    if prev is None:
        return Problem(e.seq, f"entry {e.seq}: does not follow the chain before it "
                              f"(prev_hash {e.prev_hash[:16]}…, expected {wanted[:16]}…)")
    return Problem(prev.seq, f"entry {prev.seq} was edited and re-hashed, or an entry after it "
                             f"removed: entry {e.seq} names a predecessor that is not in the "
                             "ledger")


def check_chain(entries: Sequence[Entry], expected_prev: str = GENESIS,
                first_seq: int | None = 1) -> list[Problem]:
    """Problems of a chain in stored order, each at the entry where it shows; [] when intact.

    ``expected_prev`` is the hash the first entry follows (64 zeros for a whole ledger); a
    ``first_seq`` of None accepts a slice starting anywhere."""
    problems: list[Problem] = []
    hashes = {e.hash: e.seq for e in entries}
    highest = max((e.seq for e in entries), default=0)
    # a link to an altered or missing entry is explained by that entry's own problem
    prev_altered = bool(entries) and first_seq is not None and entries[0].seq != first_seq
    if prev_altered:
        problems.append(Problem(first_seq, f"{_gone(first_seq or 1, entries[0].seq - 1)} "
                                           f"removed: the ledger starts at entry "
                                           f"{entries[0].seq}"))
    prev: Entry | None = None
    for e in entries:
        content = _content(e, highest)
        gap = _gap(e, prev)
        problems += [p for p in (gap, content) if p is not None]
        if content is None and gap is None and not prev_altered and (
                link := _link(e, prev, expected_prev, hashes)) is not None:
            problems.append(link)
        prev_altered = content is not None
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem(None, f"more problems after entry {e.seq} are not listed"))
            break
        prev = e
    return problems


def first_named(problems: Sequence[Problem]) -> list[Problem]:
    """Problems ordered by the entry they name, the evidence-wide ones last."""
    return sorted(problems, key=lambda p: (p.seq is None, p.seq or 0))
