"""`rex verify --metrics FILE` writes Prometheus' text format through prometheus_client: label
values are escaped by the library (../shared/cases/ops/metrics-label-escaping/: a server named
eu"west made every sample line unparsable), and the file is replaced atomically."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from cli import main
from retention.storage.local import LocalStore

METRICS = {"rex_newest_backup_age_seconds", "rex_pitr_window_start_timestamp_seconds",
           "rex_daily_missing", "rex_wal_gaps", "rex_vanished", "rex_bucket_unprotected",
           "rex_findings"}


@pytest.mark.parametrize("server", ['eu"west', "eu\\west"])
def test_a_server_name_needing_escapes_gives_a_parsable_metrics_file(
        tmp_path: Path, server: str) -> None:
    (tmp_path / "store").mkdir()
    # a server whose archiving has just begun: one timeline history, no backup, no WAL yet
    LocalStore(tmp_path / "store", lambda: datetime(2026, 11, 28, tzinfo=UTC)).write(
        f"{server}/wals/00000002.history", b"1\t0/3000000\tno recovery target specified\n")
    env = {"REX_STORAGE": f"file://{tmp_path / 'store'}",
           "REX_CATALOG": f"sqlite:///{tmp_path / 'c.db'}", "REX_NOW": "2026-11-28T13:30:00Z"}
    runner = CliRunner()
    assert runner.invoke(main, ["sync", "--server", server], env=env).exit_code == 0
    prom = tmp_path / "rex.prom"
    prom.write_text("stale content\n")
    result = runner.invoke(main, ["verify", "--server", server, "--metrics", str(prom)], env=env)
    assert result.exit_code in (0, 1), result.output

    text = prom.read_text(encoding="utf-8")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert set(families) == METRICS
    samples = [s for f in families.values() for s in f.samples]
    assert len(samples) == 9  # one per gauge, rex_findings once per severity
    assert {s.labels["server"] for s in samples} == {server}
    assert {s.labels["severity"] for s in families["rex_findings"].samples} == {
        "error", "warning", "info"}
    assert families["rex_wal_gaps"].samples[0].value == 0
    assert math.isnan(families["rex_newest_backup_age_seconds"].samples[0].value)  # no backup
    assert families["rex_findings"].type == "gauge"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("rex.prom")] == ["rex.prom"]
