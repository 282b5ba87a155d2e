"""An inventory as the JSON document ``retention.inventory.parse_inventory`` reads. PURE.

What a report carries so that an auditor can plan it again: ``parse_inventory`` of this
document gives back the same inventory, holds and contracts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from retention.model import Contract, Hold, Inventory
from retention.timeutil import format_instant
from retention.wal import segment_name


def inventory_document(inventory: Inventory, holds: Sequence[Hold],
                       contracts: Sequence[Contract]) -> dict[str, Any]:
    spl = inventory.segments_per_log
    points = sorted(inventory.points, key=lambda p: (p.server, p.begin_time, p.id))
    return {
        "segments_per_log": spl,
        "points": [{"id": p.id, "server": p.server, "status": p.status,
                    "begin_time": format_instant(p.begin_time),
                    "end_time": format_instant(p.end_time),
                    "begin_wal": segment_name(p.timeline, p.begin_pos, spl),
                    "end_wal": (segment_name(p.timeline, p.end_pos, spl)
                                if p.end_pos is not None else None),
                    "parent": p.parent, "locked_until": format_instant(p.locked_until),
                    **({"keep": p.keep} if p.keep else {}),  # barman's keep annotation
                    **({"held_in_storage": True} if p.held_in_storage else {})}
                   for p in points],
        "wal": [{"server": r.server, "timeline": r.timeline,
                 "first": segment_name(r.timeline, r.first, spl),
                 "last": segment_name(r.timeline, r.last, spl),
                 "locked_until": format_instant(r.locked_until)}
                for r in sorted(inventory.wal, key=lambda r: (r.server, r.timeline, r.first))],
        "histories": [{"server": s, "timeline": t} for s, t in sorted(inventory.histories)],
        **({"orphans": [{"server": o.server, "id": o.id, "cause": o.cause,
                         "newest": format_instant(o.newest),
                         "locked_until": format_instant(o.locked_until),
                         "legal_hold": o.legal_hold,
                         **({"vanished_from": o.vanished_from} if o.vanished_from else {})}
                        for o in inventory.orphans]}
           if inventory.orphans else {}),
        "holds": [_hold(h) for h in sorted(holds, key=lambda h: h.id)],
        "contracts": [{"tenant": c.tenant, "terminated_at": format_instant(c.terminated_at),
                       "servers": list(c.servers) if c.servers is not None else None}
                      for c in sorted(contracts, key=lambda c: c.tenant)],
    }


def _hold(h: Hold) -> dict[str, Any]:
    return {"id": h.id, "kind": h.kind, "server": h.server, "point": h.point,
            "from": format_instant(h.range_from), "to": format_instant(h.range_to),
            "until": format_instant(h.until), "reason": h.reason or None, "by": h.by or None}


def canonical_json(document: Any) -> str:
    """Sorted keys, no insignificant whitespace, non-ASCII kept: what report hashes cover."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_of(document: Any) -> str:
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()
