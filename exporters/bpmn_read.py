"""BPMN 2.0 XML -> neutral model, driven by the table in bpmn_spec. Untyped content is kept."""

from __future__ import annotations

from typing import Any

from lxml import etree

from exporters.bpmn_spec import SPECS, TAG_CLASS, Spec, has_kind
from exporters.errors import ModelFileError
from exporters.model import Node, Verbatim
from exporters.model_di import Definitions
from exporters.xmlkit import BPMN, local_name, to_fragment

_TRUE = {"true": True, "1": True, "false": False, "0": False}


def _convert(value: str, conv: str) -> object | None:
    """The typed value, or None when the text does not fit (then it is kept verbatim)."""
    try:
        if conv == "bool":
            return _TRUE.get(value.strip())
        if conv == "int":
            return int(value)
        if conv == "float":
            return float(value)
    except ValueError:
        return None
    return value


def _read_attributes(el: etree._Element, specs: tuple[Spec, ...], kw: dict[str, Any]) -> None:
    claimed: set[str] = set()
    for spec in specs:
        if spec.how != "attr":
            continue
        raw = el.get(spec.xml[0])
        value = None if raw is None else _convert(raw, spec.conv)
        if value is not None:
            kw[spec.name] = value
            claimed.add(spec.xml[0])
    extra = [(str(k), str(v)) for k, v in el.attrib.items() if k not in claimed]
    if extra:
        kw["extra_attributes"] = tuple(extra)


def _child_spec(specs: tuple[Spec, ...], tag: str) -> Spec | None:
    for spec in specs:
        if spec.how not in ("attr", "text") and tag in spec.xml:
            return spec
    return None


def _take(spec: Spec, child: etree._Element, kw: dict[str, Any]) -> bool:
    """Put ``child`` into ``kw`` for ``spec``; False when it cannot be typed (kept verbatim)."""
    if spec.how in ("ref", "textchild"):
        if spec.name in kw or len(child) or child.attrib:
            return False
        text = child.text or ""
        kw[spec.name] = text.strip() if spec.how == "ref" else text
        return True
    if spec.how == "refs":
        if len(child) or child.attrib:
            return False
        kw.setdefault(spec.name, []).append((child.text or "").strip())
        return True
    cls = spec.cls or TAG_CLASS.get(str(child.tag))
    if cls is None:
        return False
    node = read_node(child, cls)
    if spec.how == "child":
        if spec.name in kw:
            return False
        kw[spec.name] = node
    else:
        kw.setdefault(spec.name, []).append(node)
    return True


def read_node(el: etree._Element, cls: type[Node]) -> Node:
    """One element as an instance of ``cls``; what ``cls`` does not type goes to verbatim."""
    specs = SPECS[cls]
    kw: dict[str, Any] = {}
    if has_kind(cls):
        kw["kind"] = local_name(str(el.tag))
    _read_attributes(el, specs, kw)
    verbatim: list[Verbatim] = []
    for index, child in enumerate(el):
        spec = _child_spec(specs, str(child.tag))
        if spec is None or not _take(spec, child, kw):
            verbatim.append(Verbatim(index, to_fragment(child)))
    if any(s.how == "text" for s in specs):
        kw["text"] = el.text or ""
    if verbatim:
        kw["verbatim"] = tuple(verbatim)
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in kw.items()})


def _namespaces(root: etree._Element) -> tuple[tuple[str, str], ...]:
    """Every prefix declared anywhere (first declaration wins), so prefixed values resolve."""
    seen: dict[str, str] = {}
    for el in root.iter():
        for prefix, uri in el.nsmap.items():
            seen.setdefault(prefix or "", uri)
    return tuple(sorted(seen.items()))


def read_definitions(root: etree._Element, source: str) -> Definitions:
    """The document rooted at a ``definitions`` element in the BPMN 2.0 model namespace."""
    if root.tag != f"{{{BPMN}}}definitions":
        raise ModelFileError(
            source, f"not a BPMN 2.0 model: the root element is <{local_name(str(root.tag))}> "
            f"in namespace {etree.QName(root).namespace or '(none)'}, expected <definitions> "
            f"in {BPMN}",
            "Export the model from the modelling tool as BPMN 2.0 XML")
    node = read_node(root, Definitions)
    assert isinstance(node, Definitions)
    return _with_namespaces(node, _namespaces(root))


def _with_namespaces(node: Definitions, namespaces: tuple[tuple[str, str], ...]) -> Definitions:
    from dataclasses import replace

    return replace(node, namespaces=namespaces)
