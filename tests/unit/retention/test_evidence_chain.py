"""The ledger check names what was done to an entry; checkpoints sign a head and catch edits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from retention.evidence import keys
from retention.evidence.chain import check_chain, first_named
from retention.evidence.checkpoint import (
    check_all,
    from_bytes,
    key_of,
    ledger_problems,
    sign_head,
    signature_problem,
)
from retention.evidence.ledger import Entry, next_entry

AT = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def chain(n: int) -> list[Entry]:
    out: list[Entry] = []
    for i in range(n):
        out.append(next_entry(out[-1] if out else None, AT, "ops", "delete-batch", "suite",
                              {"deleted": i}))
    return out


def messages(entries: list[Entry], **kw: object) -> list[str]:
    return [p.message for p in check_chain(entries, **kw)]  # type: ignore[arg-type]


def test_an_intact_chain_and_slice_have_no_problems() -> None:
    entries = chain(5)
    assert check_chain(entries) == []
    assert check_chain(entries[2:], entries[1].hash, None) == []


def test_an_edit_names_the_entry() -> None:
    entries = chain(5)
    entries[2] = replace(entries[2], details={"deleted": 0})
    assert messages(entries) == ["entry 3 (delete-batch suite, 2026-11-29T03:00:00Z) was "
                                 "edited: its content does not match its hash"]


def test_a_removal_names_the_missing_entries() -> None:
    entries = chain(6)
    assert messages(entries[:2] + entries[4:]) == [
        "entries 3 to 4 removed: entry 5 follows entry 2"]
    assert messages(entries[1:]) == ["entry 1 removed: the ledger starts at entry 2"]


def test_a_swap_names_both_entries_as_moved() -> None:
    e = chain(4)
    swapped = [e[0], replace(e[2], seq=2), replace(e[1], seq=3), e[3]]
    assert messages(swapped) == [
        "entry 2: holds entry 3, written as seq 3: the ledger was reordered or renumbered",
        "entry 3: holds entry 2, written as seq 2: the ledger was reordered or renumbered"]


def test_an_edit_rehashed_shows_at_the_next_link() -> None:
    e = chain(4)
    forged = next_entry(e[0], AT, "ops", "delete-batch", "suite", {"deleted": 0})
    found = messages([e[0], forged, e[2], e[3]])
    assert found == ["entry 2 was edited and re-hashed, or an entry after it removed: entry 3 "
                     "names a predecessor that is not in the ledger"]


def test_problems_are_ordered_by_the_entry_they_name() -> None:
    e = chain(5)
    broken = [e[0], e[1], replace(e[2], actor="x"), e[4]]
    assert [p.seq for p in first_named(check_chain(broken))] == [3, 4]  # edited, removed


# --- checkpoints -------------------------------------------------------------------------------

def test_a_checkpoint_round_trips_and_verifies_with_the_public_key_alone() -> None:
    key = Ed25519PrivateKey.generate()
    head = chain(3)[-1]
    cp = sign_head(head, AT, key)
    again = from_bytes(cp.to_bytes(), "cp")
    assert again == cp and key_of(3) == "evidence/checkpoint-000000000003.json"
    public = keys.from_raw(keys.raw(key.public_key()), "test")
    assert signature_problem(again, public, "cp") is None
    assert cp.signer == keys.fingerprint(key.public_key()) and cp.at == "2026-11-29T03:00:00Z"


def test_an_altered_checkpoint_or_another_key_fails() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    cp = sign_head(chain(3)[-1], AT, key)
    moved = replace(cp, hash="0" * 64)
    problem = signature_problem(moved, key.public_key(), "cp-3")
    assert problem is not None and "cp-3: the signature does not verify" in problem.message
    problem = signature_problem(cp, other.public_key(), "cp-3")
    assert problem is not None and "not by the trusted key" in problem.message


def test_checkpoints_catch_a_removed_head_and_a_rewritten_ledger() -> None:
    key = Ed25519PrivateKey.generate()
    entries = chain(6)
    cps = [("cp-2", sign_head(entries[1], AT, key)), ("cp-5", sign_head(entries[4], AT, key))]
    by_seq = {e.seq: e for e in entries}
    assert check_all(cps, by_seq, key.public_key()) == []
    truncated = {s: e for s, e in by_seq.items() if s < 5}
    removed = ledger_problems(cps[1][1], truncated, "cp-5", None)
    assert removed is not None and removed.message.startswith("entry 5 removed: cp-5")
    rewritten = {**by_seq, 5: replace(entries[4], hash="f" * 64)}
    found = check_all(cps, rewritten, key.public_key())
    assert [p.message for p in found] == [
        "entry 5 differs from cp-5 (signed 2026-11-29T03:00:00Z): the ledger was rewritten at "
        "or before entry 5 (after entry 2, whose checkpoint still matches)"]
