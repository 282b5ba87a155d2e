"""Neutral model -> BPMN 2.0 XML, driven by the table in bpmn_spec. Verbatim content goes back
where it stood; the same model always gives the same bytes."""

from __future__ import annotations

from lxml import etree

from exporters.bpmn_spec import SPECS, Spec, tag_of
from exporters.model import Node
from exporters.model_di import Definitions
from exporters.xmlkit import PREFIXES, fragment, serialise


def format_value(value: object) -> str:
    """Attribute text: booleans as XML booleans, integral floats without a fraction."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _typed_children(node: Node, spec: Spec) -> list[etree._Element]:
    value = getattr(node, spec.name)
    if value is None:
        return []
    items = value if spec.how in ("refs", "children") else (value,)
    out: list[etree._Element] = []
    for item in items:
        if spec.how in ("ref", "refs", "textchild"):
            el = etree.Element(spec.xml[0])
            el.text = str(item)
        else:
            el = build(item, spec)
        out.append(el)
    return out


def build(node: Node, spec: Spec | None = None, nsmap: dict[str | None, str] | None = None
          ) -> etree._Element:
    """The element for ``node``; ``spec`` is the owner's field (the tag of e.g. Expression)."""
    el = etree.Element(tag_of(node, spec), nsmap=nsmap)
    children: list[etree._Element] = []
    for field in SPECS[type(node)]:
        value = getattr(node, field.name)
        if field.how == "attr":
            if value is not None:
                el.set(field.xml[0], format_value(value))
        elif field.how == "text":
            el.text = str(value) or None
        else:
            children.extend(_typed_children(node, field))
    for name, value in node.extra_attributes:
        el.set(name, value)
    for kept in sorted(node.verbatim, key=lambda v: v.index):
        children.insert(min(kept.index, len(children)), fragment(kept.xml))
    el.extend(children)
    return el


def _root_nsmap(defs: Definitions) -> dict[str | None, str]:
    """The document's own declarations, plus the standard prefixes where a namespace is missing."""
    nsmap: dict[str | None, str] = {(p or None): uri for p, uri in defs.namespaces}
    for prefix, uri in PREFIXES.items():
        if uri not in nsmap.values() and prefix not in nsmap:
            nsmap[prefix] = uri
    return nsmap


def write_definitions(defs: Definitions) -> bytes:
    """UTF-8 BPMN 2.0 XML for ``defs`` exactly as given (diagrams included)."""
    root = build(defs, nsmap=_root_nsmap(defs))
    return serialise(root)
