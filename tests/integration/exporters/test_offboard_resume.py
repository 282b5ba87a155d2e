"""An offboarding interrupted part-way resumes: the rerun (later, by the clock) skips the models
already rendered, keeps the first run's `generated_at`, and writes the very manifest and zip an
uninterrupted run writes."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from exporters.bundle import DONE_LOG, BundleError, Progress
from exporters.offboard import Offboarding, Places, Request, offboard
from tests.support.offboarding import checked_manifest, client, model_files

FIRST = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 6, 11, 14, 30, tzinfo=UTC)


class Interrupted(Exception):
    """What the operator's Ctrl-C (or a crash) does in the middle of the run."""


def interrupt_after(models: int) -> Progress:
    seen = [0]

    def step(n: int) -> None:
        seen[0] += n
        if seen[0] == models:
            raise Interrupted

    return Progress(step=step)


def run(catalog: str, out: Path, now: datetime, progress: Progress | None = None
        ) -> Offboarding:
    places = Places(catalog=catalog, suite_db=catalog, policy="engage-sla-2024")
    return offboard(places, Request("acme", out), now, "ops", lambda: now, progress)


@pytest.fixture
def catalog(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'rex.db'}"
    client({"REX_CATALOG": url}, "acme", model_files(tmp_path, extra=3), terminated=True)
    return url


def test_an_interrupted_offboarding_resumes_to_the_same_manifest(catalog: str,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(Interrupted):
        run(catalog, out, FIRST, interrupt_after(2))
    [work] = out.glob(".acme-offboarding-*.work")
    assert not list(out.glob("*.zip"))
    assert len((work / DONE_LOG).read_text().splitlines()) == 2
    with (work / DONE_LOG).open("a") as log:
        log.write('{"model": "copy-2", "vers')  # torn by the interruption: ignored

    resumed = run(catalog, out, LATER)
    assert (resumed.again, resumed.generated_at, resumed.bundle.resumed) == (True, FIRST, 2)
    assert not work.exists()
    manifest = checked_manifest(resumed.bundle.path)
    assert manifest["generated_at"] == "2026-06-10T09:00:00Z" and len(manifest["models"]) == 5

    fresh = run(catalog, tmp_path / "fresh", LATER)  # from scratch: nothing to resume
    assert fresh.bundle.resumed == 0
    assert fresh.bundle.path.read_bytes() == resumed.bundle.path.read_bytes()
    with zipfile.ZipFile(fresh.bundle.path) as a, zipfile.ZipFile(resumed.bundle.path) as b:
        assert a.read("manifest.json") == b.read("manifest.json")


def test_a_work_file_changed_behind_rex_is_not_bundled(catalog: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(Interrupted):
        run(catalog, out, FIRST, interrupt_after(1))
    [work] = out.glob(".acme-offboarding-*.work")
    [pdf] = work.glob("*/*.pdf")
    pdf.write_bytes(pdf.read_bytes()[:-1] + b"X")  # same size, other bytes
    with pytest.raises(BundleError, match="changed since it was rendered"):
        run(catalog, out, LATER)
