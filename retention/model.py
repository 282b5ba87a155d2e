"""The planner's vocabulary: frozen, typed values. WAL positions are integers (see ``wal``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Status = Literal["done", "failed", "running"]
Action = Literal["keep", "delete"]
Severity = Literal["error", "warning", "info"]
HoldKind = Literal["legal", "lease"]
# barman-cloud-backup-keep's targets (base/<id>/annotations/keep): "full" keeps the backup and
# its WAL for point-in-time recovery onward, "standalone" the backup and its own WAL only
KeepTarget = Literal["full", "standalone"]


@dataclass(frozen=True)
class RecoveryPoint:
    """One base backup of one server. ``id`` is barman's label: never parsed for times."""

    id: str
    server: str
    status: Status
    begin_time: datetime
    end_time: datetime | None
    timeline: int
    begin_pos: int
    end_pos: int | None
    parent: str | None = None
    locked_until: datetime | None = None
    keep: KeepTarget | None = None  # barman's keep annotation, when the backup carries one
    held_in_storage: bool = False  # an object under a legal hold rex did not set

    @property
    def key(self) -> tuple[str, str]:
        return (self.server, self.id)


@dataclass(frozen=True)
class WalRun:
    """A contiguous run of archived segments of one timeline: positions first..last inclusive."""

    server: str
    timeline: int
    first: int
    last: int
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Hold:
    """A legal hold (on a point, or on a time range) or a lease (a drill's or restore's point)."""

    id: str
    kind: HoldKind
    server: str
    point: str | None = None
    range_from: datetime | None = None
    range_to: datetime | None = None
    until: datetime | None = None
    reason: str = ""
    by: str = ""


@dataclass(frozen=True)
class Contract:
    """A tenant's contract as the planner needs it. ``servers`` None means every server."""

    tenant: str
    terminated_at: datetime | None
    servers: tuple[str, ...] | None = None


OrphanCause = Literal["no-backup-info", "backup-info-deleted", "delete-unfinished"]


@dataclass(frozen=True)
class Orphan:
    """Objects under ``base/<id>/`` that barman-cloud no longer sees as a backup: no backup.info
    at all (a partial upload or delete by another tool), or one whose newest version is a delete
    marker (barman-cloud-backup-delete in a versioned bucket), or what is left of a backup rex
    itself was deleting (storage refused its backup.info after the data went). ``newest``: the
    latest LastModified among them; ``locked_until``: the latest retain-until (None: none
    known)."""

    server: str
    id: str
    cause: OrphanCause
    newest: datetime
    locked_until: datetime | None = None
    legal_hold: bool = False
    vanished_from: str | None = None  # the rules that kept it, when it vanished as a backup


@dataclass(frozen=True)
class Inventory:
    points: tuple[RecoveryPoint, ...] = ()
    wal: tuple[WalRun, ...] = ()
    histories: tuple[tuple[str, int], ...] = ()  # (server, timeline) of each .history file
    segments_per_log: int = 256
    servers: tuple[str, ...] = ()  # servers planned even when they hold no point at all
    orphans: tuple[Orphan, ...] = ()


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    subject: str
    message: str


@dataclass(frozen=True)
class PointDecision:
    server: str
    id: str
    status: Status
    end_time: datetime | None
    action: Action
    reasons: tuple[str, ...]
    expires: datetime | None
    # the instant rex may lock the objects to: the end of the rules that keep them, never a lock
    # already seen in storage (a lock must not feed itself); None: extend nothing
    retain_until: datetime | None = None


@dataclass(frozen=True)
class WalDecision:
    server: str
    timeline: int
    first: int
    last: int
    action: Action
    reasons: tuple[str, ...]
    expires: datetime | None
    retain_until: datetime | None = None  # as PointDecision.retain_until


@dataclass(frozen=True)
class OrphanDecision:
    server: str
    id: str
    cause: OrphanCause
    action: Action
    reasons: tuple[str, ...]
    expires: datetime | None


@dataclass(frozen=True)
class TenantOutcome:
    """A terminated tenant on one server. ``erasure_date``: when the last kept backup or WAL
    holding its data expires (None: indefinitely, or not yet known); once none is kept,
    ``erased`` and the date is when this plan deletes the last of them, or None when they were
    gone before the inventory (DESIGN.md, "Post-termination hold")."""

    tenant: str
    server: str
    terminated_at: datetime
    final_backup: str | None
    hold_until: datetime
    erasure_date: datetime | None
    erased: bool = False


@dataclass(frozen=True)
class Plan:
    now: datetime
    policy_name: str | None
    policy_sha256: str | None
    frozen: bool
    points: tuple[PointDecision, ...]
    wal: tuple[WalDecision, ...]
    histories: tuple[tuple[str, int], ...]
    tenants: tuple[TenantOutcome, ...]
    findings: tuple[Finding, ...]
    segments_per_log: int = 256
    frozen_because: tuple[str, ...] = field(default=())
    orphans: tuple[OrphanDecision, ...] = ()

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)
