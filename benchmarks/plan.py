"""Planning time for a large inventory: 10,000 points, 1,000 holds, 500 WAL runs (target < 1 s).

Usage: python benchmarks/plan.py [--servers N] [--points N] [--holds N] [--runs N] [--rounds N]
                                 [--profile]
Times ``plan(...)`` alone, and separately parsing the inventory (JSON text to typed values) and
rendering the plan (``plan_document`` + JSON). Prints the median and the minimum of the rounds.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import synthetic  # noqa: E402
from retention.inventory import parse_inventory  # noqa: E402
from retention.planner import plan  # noqa: E402
from retention.policy import load_policy  # noqa: E402
from retention.render import plan_document, to_json  # noqa: E402

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)  # an hour after the synthetic newest backup
TARGET_SECONDS = 1.0


def _times(rounds: int, work: Callable[[], object]) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        out.append(time.perf_counter() - start)
    return out


def _line(name: str, times: list[float]) -> str:
    return (f"{name:<34} median {statistics.median(times) * 1000:8.1f} ms   "
            f"min {min(times) * 1000:8.1f} ms   ({len(times)} runs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=1)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--holds", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile one plan() call")
    args = parser.parse_args()

    text = json.dumps(synthetic(servers=args.servers, points=args.points, runs=args.runs,
                                holds=args.holds))
    parsed = parse_inventory(json.loads(text), "synthetic")
    inv, holds, contracts = parsed.inventory, parsed.holds, parsed.contracts
    policy = load_policy("engage-sla-2024")

    def planning() -> object:  # --allow-mass-delete: ~98% of 28-minute points are not dailies
        return plan(policy, inv, holds, contracts, NOW, allow_mass_delete=True)

    result = plan(policy, inv, holds, contracts, NOW, allow_mass_delete=True)
    kept = sum(1 for d in result.points if d.action == "keep")
    print(f"inventory: {len(inv.points)} points, {len(holds)} holds, {len(inv.wal)} WAL runs, "
          f"{args.servers} server(s); plan: {kept} kept, {len(result.points) - kept} deleted, "
          f"{len(result.wal)} WAL ranges, frozen={result.frozen}")
    plan_times = _times(args.rounds, planning)
    print(_line("plan()", plan_times))
    print(_line("parse (json.loads + parse_inventory)", _times(
        args.rounds, lambda: parse_inventory(json.loads(text), "synthetic"))))
    print(_line("render (plan_document + to_json)", _times(
        args.rounds, lambda: to_json(plan_document(result)))))
    median = statistics.median(plan_times)
    verdict = "met" if median < TARGET_SECONDS else "NOT met"
    print(f"target plan() < {TARGET_SECONDS:.0f} s: {verdict} (median {median:.3f} s)")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(planning)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
