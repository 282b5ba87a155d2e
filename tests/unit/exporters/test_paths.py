"""Names that reach the file system (../shared/cases/exports/model-id-path-traversal)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exporters.paths import MAX_NAME, check_definitions_id, inside, safe_name
from retention.errors import InputError


@pytest.mark.parametrize("value", ["Definitions_1", "_x.y-z", "é_proces", "订单"])
def test_an_ncname_is_a_definitions_id(value: str) -> None:
    assert check_definitions_id(value, "f.bpmn") == value


@pytest.mark.parametrize("value", ["../../outside", "/etc/passwd", "a:b", "1abc", "-x", ".x",
                                   "a b", "", "a\x00b"])
def test_what_is_not_an_xs_id_is_refused_naming_the_file(value: str) -> None:
    with pytest.raises(InputError, match=r"^f\.bpmn: definitions id .* is not a valid xs:ID"):
        check_definitions_id(value, "f.bpmn")


@pytest.mark.parametrize("value", ["", ".", "..", ".hidden", "a/b", "a\\b", "c:d", "x\ny",
                                   "a\x00b", "CON", "nul.txt", "Com1", "lpt9",
                                   "x" * (MAX_NAME + 1), "é" * (MAX_NAME // 2 + 1)])
def test_names_no_system_can_hold_are_refused(value: str) -> None:
    with pytest.raises(InputError, match="cannot name a file or folder"):
        safe_name(value, "model id")


def test_a_name_and_a_long_one_within_the_limit_are_kept() -> None:
    assert safe_name("My Process v2", "model id") == "My Process v2"
    assert safe_name("x" * MAX_NAME, "model id") == "x" * MAX_NAME
    assert safe_name("console", "model id") == "console"  # only the device names themselves


def test_a_path_leaving_the_output_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert inside(out, out / "a.bpmn") == out / "a.bpmn"
    for escape in (out / ".." / "a.bpmn", Path("/tmp/elsewhere.bpmn")):
        with pytest.raises(InputError, match="outside the output folder"):
            inside(out, escape)
    os.symlink(tmp_path, out / "link")  # a link planted in the output folder
    with pytest.raises(InputError, match="outside the output folder"):
        inside(out, out / "link" / "a.bpmn")
