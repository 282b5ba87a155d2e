"""A model id never chooses where rex writes (../shared/cases/exports/model-id-path-traversal):
import refuses a definitions id that is not an xs:ID, and export refuses a stored id that
cannot name a file, writing nothing anywhere."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.orm import Session

from cli import main
from exporters import jsoncodec, store
from exporters.bpmn import read_bpmn_bytes

MINIMAL = Path(__file__).resolve().parents[1] / "unit" / "exporters" / "minimal.bpmn"


def rex(root: Path, *args: str) -> tuple[int, str, str]:
    env = {"REX_CATALOG": f"sqlite:///{root / 'c.db'}",
           "REX_SUITE_DB": f"sqlite:///{root / 's.db'}", "REX_NOW": "2026-11-20T10:00:00Z"}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _with_id(tmp: Path, name: str, ident: str) -> Path:
    text = MINIMAL.read_text(encoding="utf-8")
    start = text.index('id="', text.index("<bpmn:definitions") if "<bpmn:definitions" in text
                       else text.index("definitions"))
    end = text.index('"', start + 4)
    path = tmp / name
    path.write_text(text[:start + 4] + ident + text[end:], encoding="utf-8")
    return path


def test_an_id_that_is_a_path_is_refused_at_import_and_nothing_is_written(tmp_path: Path) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    for ident in ("../../outside", str(tmp_path / "absolute-target")):
        code, _, err = rex(work, "models", "import", str(_with_id(tmp_path, "m.bpmn", ident)),
                           "--tenant", "t1")
        assert code == 2 and "is not a valid xs:ID" in err and err.count("\n") == 1
    assert not list(tmp_path.rglob("outside*")) and not list(tmp_path.rglob("absolute-target*"))


def test_a_stored_id_that_cannot_name_a_file_is_refused_at_export(tmp_path: Path) -> None:
    assert rex(tmp_path, "models", "import", str(MINIMAL), "--tenant", "t1")[0] == 0
    model = read_bpmn_bytes(MINIMAL.read_bytes(), "minimal.bpmn")
    engine = store.connect(f"sqlite:///{tmp_path / 's.db'}")
    with Session(engine) as session, session.begin():  # stored by an older rex, unchecked
        store.add_version(session, "t1", "../../outside", store.VersionRow(
            name="evil", source_name="evil.bpmn", source_sha256="0" * 64,
            content=jsoncodec.dumps(model.definitions),
            imported_at=datetime(2026, 11, 1, tzinfo=UTC)))
    rex(tmp_path, "consent", "grant", "--tenant", "t1", "--by", "fa", "--scope", "export",
        "--until", "2026-12-31")
    out = tmp_path / "x" / "y" / "out"
    code, _, err = rex(tmp_path, "export", "--tenant", "t1", "--model", "../../outside",
                       "--format", "bpmn", "--out", str(out))
    assert code == 2 and "cannot name a file or folder" in err
    assert not list(tmp_path.rglob("outside*"))
