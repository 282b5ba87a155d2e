"""XML helpers: namespaces, the hardened parser, builders and XSD validation.

Every XML file rex reads goes through ``parse_bytes``/``parse_file``: no network, no DTD, no entity
expansion, a size limit. Documents that declare a DTD are refused outright, because an internal
subset is how XXE and entity-expansion ("billion laughs") attacks arrive.
"""

from __future__ import annotations

from copy import deepcopy
from functools import lru_cache
from importlib import resources
from pathlib import Path

from lxml import etree

from exporters.errors import ModelFileError

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

#: prefixes used in specs and for documents that bring no namespace declarations of their own
PREFIXES: dict[str, str] = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "xsi": XSI}

MAX_BYTES = 32 * 1024 * 1024  # far above any real model; bounds memory for hostile input

_NO_FILE_HINT = "Check that it is a complete BPMN 2.0 XML file and import it again"
_DTD_PROBLEM = ("refused: the file declares a DTD (<!DOCTYPE>); rex never reads DTDs or "
                "entities, which is how XXE and entity-expansion attacks arrive")
_DTD_HINT = "Remove the DOCTYPE declaration and import again"


def _declares_dtd(head: bytes) -> bool:
    """A DOCTYPE before the root element; checked before the parser sees any entity."""
    start = head.find(b"<!DOCTYPE")
    if start < 0:
        return False
    first_element = next((i for i in range(len(head) - 1)
                          if head[i] == 0x3C and head[i + 1] not in b"?!"), len(head))
    return start < first_element


def clark(prefixed: str) -> str:
    """``bpmn:task`` -> ``{http://...MODEL}task``; unprefixed names stay as they are."""
    if ":" not in prefixed:
        return prefixed
    prefix, local = prefixed.split(":", 1)
    return f"{{{PREFIXES[prefix]}}}{local}"


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_blank_text=True, remove_comments=True, remove_pis=True,
    )


def parse_bytes(data: bytes, source: str, max_bytes: int = MAX_BYTES) -> etree._Element:
    """The root element of ``data``, or a ModelFileError naming ``source``."""
    if len(data) > max_bytes:
        raise ModelFileError(source, f"refused: {len(data)} bytes is over the limit of "
                             f"{max_bytes} bytes", "Split the model or raise the limit knowingly")
    if _declares_dtd(data) or _declares_dtd(data[:4096].decode("utf-16", "ignore").encode()):
        raise ModelFileError(source, _DTD_PROBLEM, _DTD_HINT)
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as err:
        line = err.lineno if isinstance(err.lineno, int) else None
        raise ModelFileError(source, f"not well-formed XML ({err.msg}); the file may be "
                             "truncated or damaged", _NO_FILE_HINT, line) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ModelFileError(source, _DTD_PROBLEM, _DTD_HINT)
    return tree.getroot()


def parse_file(path: Path, max_bytes: int = MAX_BYTES) -> etree._Element:
    """Read and parse ``path`` safely; the size is checked before the file is read."""
    return parse_bytes(read_limited(path, max_bytes), str(path), max_bytes)


def read_limited(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of ``path``, refused before reading when the file is over ``max_bytes``."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ModelFileError(str(path), f"refused: {size} bytes is over the limit of "
                                 f"{max_bytes} bytes", "Split the model or raise the limit")
        return path.read_bytes()
    except OSError as err:
        raise ModelFileError(str(path), f"cannot read the file ({err.strerror})",
                             "Check the path and its permissions") from None


def fragment(xml: str) -> etree._Element:
    """An element from a verbatim fragment rex stored itself (same hardened parser)."""
    return parse_bytes(xml.encode("utf-8"), "stored fragment")


def to_fragment(element: etree._Element) -> str:
    """An element as text with every in-scope namespace declared (sorted by prefix), so it
    stands on its own and prefixed values inside it still resolve."""
    nsmap = dict(sorted(element.nsmap.items(), key=lambda item: item[0] or ""))
    copy = etree.Element(element.tag, attrib=dict(element.attrib), nsmap=nsmap)
    copy.text = element.text
    copy.extend(deepcopy(child) for child in element)
    return etree.tostring(copy, encoding="unicode")


def serialise(root: etree._Element) -> bytes:
    """UTF-8 with declaration, two-space indentation: the one way rex writes XML."""
    etree.indent(root, space="  ")
    text: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return text + b"\n"


def bpmn_xsd_path() -> Path:
    """The OMG BPMN 2.0 schema shipped inside the SpiffWorkflow package (loaded by path)."""
    base = resources.files("SpiffWorkflow") / "bpmn" / "parser" / "schema" / "BPMN20.xsd"
    return Path(str(base))


@lru_cache(maxsize=4)
def load_schema(path: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(path, parser))


def validate(root: etree._Element, xsd: Path) -> list[str]:
    """Schema errors as ``line N: message`` strings; empty when valid."""
    schema = load_schema(str(xsd))
    if schema.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
