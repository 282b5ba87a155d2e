"""The hash-chained ledger: every state-changing act of rex, appended, never changed.

``hash = sha256(prev_hash + canonical)``, ``canonical`` = the UTF-8 JSON of
``{seq, at, actor, action, subject, details}`` with sorted keys, no insignificant whitespace and
non-ASCII kept; the first entry's ``prev_hash`` is 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from retention.timeutil import z

GENESIS = "0" * 64


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    details: Mapping[str, Any]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at, "actor": self.actor, "action": self.action,
                "subject": self.subject, "details": dict(self.details),
                "prev_hash": self.prev_hash, "hash": self.hash}


def canonical(seq: int, at: str, actor: str, action: str, subject: str,
              details: Mapping[str, Any]) -> str:
    body = {"seq": seq, "at": at, "actor": actor, "action": action, "subject": subject,
            "details": details}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, canonical_text: str) -> str:
    return hashlib.sha256((prev_hash + canonical_text).encode("utf-8")).hexdigest()


def next_entry(prev: Entry | None, at: datetime, actor: str, action: str, subject: str,
               details: Mapping[str, Any]) -> Entry:
    """The entry that follows ``prev`` (None: the first of the chain)."""
    seq = prev.seq + 1 if prev else 1
    prev_hash = prev.hash if prev else GENESIS
    at_text = z(at)
    text = canonical(seq, at_text, actor, action, subject, details)
    return Entry(seq, at_text, actor, action, subject, details, prev_hash,
                 chain_hash(prev_hash, text))


def verify_chain(entries: Iterable[Entry], expected_prev: str = GENESIS) -> list[str]:
    """Problems with a chain (or a slice starting after ``expected_prev``); [] when intact."""
    problems: list[str] = []
    prev_hash, prev_seq = expected_prev, None
    for e in entries:
        if prev_seq is not None and e.seq != prev_seq + 1:
            problems.append(f"entry {e.seq}: follows {prev_seq}; entries are missing")
        if e.prev_hash != prev_hash:
            problems.append(f"entry {e.seq}: prev_hash does not match the entry before it")
        text = canonical(e.seq, e.at, e.actor, e.action, e.subject, e.details)
        if chain_hash(e.prev_hash, text) != e.hash:
            problems.append(f"entry {e.seq}: hash does not match its content (altered)")
        prev_hash, prev_seq = e.hash, e.seq
    return problems
