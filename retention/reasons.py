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
    # reasons that are facts seen in storage (a lock), not rules: they keep, but never justify
    # extending a lock, or a lock would feed itself
    observed: dict[Key, set[str]] = field(default_factory=lambda: defaultdict(set))
    # the WAL each legal hold on a time range promises restorable, by hold id
    held_ranges: list[tuple[str, WalKeep]] = field(default_factory=list)

    def keep(self, key: Key, reason: str, expires: datetime | None,
             rule: bool = True) -> None:
        reasons = self.keeps[key]
        reasons[reason] = latest(reasons[reason], expires) if reason in reasons else expires
        if not rule:
            self.observed[key].add(reason)

    def expires(self, key: Key) -> datetime | None:
        return _last(list(self.keeps[key].values()))

    def rule_end(self, key: Key) -> tuple[bool, datetime | None]:
        """(whether a rule keeps the point, when the last such rule ends; None = indefinite)."""
        ends = [e for r, e in self.keeps[key].items() if r not in self.observed[key]]
        return (True, _last(ends)) if ends else (False, None)

    def inherited(self, key: Key) -> list[tuple[datetime | None, bool]]:
        """What a dependant (its WAL, its parents) inherits: (expires, rule) per kind of keep."""
        out: list[tuple[datetime | None, bool]] = []
        ruled, until = self.rule_end(key)
        if ruled:
            out.append((until, True))
        if self.observed[key]:
            out.append((_last([self.keeps[key][r] for r in self.observed[key]]), False))
        return out

    def find(self, code: str, severity: Severity, subject: str, message: str) -> None:
        self.findings.append(Finding(code, severity, subject, message))


def _last(ends: list[datetime | None]) -> datetime | None:
    result = ends[0]
    for value in ends[1:]:
        result = latest(result, value)
    return result
