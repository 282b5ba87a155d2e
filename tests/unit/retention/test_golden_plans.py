"""Golden plans for named scenarios; regenerate with `pytest --update-golden`, review the diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retention.inventory import parse_inventory
from retention.planner import plan
from retention.render import plan_document, to_json
from retention.timeutil import parse_instant
from tests.unit.retention.builders import POLICY

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
SCENARIOS = sorted(p.stem for p in (GOLDEN / "scenarios").glob("*.json"))


def planned(name: str) -> str:
    scenario = json.loads((GOLDEN / "scenarios" / f"{name}.json").read_text())
    doc = parse_inventory(scenario["inventory"], name)
    now = parse_instant(scenario["now"], "now")
    result = plan(POLICY, doc.inventory, doc.holds, doc.contracts, now,
                  scenario.get("allow_mass_delete", False))
    return to_json(plan_document(result))


@pytest.mark.parametrize("name", SCENARIOS)
def test_plan_matches_golden(name: str, update_golden: bool) -> None:
    target = GOLDEN / "plans" / f"{name}.json"
    text = planned(name)
    if update_golden:
        target.write_text(text)
    assert target.exists(), f"no golden plan for {name}; run pytest --update-golden"
    assert text == target.read_text(), f"plan of {name} changed; review, then --update-golden"


def test_scenarios_exist() -> None:
    assert len(SCENARIOS) >= 4
