"""The auditor's evidence report as data: facts carried, sections derived from them. PURE.

Facts are what the report rests on: the policy (TOML text and sha256), the inventory (the JSON
shape ``parse_inventory`` reads), the instant it was made (``now``), the period and servers,
and the ledger slice from the period's first entry through the report's own ``evidence-report``
entry (the attestation: it records the sha256 of the policy, inventory and plan) with the signed
checkpoints over it. Every other section is derived by ``derive`` from the facts, so an auditor
re-derives it offline and any edited section differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from retention.evidence import sections
from retention.evidence.checkpoint import Checkpoint
from retention.evidence.inventory_doc import sha256_of
from retention.evidence.ledger import Entry
from retention.inventory import InventoryDocument, parse_inventory
from retention.planner import plan
from retention.policy import Policy
from retention.render import plan_document
from retention.timeutil import format_instant

SCHEMA = "rex-evidence-report/1"
ATTESTATION = "evidence-report"
FACTS = ("schema", "now", "period", "servers", "policy", "inventory", "ledger")
DERIVED = ("plan", "coverage", "findings", "ledger_period", "deletions", "holds",
           "terminations", "drills", "offboarding", "verifications")


@dataclass(frozen=True)
class Basis:
    """What a report rests on, before the ledger: enough to plan it again."""

    now: datetime
    first: date
    last: date
    servers: tuple[str, ...]
    policy: Policy
    policy_toml: str
    inventory: dict[str, Any]  # the parse_inventory document

    def parsed(self) -> InventoryDocument:
        return parse_inventory(self.inventory, "report inventory")

    def plan_document(self) -> dict[str, Any]:
        inv = self.parsed()
        return plan_document(plan(self.policy, inv.inventory, inv.holds, inv.contracts,
                                  self.now))

    def attestation(self, from_seq: int) -> dict[str, Any]:
        """The details of the report's own ledger entry; ``from_seq`` is the first entry of
        the slice the report carries (pinned, so that no entry can be cut from its start)."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat(),
                "ledger_from_seq": from_seq,
                "now": format_instant(self.now), "servers": list(self.servers),
                "policy_sha256": self.policy.sha256,
                "inventory_sha256": sha256_of(self.inventory),
                "plan_sha256": sha256_of(self.plan_document())}


@dataclass(frozen=True)
class Ledger:
    """The slice (through the attestation, its last entry) and the checkpoints over it."""

    entries: tuple[Entry, ...]
    checkpoints: tuple[Checkpoint, ...]
    public_key: str | None
    signer: str | None


def derive(basis: Basis, entries: Sequence[Entry]) -> dict[str, Any]:
    """Every derived section, in the order the report lists them."""
    inv = basis.parsed()
    result = plan(basis.policy, inv.inventory, inv.holds, inv.contracts, basis.now)
    pictures, covs = [], []
    for server in basis.servers:
        picture, cov = sections.server_coverage(basis.policy, inv, result, server, basis.first,
                                                basis.last, basis.now)
        pictures.append(picture)
        covs.append(cov)
    period = sections.in_period(entries, basis.first, basis.last, basis.policy)
    plan_doc = plan_document(result)
    return {
        "plan": plan_doc,
        "coverage": pictures,
        "findings": sections.findings(result, covs),
        "ledger_period": {"first_seq": period[0].seq if period else None,
                          "last_seq": period[-1].seq if period else None,
                          "entries": len(period)},
        "deletions": sections.deletions(period),
        "holds": {"in_force": basis.inventory.get("holds", []),
                  "events": sections.hold_events(period)},
        "terminations": {"tenants": plan_doc["tenants"],
                         "events": sections.terminations(period)},
        "drills": sections.drills(period),
        "offboarding": sections.offboarding(period),
        "verifications": sections.verifications(period),
    }


def document(basis: Basis, ledger: Ledger) -> dict[str, Any]:
    """The whole report.json document."""
    head = ledger.entries[-1] if ledger.entries else None
    return {
        "schema": SCHEMA,
        "now": format_instant(basis.now),
        "period": {"from": basis.first.isoformat(), "to": basis.last.isoformat(),
                   "timezone": basis.policy.timezone},
        "servers": list(basis.servers),
        "policy": {"name": basis.policy.name, "sha256": basis.policy.sha256,
                   "toml": basis.policy_toml},
        "inventory": basis.inventory,
        **derive(basis, ledger.entries),
        "ledger": {
            "head": {"seq": head.seq, "hash": head.hash} if head else None,
            "public_key": ledger.public_key,
            "signer": ledger.signer,
            "checkpoints": [c.as_dict() for c in ledger.checkpoints],
            "entries": [e.as_dict() for e in ledger.entries],
        },
    }
