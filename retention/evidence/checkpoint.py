"""Signed checkpoints of the ledger's chain head. PURE (signing is arithmetic, not I/O).

A checkpoint is a small JSON document, ``evidence/checkpoint-<seq>.json`` in the evidence
location (``<exports>/evidence/``, under COMPLIANCE Object Lock in production):

    {"schema": "rex-checkpoint/1", "seq": 42, "hash": "<entry 42's hash>",
     "at": "<when signed>", "signer": "ed25519:<sha256 of the raw public key>",
     "public_key": "<base64 of the raw public key>", "signature": "<base64>"}

The signature is over the canonical JSON (sorted keys, no whitespace, UTF-8) of
``{schema, seq, hash, at, signer}``. Checkpoints live outside the catalog on purpose: whoever
can rewrite the catalog cannot rewrite a locked checkpoint, so a rewritten ledger disagrees with
the checkpoints signed before it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from retention.evidence import keys
from retention.evidence.chain import Problem
from retention.evidence.ledger import Entry
from retention.timeutil import z

SCHEMA = "rex-checkpoint/1"
PREFIX = "evidence/checkpoint-"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    signer: str
    public_key: str
    signature: str

    def message(self) -> bytes:
        body = {"schema": SCHEMA, "seq": self.seq, "hash": self.hash, "at": self.at,
                "signer": self.signer}
        return json.dumps(body, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8")

    def as_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "seq": self.seq, "hash": self.hash, "at": self.at,
                "signer": self.signer, "public_key": self.public_key,
                "signature": self.signature}

    def to_bytes(self) -> bytes:
        return (json.dumps(self.as_dict(), indent=2, sort_keys=True) + "\n").encode("utf-8")


def key_of(seq: int) -> str:
    """The checkpoint's key in the evidence location; zero-padded so keys sort by seq."""
    return f"{PREFIX}{seq:012d}.json"


def sign_head(head: Entry, at: datetime, key: Ed25519PrivateKey) -> Checkpoint:
    public = key.public_key()
    unsigned = Checkpoint(head.seq, head.hash, z(at), keys.fingerprint(public), keys.raw(public),
                          "")
    return Checkpoint(head.seq, head.hash, unsigned.at, unsigned.signer, unsigned.public_key,
                      keys.sign(key, unsigned.message()))


def parse(doc: Any, where: str) -> Checkpoint:
    """A checkpoint from its parsed JSON; ValueError naming the bad field."""
    if not isinstance(doc, Mapping) or doc.get("schema") != SCHEMA:
        raise ValueError(f"{where}: not a {SCHEMA} document")
    fields: dict[str, Any] = {}
    for name, kind in (("seq", int), ("hash", str), ("at", str), ("signer", str),
                       ("public_key", str), ("signature", str)):
        value = doc.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(f"{where}: field {name!r} is missing or not a {kind.__name__}")
        fields[name] = value
    return Checkpoint(**fields)


def from_bytes(data: bytes, where: str) -> Checkpoint:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{where}: not JSON ({err})") from None
    return parse(doc, where)


def signature_problem(cp: Checkpoint, trusted: Ed25519PublicKey, where: str) -> Problem | None:
    """Whether ``trusted`` signed this checkpoint as it reads now."""
    expected = keys.fingerprint(trusted)
    if cp.signer != expected:
        return Problem(cp.seq, f"{where}: signed by {cp.signer}, not by the trusted key "
                               f"{expected}")
    if not keys.verifies(trusted, cp.message(), cp.signature):
        return Problem(cp.seq, f"{where}: the signature does not verify: the checkpoint "
                               "(its seq, hash, time or signature) was altered")
    return None


def ledger_problems(cp: Checkpoint, by_seq: Mapping[int, Entry], where: str,
                    matched_before: int | None) -> Problem | None:
    """Whether the ledger still holds the entry this checkpoint signed."""
    entry = by_seq.get(cp.seq)
    if entry is None:
        return Problem(cp.seq, f"entry {cp.seq} removed: {where} (signed {cp.at}) names it, "
                               "the ledger no longer holds it")
    if entry.hash != cp.hash:
        after = (f"after entry {matched_before}, whose checkpoint still matches"
                 if matched_before is not None else "from its start")
        return Problem(cp.seq, f"entry {cp.seq} differs from {where} (signed {cp.at}): the "
                               f"ledger was rewritten at or before entry {cp.seq} ({after})")
    return None


def check_all(checkpoints: Sequence[tuple[str, Checkpoint]], by_seq: Mapping[int, Entry],
              trusted: Ed25519PublicKey) -> list[Problem]:
    """Signatures with the trusted key, then each signed head against the ledger."""
    problems: list[Problem] = []
    matched: int | None = None
    for where, cp in sorted(checkpoints, key=lambda item: (item[1].seq, item[0])):
        bad = signature_problem(cp, trusted, where)
        if bad is not None:
            problems.append(bad)
            continue
        moved = ledger_problems(cp, by_seq, where, matched)
        if moved is None:
            matched = cp.seq
        else:
            problems.append(moved)
    return problems
