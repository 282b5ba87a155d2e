"""Service functions the CLI calls: each loads its inputs, runs the pure core, returns values."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from retention.inventory import load_inventory
from retention.model import Plan
from retention.planner import plan
from retention.policy import Policy, load_policy


def plan_inventory(policy_ref: str, inventory_path: Path, now: datetime,
                   allow_mass_delete: bool) -> tuple[Policy, Plan]:
    """Plan an inventory file under a policy (name or path) at ``now``."""
    policy = load_policy(policy_ref)
    doc = load_inventory(inventory_path)
    return policy, plan(policy, doc.inventory, doc.holds, doc.contracts, now, allow_mass_delete)
