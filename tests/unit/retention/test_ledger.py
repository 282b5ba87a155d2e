import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime

from retention.evidence.ledger import GENESIS, next_entry, verify_chain

AT = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def test_first_entry_follows_the_design_formula_exactly() -> None:
    e = next_entry(None, AT, "ops", "plan", "suite", {"plan": 1, "naam": "één"})
    body = {"seq": 1, "at": "2026-11-29T03:00:00Z", "actor": "ops", "action": "plan",
            "subject": "suite", "details": {"plan": 1, "naam": "één"}}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert "één" in text
    assert e.prev_hash == GENESIS
    assert e.hash == hashlib.sha256((GENESIS + text).encode()).hexdigest()


def test_chain_links_and_verifies() -> None:
    first = next_entry(None, AT, "ops", "plan", "suite", {})
    second = next_entry(first, AT, "ops", "apply", "suite", {"batch": 1})
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert verify_chain([first, second]) == []


def test_altered_missing_and_reordered_entries_are_found() -> None:
    a = next_entry(None, AT, "ops", "plan", "suite", {})
    b = next_entry(a, AT, "ops", "apply", "suite", {"deleted": 3})
    c = next_entry(b, AT, "ops", "apply", "suite", {"deleted": 4})
    altered = replace(b, details={"deleted": 0})
    assert verify_chain([a, altered, c]) == ["entry 2: hash does not match its content (altered)"]
    assert verify_chain([a, c]) == ["entry 3: follows 1; entries are missing",
                                    "entry 3: prev_hash does not match the entry before it"]
    assert verify_chain([b, c], expected_prev=a.hash) == []
