"""An independent comparison of two BPMN files (lxml only; nothing from rex's exporters).

Both documents are reduced to trees of (tag, attributes, text, children) with only lexical
noise removed (namespace prefixes, whitespace, "1"/"true", number spelling). DI coordinates may
differ by 0.5. The comparison is total: every element, attribute and text must match in order.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

DI_NUMBERS = {"x", "y", "width", "height"}
DI_NAMESPACES = ("http://www.omg.org/spec/DD/20100524/DC", "http://www.omg.org/spec/DD/20100524/DI")
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BOOLS = {"true": "true", "1": "true", "false": "false", "0": "false"}


def load(path: Path | bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True,
                             remove_comments=True, remove_pis=True)
    data = path.read_bytes() if isinstance(path, Path) else path
    return etree.fromstring(data, parser)


def _value(tag: str, name: str, value: str) -> str | float:
    if tag.startswith(tuple("{" + ns for ns in DI_NAMESPACES)) and name in DI_NUMBERS:
        return float(value)
    if value in BOOLS:
        return BOOLS[value]
    try:
        number = float(value)
    except ValueError:
        return value
    return str(number) if name not in {"id", "name"} else value


def _differ(a: str | float, b: str | float) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) > 0.5
    return a != b


def compare(src: etree._Element, out: etree._Element, path: str = "") -> list[str]:
    """Every difference as ``path: what``; empty when the documents carry the same content."""
    ident = f"[@id={src.get('id')}]" if src.get("id") else ""
    here = f"{path}/{etree.QName(src).localname}{ident}"
    if src.tag != out.tag:
        return [f"{here}: element {src.tag} became {out.tag}"]
    problems: list[str] = []
    for name in sorted(set(src.attrib) | set(out.attrib)):
        a, b = src.get(name), out.get(name)
        tag = str(src.tag)
        if a is None or b is None or _differ(_value(tag, str(name), a), _value(tag, str(name), b)):
            problems.append(f"{here}: attribute {name} {a!r} -> {b!r}")
    if (src.text or "").strip() != (out.text or "").strip():
        problems.append(f"{here}: text {src.text!r} -> {out.text!r}")
    a_children, b_children = list(src), list(out)
    if len(a_children) != len(b_children):
        problems.append(f"{here}: {len(a_children)} children -> {len(b_children)}: "
                        f"{[etree.QName(c).localname for c in a_children]} -> "
                        f"{[etree.QName(c).localname for c in b_children]}")
        return problems
    for a_child, b_child in zip(a_children, b_children, strict=True):
        problems.extend(compare(a_child, b_child, here))
    return problems


def ids(root: etree._Element) -> dict[str, tuple[str, str | None]]:
    """Every element with an id: its type and name."""
    return {str(el.get("id")): (str(el.tag), el.get("name"))
            for el in root.iter() if isinstance(el.tag, str) and el.get("id")}


def flows(root: etree._Element) -> dict[str, tuple[str | None, str | None, str | None]]:
    """Sequence and message flows: source, target and condition text."""
    out = {}
    for el in root.iter(f"{{{BPMN}}}sequenceFlow", f"{{{BPMN}}}messageFlow"):
        cond = el.find(f"{{{BPMN}}}conditionExpression")
        text = None if cond is None else (cond.text or "").strip()
        out[str(el.get("id"))] = (el.get("sourceRef"), el.get("targetRef"), text)
    return out


def lanes(root: etree._Element) -> dict[str, list[str]]:
    refs = f"{{{BPMN}}}flowNodeRef"
    return {str(lane.get("id")): [(r.text or "").strip() for r in lane.iter(refs)]
            for lane in root.iter(f"{{{BPMN}}}lane")}


def shapes(root: etree._Element) -> dict[str, tuple[float, ...]]:
    """Every DI shape's and edge's geometry by id: bounds, or waypoints, flattened."""
    di = "http://www.omg.org/spec/BPMN/20100524/DI"
    out: dict[str, tuple[float, ...]] = {}
    for el in root.iter(f"{{{di}}}BPMNShape", f"{{{di}}}BPMNEdge"):
        prefixes = tuple("{" + n for n in DI_NAMESPACES)
        coords = [float(v) for c in el.iter() for k, v in sorted(c.attrib.items())
                  if k in DI_NUMBERS and str(c.tag).startswith(prefixes)]
        out[str(el.get("id"))] = tuple(coords)
    return out
