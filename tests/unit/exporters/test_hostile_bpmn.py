"""Hostile and broken files are refused with an InputError that names the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporters.bpmn import read_bpmn
from exporters.errors import ModelFileError
from exporters.xmlkit import MAX_BYTES, parse_file
from retention.errors import InputError

BPMN_OPEN = '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d1">'
XXE = f"""<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
{BPMN_OPEN}<process id="p" name="&xxe;"/></definitions>"""
LAUGHS = "\n".join(
    ['<?xml version="1.0"?>', "<!DOCTYPE definitions [", '<!ENTITY lol "lol">']
    + [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
       for i in range(1, 10)]
    + ["]>", f'{BPMN_OPEN}<process id="p" name="&lol9;"/></definitions>'])
DTD_ONLY = f'<?xml version="1.0"?>\n<!DOCTYPE definitions SYSTEM "http://example.com/x.dtd">\n' \
           f'{BPMN_OPEN}<process id="p"/></definitions>'


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _refused(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        read_bpmn(path)
    assert isinstance(caught.value, ModelFileError)
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert str(path) in message
    return message


def test_external_entity_is_refused_without_reading_the_target(tmp_path: Path) -> None:
    message = _refused(_write(tmp_path, "xxe.bpmn", XXE))
    assert "DTD" in message and "root:" not in message


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    message = _refused(_write(tmp_path, "laughs.bpmn", LAUGHS))
    assert "DTD" in message and "lollol" not in message


def test_any_dtd_is_refused(tmp_path: Path) -> None:
    assert "Remove the DOCTYPE" in _refused(_write(tmp_path, "dtd.bpmn", DTD_ONLY))


def test_non_bpmn_xml_is_refused(tmp_path: Path) -> None:
    message = _refused(_write(tmp_path, "pom.xml", "<project><version>1</version></project>"))
    assert "not a BPMN 2.0 model" in message and "<project>" in message


def test_bpmn_element_in_a_wrong_namespace_is_refused(tmp_path: Path) -> None:
    text = '<definitions xmlns="http://www.omg.org/spec/BPMN/20100501/MODEL" id="d"/>'
    assert "not a BPMN 2.0 model" in _refused(_write(tmp_path, "old.bpmn", text))


def test_truncated_file_is_refused_with_a_line(tmp_path: Path) -> None:
    whole = Path(__file__).with_name("minimal.bpmn").read_text(encoding="utf-8")
    path = _write(tmp_path, "cut.bpmn", whole[: len(whole) // 2])
    message = _refused(path)
    assert "truncated" in message
    assert f"{path}:" in message  # file:line


def test_empty_file_is_refused(tmp_path: Path) -> None:
    assert "not well-formed" in _refused(_write(tmp_path, "empty.bpmn", b""))


def test_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.bpmn"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: costs no disk
    assert "over the limit" in _refused(path)


def test_size_limit_is_a_parameter(tmp_path: Path) -> None:
    path = _write(tmp_path, "small.bpmn", f"{BPMN_OPEN}</definitions>")
    with pytest.raises(ModelFileError, match="over the limit of 10 bytes"):
        parse_file(path, max_bytes=10)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    assert "cannot read" in _refused(tmp_path / "absent.bpmn")
