"""The format-neutral process model: what a BPMN file says, typed, plus what rex does not type.

Every class is a frozen dataclass. Two fields on every node keep the untyped content lossless:
``extra_attributes`` (vendor and otherwise untyped attributes, as (Clark name, value) pairs) and
``verbatim`` (untyped child elements as standalone XML text with their position among the
owner's children). Writers put both back where they stood. References are element ids (strings).
Readers for XPDL, VDX, Word, PDF and SVG work from these classes, never from BPMN XML.
"""

from __future__ import annotations

from dataclasses import dataclass

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Verbatim:
    """An untyped child element kept as XML text; ``index`` is its position among the siblings."""

    index: int
    xml: str


@dataclass(frozen=True, kw_only=True)
class Node:
    extra_attributes: Pairs = ()
    verbatim: tuple[Verbatim, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Documentation(Node):
    id: str | None = None
    text: str = ""
    text_format: str | None = None


@dataclass(frozen=True, kw_only=True)
class BaseElement(Node):
    id: str | None = None
    documentation: tuple[Documentation, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Expression(BaseElement):
    """conditionExpression, timeDate, loopCardinality, ... (the owner's field names the role)."""

    text: str = ""
    language: str | None = None
    evaluates_to_type: str | None = None
    xsi_type: str | None = None


# --- root elements -----------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Import(Node):
    namespace: str | None = None
    location: str | None = None
    import_type: str | None = None


@dataclass(frozen=True, kw_only=True)
class Message(BaseElement):
    name: str | None = None
    item_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class Signal(BaseElement):
    name: str | None = None
    structure_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class Error(BaseElement):
    name: str | None = None
    error_code: str | None = None
    structure_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class Escalation(BaseElement):
    name: str | None = None
    escalation_code: str | None = None
    structure_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class ItemDefinition(BaseElement):
    item_kind: str | None = None
    structure_ref: str | None = None
    is_collection: bool | None = None
    import_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class DataState(BaseElement):
    name: str | None = None


@dataclass(frozen=True, kw_only=True)
class DataStore(BaseElement):
    name: str | None = None
    capacity: int | None = None
    is_unlimited: bool | None = None
    item_subject_ref: str | None = None
    data_state: DataState | None = None


@dataclass(frozen=True, kw_only=True)
class CategoryValue(BaseElement):
    value: str | None = None


@dataclass(frozen=True, kw_only=True)
class Category(BaseElement):
    name: str | None = None
    values: tuple[CategoryValue, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Operation(BaseElement):
    name: str | None = None
    implementation_ref: str | None = None
    in_message_ref: str | None = None
    out_message_ref: str | None = None
    error_refs: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Interface(BaseElement):
    name: str | None = None
    implementation_ref: str | None = None
    operations: tuple[Operation, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ResourceParameter(BaseElement):
    name: str | None = None
    type: str | None = None
    is_required: bool | None = None


@dataclass(frozen=True, kw_only=True)
class Resource(BaseElement):
    name: str | None = None
    parameters: tuple[ResourceParameter, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ResourceRole(BaseElement):
    """performer, humanPerformer, potentialOwner or resourceRole (``kind``)."""

    kind: str = "performer"
    name: str | None = None
    resource_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class GlobalTask(BaseElement):
    """globalTask, globalUserTask, globalScriptTask, globalManualTask, globalBusinessRuleTask."""

    kind: str = "globalTask"
    name: str | None = None
    implementation: str | None = None
    resource_roles: tuple[ResourceRole, ...] = ()


@dataclass(frozen=True, kw_only=True)
class EventDefinition(BaseElement):
    """messageEventDefinition, timerEventDefinition, ... (``kind``); fields by kind."""

    kind: str = "messageEventDefinition"
    message_ref: str | None = None
    operation_ref: str | None = None
    signal_ref: str | None = None
    error_ref: str | None = None
    escalation_ref: str | None = None
    activity_ref: str | None = None
    wait_for_completion: bool | None = None
    name: str | None = None
    link_sources: tuple[str, ...] = ()
    link_target: str | None = None
    condition: Expression | None = None
    time_date: Expression | None = None
    time_duration: Expression | None = None
    time_cycle: Expression | None = None


# --- data --------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Property(BaseElement):
    name: str | None = None
    item_subject_ref: str | None = None
    data_state: DataState | None = None


@dataclass(frozen=True, kw_only=True)
class DataPort(BaseElement):
    """dataInput, dataOutput, inputDataItem or outputDataItem (``kind``)."""

    kind: str = "dataInput"
    name: str | None = None
    item_subject_ref: str | None = None
    is_collection: bool | None = None
    data_state: DataState | None = None


@dataclass(frozen=True, kw_only=True)
class DataSet(BaseElement):
    """inputSet or outputSet (``kind``)."""

    kind: str = "inputSet"
    name: str | None = None
    data_input_refs: tuple[str, ...] = ()
    optional_input_refs: tuple[str, ...] = ()
    while_executing_input_refs: tuple[str, ...] = ()
    output_set_refs: tuple[str, ...] = ()
    data_output_refs: tuple[str, ...] = ()
    optional_output_refs: tuple[str, ...] = ()
    while_executing_output_refs: tuple[str, ...] = ()
    input_set_refs: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class IoSpecification(BaseElement):
    data_inputs: tuple[DataPort, ...] = ()
    data_outputs: tuple[DataPort, ...] = ()
    input_sets: tuple[DataSet, ...] = ()
    output_sets: tuple[DataSet, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Assignment(BaseElement):
    from_: Expression | None = None
    to: Expression | None = None


@dataclass(frozen=True, kw_only=True)
class DataAssociation(BaseElement):
    """dataInputAssociation or dataOutputAssociation (``kind``)."""

    kind: str = "dataInputAssociation"
    source_refs: tuple[str, ...] = ()
    target_ref: str | None = None
    transformation: Expression | None = None
    assignments: tuple[Assignment, ...] = ()
