"""Names inside an offboarding bundle: the bundle's own name, and ids that cannot be a folder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from exporters.bundle import bundle_name, safe_segment
from exporters.bundle_readme import readme_text
from retention.errors import InputError


def test_the_bundle_is_named_after_the_tenant_and_its_generated_at_in_utc() -> None:
    at = datetime(2026, 6, 10, 11, 0, 5, tzinfo=timezone(timedelta(hours=2)))
    assert bundle_name("acme", at) == "acme-offboarding-20260610T090005Z.zip"


@pytest.mark.parametrize("value", ["order-handling", "Παραγγελία", "a.b_c", "订单"])
def test_ids_that_make_a_folder_are_kept(value: str) -> None:
    assert safe_segment(value, "model id") == value


@pytest.mark.parametrize("value", ["", ".", "..", ".hidden", "a/b", "a\\b", "c:d", "x\ny",
                                   "manifest.json", "README.txt"])
def test_ids_that_cannot_be_a_folder_are_refused(value: str) -> None:
    with pytest.raises(InputError, match="cannot name a file or folder"):
        safe_segment(value, "model id")


def test_the_readme_speaks_dutch_and_english_and_names_the_source() -> None:
    text = readme_text("acme", "2026-06-10T09:00:00Z", 1, {
        "kind": "backup", "server": "main", "backup_id": "20260531T010000",
        "recovery_target": "end of backup"})
    assert "NEDERLANDS" in text and "ENGLISH" in text
    assert "(1 model)" in text
    assert "back-up 20260531T010000 van server main" in text
    assert "backup 20260531T010000 of server main" in text
    assert datetime(2026, 6, 10, 9, tzinfo=UTC).isoformat()[:10] in text
