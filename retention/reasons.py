"""The planner's working state: keep reasons per point (each with its end), WAL keeps, findings."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from retention.model import Finding, RecoveryPoint, Severity
from retention.walplan import WalKeep, latest

Key = tuple[str, str]


@dataclass
class Reasons:
    """Working state of one planning run: reasons per point and WAL keeps, in rule order."""

    points: dict[Key, RecoveryPoint]
    now: datetime
    keeps: dict[Key, dict[str, datetime | None]] = field(default_factory=lambda: defaultdict(dict))
    deletes: dict[Key, str] = field(default_factory=dict)
    wal: list[WalKeep] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def keep(self, key: Key, reason: str, expires: datetime | None) -> None:
        reasons = self.keeps[key]
        reasons[reason] = latest(reasons[reason], expires) if reason in reasons else expires

    def expires(self, key: Key) -> datetime | None:
        values = list(self.keeps[key].values())
        result = values[0]
        for value in values[1:]:
            result = latest(result, value)
        return result

    def find(self, code: str, severity: Severity, subject: str, message: str) -> None:
        self.findings.append(Finding(code, severity, subject, message))
