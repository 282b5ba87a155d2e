"""The report's pure parts: the inventory document reads back, coverage cells, and offline
verification of a report built in memory (authentic whatever its findings; edits named)."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import policies
from retention.evidence import keys
from retention.evidence.checkpoint import sign_head
from retention.evidence.inventory_doc import inventory_document
from retention.evidence.ledger import Entry, next_entry
from retention.evidence.offline import first_difference, verify_report
from retention.evidence.report import ATTESTATION, Basis, Ledger, document
from retention.inventory import parse_inventory
from retention.model import Contract
from tests.unit.retention.builders import POLICY, ams, daily_points, inventory, legal

NOW = ams("2026-11-29 07:00")
TOML = policies.locate("engage-sla-2024")[0].decode()  # type: ignore[index]


def basis(lose: str | None = None) -> Basis:
    points = [p for p in daily_points("2026-05-01", 213) if p.id != lose]
    inv = inventory(points)
    doc = inventory_document(inv, [legal("H1", "20261105T0300")],
                             [Contract("acme", ams("2026-09-01 00:00"))])
    return Basis(NOW, date(2026, 9, 1), date(2026, 11, 29), ("suite",), POLICY, TOML, doc)


def report(b: Basis, key: Ed25519PrivateKey | None) -> dict[str, Any]:
    entries: list[Entry] = []
    for i in range(3):
        entries.append(next_entry(entries[-1] if entries else None, NOW - timedelta(days=i + 1),
                                  "ops", "delete-batch", "suite", {"plan": 1, "deleted": i + 1}))
    entries.append(next_entry(entries[-1], NOW, "ops", ATTESTATION, "suite",
                              b.attestation(1)))
    checkpoints = (sign_head(entries[-1], NOW, key),) if key else ()
    public = key.public_key() if key else None
    ledger = Ledger(tuple(entries), checkpoints, keys.raw(public) if public else None,
                    keys.fingerprint(public) if public else None)
    doc: dict[str, Any] = json.loads(json.dumps(document(b, ledger)))
    return doc


def test_the_inventory_document_reads_back_as_written() -> None:
    doc = basis().inventory
    parsed = parse_inventory(doc, "test")
    assert inventory_document(parsed.inventory, parsed.holds, parsed.contracts) == doc
    assert doc["holds"][0] == {"id": "H1", "kind": "legal", "server": "suite",
                               "point": "20261105T0300", "from": None, "to": None,
                               "until": None, "reason": "case", "by": "legal"}


def test_a_missing_daily_is_a_red_cell_and_a_finding() -> None:
    doc = report(basis(lose="20261001T0300"), None)
    cells = {c["day"]: c["state"] for c in doc["coverage"][0]["days"]}
    assert cells["2026-10-01"] == "missing"
    assert cells["2026-11-05"] == "held" and cells["2026-11-10"] == "pitr"
    assert cells["2026-09-30"] == "kept"
    assert any(f["code"] == "daily-missing" for f in doc["findings"])
    assert [d["deleted"] for d in doc["deletions"]] == [1, 2, 3]
    assert doc["terminations"]["tenants"][0]["tenant"] == "acme"


def test_a_signed_report_with_findings_is_authentic() -> None:
    key = Ed25519PrivateKey.generate()
    doc = report(basis(lose="20261001T0300"), key)
    verdict = verify_report(doc, key.public_key())
    assert verdict.authentic, verdict.problems
    assert verdict.signed_by == keys.fingerprint(key.public_key())


def problems(doc: dict[str, Any], key: Ed25519PrivateKey) -> list[str]:
    return list(verify_report(doc, key.public_key()).problems)


def test_edits_to_a_report_are_named() -> None:
    key = Ed25519PrivateKey.generate()
    good = report(basis(), key)
    wal = copy.deepcopy(good)
    wal["plan"]["wal"][0]["action"] = "keep" if wal["plan"]["wal"][0]["action"] == "delete" \
        else "delete"
    assert problems(wal, key) == [
        f"plan.wal[0].action: the report says \"{wal['plan']['wal'][0]['action']}\", "
        "re-deriving from the carried policy and inventory gives "
        f"\"{good['plan']['wal'][0]['action']}\""]
    moved = copy.deepcopy(good)
    moved["inventory"]["points"][5]["end_time"] = "2026-05-06T02:00:00Z"
    found = problems(moved, key)
    assert found[0].startswith("inventory: differs from what entry 4 (evidence-report) recorded")
    entry = copy.deepcopy(good)
    entry["ledger"]["entries"][0]["details"]["deleted"] = 0
    assert "ledger: entry 1 (delete-batch suite" in problems(entry, key)[0]
    added = copy.deepcopy(good)
    added["remarks"] = "all fine"
    assert problems(added, key) == ["remarks: not a section of a rex-evidence-report/1 report "
                                    "(added)"]


def test_the_auditors_key_must_be_the_reports() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    found = problems(report(basis(), key), other)
    assert any("is not the auditor's key" in p for p in found)


def test_first_difference_tells_a_bool_from_a_number() -> None:
    assert first_difference({"a": [1, True]}, {"a": [1, 1]}, "x") == ("x.a[1]", True, 1)
    assert first_difference({"a": [1]}, {"a": [1, 2]}, "x") == ("x.a", "1 items", "2 items")
    assert first_difference({"a": 1}, {"a": 1}, "x") is None


def test_drills_and_offboarding_bundles_come_from_the_ledger() -> None:
    from retention.evidence import sections

    drill = next_entry(None, NOW, "ops", "drill", "suite", {
        "instant": "2026-11-20T10:00:00Z", "point": "20261120T0300", "passed": True,
        "message": "restored and checked", "restore_seconds": 12.5, "check": True})
    bundle = next_entry(drill, NOW, "ops", "export-delivered", "acme",
                        {"sha256": "ab" * 32, "bundle": "acme.zip"})
    assert sections.drills([drill, bundle])[0]["restore_seconds"] == 12.5
    assert [(e["subject"], e["sha256"]) for e in sections.offboarding([drill, bundle])] == [
        ("acme", "ab" * 32)]
