"""`rex evidence verify report.json`: is a report authentic? OFFLINE and PURE: no catalog.

Checks, each naming what differs: the policy text against its sha256; the ledger slice's chain
(from its first entry's prev_hash); the report's own ``evidence-report`` entry against the
carried policy, inventory and plan; every checkpoint's signature (with the auditor's key when
given, which must be the key the report carries) and the entry it signed; and every derived
section (the plan, coverage, findings, deletions, ...) against re-deriving it from the facts.
Findings do not make a report inauthentic: an honest report of broken promises verifies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from retention.errors import InputError
from retention.evidence import keys
from retention.evidence.chain import check_chain
from retention.evidence.checkpoint import Checkpoint, parse, signature_problem
from retention.evidence.ledger import Entry
from retention.evidence.report import ATTESTATION, DERIVED, FACTS, SCHEMA, Basis, derive
from retention.policy import parse_policy_bytes
from retention.timeutil import parse_date, parse_instant

_SOURCES = {"plan": "the carried policy and inventory", "coverage": "the carried policy and "
            "inventory", "findings": "the carried policy and inventory"}


@dataclass(frozen=True)
class Verdict:
    problems: tuple[str, ...]  # any problem: the report is not authentic
    notes: tuple[str, ...]  # what was checked, and what could not be
    signed_by: str | None

    @property
    def authentic(self) -> bool:
        return not self.problems


def verify_report(doc: Any, trusted: Ed25519PublicKey | None) -> Verdict:
    problems: list[str] = []
    notes: list[str] = []
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        return Verdict((f"not a {SCHEMA} document",), (), None)
    for key in sorted(set(FACTS + DERIVED) - set(doc)):
        problems.append(f"{key}: missing from the report")
    for key in sorted(set(doc) - set(FACTS + DERIVED)):
        problems.append(f"{key}: not a section of a {SCHEMA} report (added)")
    basis = _basis(doc, problems)
    entries = _entries(doc.get("ledger"), problems)
    if basis is None or entries is None:
        return Verdict(tuple(problems), tuple(notes), None)
    problems += [f"ledger: {p.message}" for p in
                 check_chain(entries, entries[0].prev_hash if entries else "", None)]
    problems += _attestation(doc, basis, entries)
    signer = _signatures(doc["ledger"], entries, trusted, problems, notes)
    problems += _derived(doc, basis, entries)
    return Verdict(tuple(problems), tuple(notes), signer)


def _basis(doc: dict[str, Any], problems: list[str]) -> Basis | None:
    try:
        pol = doc["policy"]
        toml = pol["toml"]
        policy = parse_policy_bytes(toml.encode("utf-8"), "report.json policy.toml")
        if policy.sha256 != pol["sha256"]:
            problems.append(f"policy.toml: its sha256 is {policy.sha256}, the report says "
                            f"{pol['sha256']}: the policy text was altered")
        if policy.name != pol["name"]:
            problems.append(f"policy.name: {pol['name']!r}, the policy text names "
                            f"{policy.name!r}")
        period = doc["period"]
        basis = Basis(parse_instant(doc["now"], "now"), parse_date(period["from"], "period.from"),
                      parse_date(period["to"], "period.to"),
                      tuple(str(s) for s in doc["servers"]), policy, toml, doc["inventory"])
        basis.parsed()
    except (KeyError, TypeError, AttributeError) as err:
        problems.append(f"the report's facts are incomplete or malformed ({err!r} missing or "
                        "wrong): nothing can be re-derived")
        return None
    except InputError as err:
        problems.append(f"the report's facts do not parse: {err}")
        return None
    return basis


def _entries(ledger: Any, problems: list[str]) -> list[Entry] | None:
    fields = (("seq", int), ("at", str), ("actor", str), ("action", str), ("subject", str),
              ("details", dict), ("prev_hash", str), ("hash", str))
    raw = ledger.get("entries") if isinstance(ledger, dict) else None
    if not isinstance(raw, list) or not raw:
        problems.append("ledger.entries: missing or empty; a report carries at least its own "
                        "evidence-report entry")
        return None
    out: list[Entry] = []
    for i, item in enumerate(raw):
        bad = [n for n, kind in fields if not isinstance(item, dict)
               or not isinstance(item.get(n), kind) or isinstance(item.get(n), bool)]
        if bad:
            problems.append(f"ledger.entries[{i}]: {', '.join(bad)} missing or malformed")
            return None
        out.append(Entry(*(item[n] for n, _ in fields)))
    return out


def _attestation(doc: dict[str, Any], basis: Basis, entries: list[Entry]) -> list[str]:
    last = entries[-1]
    head = doc["ledger"].get("head")
    out = []
    if head != {"seq": last.seq, "hash": last.hash}:
        out.append(f"ledger.head: {head}, but the slice ends at entry {last.seq} "
                   f"({last.hash[:16]}…)")
    if last.action != ATTESTATION:
        return [*out, f"ledger: the slice ends with entry {last.seq} ({last.action}), not the "
                      f"report's own {ATTESTATION} entry: entries were cut or added"]
    expected = basis.attestation(entries[0].seq)
    for key in sorted(set(expected) | set(last.details)):
        if expected.get(key) != last.details.get(key):
            out.append(f"{_FACT_OF.get(key, key)}: differs from what entry {last.seq} "
                       f"({ATTESTATION}) recorded for it ({key}: recorded "
                       f"{_short(last.details.get(key))}, the report gives "
                       f"{_short(expected.get(key))})")
    return out


_FACT_OF = {"inventory_sha256": "inventory", "policy_sha256": "policy", "plan_sha256": "plan",
            "ledger_from_seq": "ledger.entries (start of the slice)", "now": "now",
            "from": "period.from", "to": "period.to", "servers": "servers"}


def _signatures(ledger: dict[str, Any], entries: list[Entry], trusted: Ed25519PublicKey | None,
                problems: list[str], notes: list[str]) -> str | None:
    carried = ledger.get("public_key")
    key = trusted
    if carried is not None:
        try:
            carried_key = keys.from_raw(carried, "ledger.public_key")
        except InputError as err:
            problems.append(str(err))
            return None
        if trusted is not None and keys.fingerprint(trusted) != keys.fingerprint(carried_key):
            problems.append(f"ledger.public_key: {keys.fingerprint(carried_key)} is not the "
                            f"auditor's key {keys.fingerprint(trusted)}")
        key = key or carried_key
        if trusted is None:
            notes.append("signatures checked with the key the report carries; pass "
                         "--public-key to check them with a key you hold yourself")
    if key is None:
        notes.append("unsigned report: no checkpoint anchors its ledger slice; ask for a "
                     "report made with --signing-key and verify it with --public-key")
        return None
    _checkpoints(ledger.get("checkpoints"), entries, key, problems)
    return keys.fingerprint(key)


def _checkpoints(raw: Any, entries: list[Entry], key: Ed25519PublicKey,
                 problems: list[str]) -> None:
    by_seq = {e.seq: e for e in entries}
    good: set[int] = set()
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        where = f"ledger.checkpoints[{i}]"
        try:
            cp: Checkpoint = parse(item, where)
        except ValueError as err:
            problems.append(str(err))
            continue
        bad = signature_problem(cp, key, f"{where} (entry {cp.seq})")
        entry = by_seq.get(cp.seq)
        if bad is not None:
            problems.append(bad.message)
        elif entry is None or entry.hash != cp.hash:
            problems.append(f"{where}: signed entry {cp.seq} with hash {cp.hash[:16]}…, the "
                            "slice " + ("does not hold it" if entry is None else
                                        f"holds {entry.hash[:16]}…: the entry was altered"))
        else:
            good.add(cp.seq)
    if entries[-1].seq not in good:
        problems.append(f"ledger: the report's own entry {entries[-1].seq} is not covered by a "
                        "checkpoint that verifies")


def _derived(doc: dict[str, Any], basis: Basis, entries: list[Entry]) -> list[str]:
    try:
        recomputed = json.loads(json.dumps(derive(basis, entries)))
    except InputError as err:
        return [f"the derived sections cannot be re-derived: {err}"]
    out = []
    for section in DERIVED:
        if section not in doc:
            continue
        diff = first_difference(doc[section], recomputed[section], section)
        if diff is not None:
            path, carried, expected = diff
            source = _SOURCES.get(section, "the carried ledger entries")
            out.append(f"{path}: the report says {_short(carried)}, re-deriving from {source} "
                       f"gives {_short(expected)}")
    return out


def first_difference(a: Any, b: Any, path: str) -> tuple[str, Any, Any] | None:
    """The first path where two JSON values differ (a bool is not a number here)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                return f"{path}.{key}", a.get(key, "<absent>"), b.get(key, "<absent>")
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found is not None:
                return found
        if len(a) != len(b):
            return f"{path}", f"{len(a)} items", f"{len(b)} items"
        return None
    return None if (type(a), a) == (type(b), b) else (path, a, b)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "…"
