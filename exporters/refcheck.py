"""rex's own reference checker for BPMN 2.0 XML: the schema types references as xsd:QName and
accepts dangling ones, so every reference is looked up here.

A reference ``p:local`` whose prefix is bound to another namespace than the document's
targetNamespace points outside the document and is not checked (``calledElement`` may name a
process in another file, so it is never checked).
"""

from __future__ import annotations

from lxml import etree

from exporters.xmlkit import BPMN, BPMNDI, local_name

REF_ATTRIBUTES = frozenset({
    "sourceRef", "targetRef", "processRef", "attachedToRef", "default", "bpmnElement",
    "dataObjectRef", "dataStoreRef", "messageRef", "signalRef", "errorRef", "escalationRef",
    "categoryValueRef", "sourceElement", "targetElement", "labelStyle", "activityRef", "itemRef",
    "itemSubjectRef", "partitionElementRef",
})
REF_ELEMENTS = frozenset({
    "incoming", "outgoing", "flowNodeRef", "sourceRef", "targetRef", "categoryValueRef",
    "dataInputRefs", "dataOutputRefs", "optionalInputRefs", "optionalOutputRefs",
    "whileExecutingInputRefs", "whileExecutingOutputRefs", "inputSetRefs", "outputSetRefs",
    "inMessageRef", "outMessageRef", "errorRef", "supportedInterfaceRef", "interfaceRef",
    "eventDefinitionRef", "resourceRef", "loopDataInputRef", "loopDataOutputRef",
})
_OURS = (f"{{{BPMN}}}", f"{{{BPMNDI}}}")


def _local_target(value: str, el: etree._Element, target_ns: str | None) -> str | None:
    """The id a reference names inside this document, or None when it points elsewhere."""
    if ":" not in value:
        return value
    prefix, local = value.split(":", 1)
    uri = el.nsmap.get(prefix)
    if uri is None or uri == target_ns:
        return local
    return None


def _refs(root: etree._Element) -> list[tuple[etree._Element, str, str]]:
    """(element, what, value) for every reference held in a BPMN or BPMN DI element."""
    found: list[tuple[etree._Element, str, str]] = []
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str) or not tag.startswith(_OURS):
            continue
        for name, value in el.attrib.items():
            if name in REF_ATTRIBUTES:
                found.append((el, f"@{name}", str(value)))
        if local_name(tag) in REF_ELEMENTS and len(el) == 0:
            found.append((el, f"<{local_name(tag)}>", (el.text or "").strip()))
    return found


def check_references(root: etree._Element) -> list[str]:
    """Every reference that resolves to no element of the document, as readable text."""
    ids = {str(el.get("id")) for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    target_ns = root.get("targetNamespace")
    problems: list[str] = []
    for el, what, value in _refs(root):
        if what == "@itemSubjectRef" and value.startswith("xsd:"):
            continue
        local = _local_target(value, el, target_ns)
        if local is not None and local not in ids:
            owner = el if el.get("id") else el.getparent()
            where = owner.get("id") if owner is not None else None
            owner_text = f" {where}" if where else ""
            problems.append(f"line {el.sourceline}: {local_name(str(el.tag))}{owner_text} "
                            f"{what} -> {value!r} resolves to nothing")
    return problems
