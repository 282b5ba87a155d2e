"""What the catalog knows and keeps of an offboarding: its ``generated_at``, the bundles built, the
bundle delivered. Each act is one ledger entry; the offboarding's state is ``rex_offboarding``.

``generated_at`` is the ``now`` of the first run for the same tenant, source and models: that
run appends an ``offboard-begun`` entry carrying it, and every rerun (after an interruption, or to
deliver again) finds it there, so the manifest and the zip come out byte-identical.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from exporters.bundle import BUNDLE_FORMATS, Bundle, ModelRef
from retention.catalog import clients as book
from retention.catalog import repo
from retention.catalog.tables import OffboardingRow
from retention.policy import Policy
from retention.tenants import hold_until
from retention.timeutil import parse_instant, z


@dataclass(frozen=True)
class TenantTerms:
    terminated_at: datetime | None
    hold_until: datetime | None  # the end of the post-termination hold


def tenant_terms(engine: Engine, policy: Policy, tenant: str) -> TenantTerms:
    with Session(engine) as session:
        row = book.tenant(session, tenant)
        ended = row.terminated_at
    return TenantTerms(ended, hold_until(policy, ended) if ended else None)


def fingerprint(refs: Sequence[ModelRef]) -> str:
    """Which model versions the bundle holds (stored versions never change)."""
    text = json.dumps(sorted([r.model_id, r.version] for r in refs), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def begin(engine: Engine, tenant: str, source: Mapping[str, Any], refs: Sequence[ModelRef],
          now: datetime, actor: str) -> tuple[datetime, bool]:
    """The offboarding's ``generated_at`` and whether an earlier run set it."""
    wanted = {"source": dict(source), "models": fingerprint(refs),
              "formats": list(BUNDLE_FORMATS)}
    with Session(engine) as session, session.begin():
        for details in book.ledger_details(session, "offboard-begun", tenant):
            if {k: details.get(k) for k in wanted} == wanted:
                return parse_instant(details["generated_at"], "ledger offboard-begun"), True
        repo.append(session, now, actor, "offboard-begun", tenant,
                    {**wanted, "generated_at": z(now), "model_count": len(refs)})
    return now, False


def _bundle_details(bundle: Bundle, generated_at: datetime,
                    source: Mapping[str, Any]) -> dict[str, Any]:
    return {"bundle": bundle.path.name, "sha256": bundle.sha256, "size": bundle.size,
            "manifest_sha256": bundle.manifest_sha256, "models": bundle.models,
            "files": bundle.files, "generated_at": z(generated_at), "source": dict(source)}


def record_bundle(engine: Engine, tenant: str, bundle: Bundle, generated_at: datetime,
                  source: Mapping[str, Any], now: datetime, actor: str) -> None:
    """The bundle as built (``offboard-bundle``): its name and checksums."""
    with Session(engine) as session, session.begin():
        repo.append(session, now, actor, "offboard-bundle", tenant,
                    _bundle_details(bundle, generated_at, source))


def record_delivery(engine: Engine, tenant: str, bundle: Bundle, generated_at: datetime,
                    source: Mapping[str, Any], delivered: Mapping[str, Any], now: datetime,
                    actor: str) -> None:
    """``export-delivered`` with the bundle's sha256 and where it went; the offboarding is
    delivered from now on (``rex tenant status`` shows the checksum)."""
    with Session(engine) as session, session.begin():
        session.merge(OffboardingRow(tenant=tenant, state="delivered", changed_at=now,
                                     changed_by=actor))
        repo.append(session, now, actor, "export-delivered", tenant,
                    {**_bundle_details(bundle, generated_at, source), **delivered})
