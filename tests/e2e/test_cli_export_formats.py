"""rex export --format all and --xpdl-version, end to end through click."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

MINIMAL = Path(__file__).parents[1] / "unit" / "exporters" / "minimal.bpmn"
NOW = ["--now", "2026-03-01T09:00:00Z"]


@pytest.fixture
def rex(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    for name in ("REX_CATALOG", "REX_SUITE_DB"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    assert runner.invoke(main, [*NOW, "models", "import", str(MINIMAL), "--tenant",
                                "acme"]).exit_code == 0
    for args in (["tenant", "add", "acme", "--name", "Acme"],
                 ["consent", "grant", "--tenant", "acme", "--by", "admin", "--scope", "export",
                  "--until", "2099-12-31"]):
        assert runner.invoke(main, [*NOW, *args]).exit_code == 0
    return runner


def test_format_all_writes_every_format_and_reruns_reproduce_them(rex: CliRunner,
                                                                   tmp_path: Path) -> None:
    done = rex.invoke(main, [*NOW, "export", "--tenant", "acme", "--format", "all", "--out", "a"])
    assert done.exit_code == 0, done.output
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == [f"order-handling.{ext}" for ext in
                     ("bpmn", "docx", "pdf", "png", "svg", "vdx", "xpdl")]
    again = rex.invoke(main, [*NOW, "export", "--tenant", "acme", "--format", "all",
                              "--out", "b"])
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert [line.split("sha256 ")[1] for line in done.output.splitlines()] == \
        [line.split("sha256 ")[1] for line in again.output.splitlines()]


def test_xpdl_version(rex: CliRunner, tmp_path: Path) -> None:
    for version, namespace in (("2.1", b"XPDL2.1"), ("2.2", b"XPDL2.2")):
        done = rex.invoke(main, [*NOW, "export", "--tenant", "acme", "--format", "xpdl",
                                 "--xpdl-version", version, "--out", version])
        assert done.exit_code == 0, done.output
        data = (tmp_path / version / "order-handling.xpdl").read_bytes()
        assert namespace in data and f"<XPDLVersion>{version}<".encode() in data
    bad = rex.invoke(main, [*NOW, "export", "--tenant", "acme", "--format", "xpdl",
                            "--xpdl-version", "1.0", "--out", "x"])
    assert bad.exit_code == 2
