"""Diagrams (BPMN DI) and the document that holds everything: Definitions and ProcessModel."""

from __future__ import annotations

from dataclasses import dataclass

from exporters.model import (
    Category,
    DataStore,
    Error,
    Escalation,
    EventDefinition,
    GlobalTask,
    Import,
    Interface,
    ItemDefinition,
    Message,
    Node,
    Pairs,
    Resource,
    Signal,
)
from exporters.model_flow import Collaboration, Process


@dataclass(frozen=True, kw_only=True)
class Bounds(Node):
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Point(Node):
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Font(Node):
    name: str | None = None
    size: float | None = None
    is_bold: bool | None = None
    is_italic: bool | None = None
    is_underline: bool | None = None
    is_strike_through: bool | None = None


@dataclass(frozen=True, kw_only=True)
class LabelStyle(Node):
    id: str | None = None
    font: Font | None = None


@dataclass(frozen=True, kw_only=True)
class Label(Node):
    id: str | None = None
    label_style: str | None = None
    bounds: Bounds | None = None


@dataclass(frozen=True, kw_only=True)
class Shape(Node):
    id: str | None = None
    bpmn_element: str | None = None
    is_horizontal: bool | None = None
    is_expanded: bool | None = None
    is_marker_visible: bool | None = None
    is_message_visible: bool | None = None
    participant_band_kind: str | None = None
    choreography_activity_shape: str | None = None
    bounds: Bounds | None = None
    label: Label | None = None


@dataclass(frozen=True, kw_only=True)
class Edge(Node):
    id: str | None = None
    bpmn_element: str | None = None
    source_element: str | None = None
    target_element: str | None = None
    message_visible_kind: str | None = None
    waypoints: tuple[Point, ...] = ()
    label: Label | None = None


@dataclass(frozen=True, kw_only=True)
class Plane(Node):
    id: str | None = None
    bpmn_element: str | None = None
    elements: tuple[Shape | Edge, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Diagram(Node):
    id: str | None = None
    name: str | None = None
    documentation: str | None = None
    resolution: float | None = None
    plane: Plane | None = None
    label_styles: tuple[LabelStyle, ...] = ()


RootElement = (
    Message | Signal | Error | Escalation | ItemDefinition | DataStore | Category | Interface
    | Resource | GlobalTask | EventDefinition | Collaboration | Process
)


@dataclass(frozen=True, kw_only=True)
class Definitions(Node):
    """The BPMN document. ``namespaces`` are its (prefix, URI) declarations ('' = default), kept
    so that prefixed values (``xsd:string``, ``tns:Id``) and verbatim fragments still resolve."""

    id: str | None = None
    name: str | None = None
    target_namespace: str | None = None
    expression_language: str | None = None
    type_language: str | None = None
    exporter: str | None = None
    exporter_version: str | None = None
    namespaces: Pairs = ()
    imports: tuple[Import, ...] = ()
    root_elements: tuple[RootElement, ...] = ()
    diagrams: tuple[Diagram, ...] = ()


@dataclass(frozen=True)
class ProcessModel:
    """One stored model: its id (the definitions' id), display name, and content."""

    model_id: str
    name: str
    definitions: Definitions
