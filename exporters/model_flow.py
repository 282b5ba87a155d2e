"""Process content of the neutral model: flow nodes, flows, lanes, artifacts, collaborations."""

from __future__ import annotations

from dataclasses import dataclass

from exporters.model import (
    BaseElement,
    DataAssociation,
    DataPort,
    DataSet,
    DataState,
    EventDefinition,
    Expression,
    IoSpecification,
    Property,
    ResourceRole,
)


@dataclass(frozen=True, kw_only=True)
class FlowElement(BaseElement):
    name: str | None = None
    category_value_refs: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class FlowNode(FlowElement):
    incoming: tuple[str, ...] = ()
    outgoing: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class StandardLoop(BaseElement):
    test_before: bool | None = None
    loop_maximum: int | None = None
    loop_condition: Expression | None = None


@dataclass(frozen=True, kw_only=True)
class MultiInstanceLoop(BaseElement):
    is_sequential: bool | None = None
    behavior: str | None = None
    one_behavior_event_ref: str | None = None
    none_behavior_event_ref: str | None = None
    loop_cardinality: Expression | None = None
    loop_data_input_ref: str | None = None
    loop_data_output_ref: str | None = None
    input_data_item: DataPort | None = None
    output_data_item: DataPort | None = None
    completion_condition: Expression | None = None


@dataclass(frozen=True, kw_only=True)
class Activity(FlowNode):
    is_for_compensation: bool | None = None
    start_quantity: int | None = None
    completion_quantity: int | None = None
    default: str | None = None
    io_specification: IoSpecification | None = None
    properties: tuple[Property, ...] = ()
    data_input_associations: tuple[DataAssociation, ...] = ()
    data_output_associations: tuple[DataAssociation, ...] = ()
    resource_roles: tuple[ResourceRole, ...] = ()
    loop: StandardLoop | MultiInstanceLoop | None = None


@dataclass(frozen=True, kw_only=True)
class Task(Activity):
    """task, userTask, serviceTask, sendTask, receiveTask, manualTask, scriptTask,
    businessRuleTask (``kind``)."""

    kind: str = "task"
    implementation: str | None = None
    operation_ref: str | None = None
    message_ref: str | None = None
    instantiate: bool | None = None
    script_format: str | None = None
    script: str | None = None


@dataclass(frozen=True, kw_only=True)
class CallActivity(Activity):
    called_element: str | None = None


@dataclass(frozen=True, kw_only=True)
class Event(FlowNode):
    """startEvent, endEvent, intermediateCatchEvent, intermediateThrowEvent, boundaryEvent,
    implicitThrowEvent (``kind``)."""

    kind: str = "startEvent"
    parallel_multiple: bool | None = None
    is_interrupting: bool | None = None
    cancel_activity: bool | None = None
    attached_to_ref: str | None = None
    properties: tuple[Property, ...] = ()
    data_outputs: tuple[DataPort, ...] = ()
    data_output_associations: tuple[DataAssociation, ...] = ()
    output_set: DataSet | None = None
    data_inputs: tuple[DataPort, ...] = ()
    data_input_associations: tuple[DataAssociation, ...] = ()
    input_set: DataSet | None = None
    event_definitions: tuple[EventDefinition, ...] = ()
    event_definition_refs: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Gateway(FlowNode):
    """exclusiveGateway, inclusiveGateway, parallelGateway, complexGateway, eventBasedGateway."""

    kind: str = "exclusiveGateway"
    gateway_direction: str | None = None
    default: str | None = None
    instantiate: bool | None = None
    event_gateway_type: str | None = None
    activation_condition: Expression | None = None


@dataclass(frozen=True, kw_only=True)
class SequenceFlow(FlowElement):
    source_ref: str | None = None
    target_ref: str | None = None
    is_immediate: bool | None = None
    condition_expression: Expression | None = None


@dataclass(frozen=True, kw_only=True)
class DataObject(FlowElement):
    item_subject_ref: str | None = None
    is_collection: bool | None = None
    data_state: DataState | None = None


@dataclass(frozen=True, kw_only=True)
class DataObjectReference(FlowElement):
    item_subject_ref: str | None = None
    data_object_ref: str | None = None
    data_state: DataState | None = None


@dataclass(frozen=True, kw_only=True)
class DataStoreReference(FlowElement):
    item_subject_ref: str | None = None
    data_store_ref: str | None = None
    data_state: DataState | None = None


@dataclass(frozen=True, kw_only=True)
class TextAnnotation(BaseElement):
    text_format: str | None = None
    text: str | None = None


@dataclass(frozen=True, kw_only=True)
class Group(BaseElement):
    category_value_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class Association(BaseElement):
    source_ref: str | None = None
    target_ref: str | None = None
    association_direction: str | None = None


Artifact = TextAnnotation | Group | Association


@dataclass(frozen=True, kw_only=True)
class Lane(BaseElement):
    name: str | None = None
    partition_element_ref: str | None = None
    flow_node_refs: tuple[str, ...] = ()
    child_lane_set: LaneSet | None = None


@dataclass(frozen=True, kw_only=True)
class LaneSet(BaseElement):
    name: str | None = None
    lanes: tuple[Lane, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SubProcess(Activity):
    """subProcess, transaction, adHocSubProcess (``kind``); event sub-process when
    ``triggered_by_event``."""

    kind: str = "subProcess"
    triggered_by_event: bool | None = None
    method: str | None = None
    ordering: str | None = None
    cancel_remaining_instances: bool | None = None
    lane_sets: tuple[LaneSet, ...] = ()
    flow_elements: tuple[FlowElement, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    completion_condition: Expression | None = None


@dataclass(frozen=True, kw_only=True)
class Process(BaseElement):
    name: str | None = None
    process_type: str | None = None
    is_closed: bool | None = None
    is_executable: bool | None = None
    definitional_collaboration_ref: str | None = None
    supported_interface_refs: tuple[str, ...] = ()
    io_specification: IoSpecification | None = None
    properties: tuple[Property, ...] = ()
    lane_sets: tuple[LaneSet, ...] = ()
    flow_elements: tuple[FlowElement, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    resource_roles: tuple[ResourceRole, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Participant(BaseElement):
    name: str | None = None
    process_ref: str | None = None
    interface_refs: tuple[str, ...] = ()
    end_point_refs: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class MessageFlow(BaseElement):
    name: str | None = None
    source_ref: str | None = None
    target_ref: str | None = None
    message_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class Collaboration(BaseElement):
    name: str | None = None
    is_closed: bool | None = None
    participants: tuple[Participant, ...] = ()
    message_flows: tuple[MessageFlow, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
