"""How the neutral model maps onto BPMN 2.0 XML: one table, read by bpmn_read and bpmn_write.

Each class lists its fields in the order the OMG schema wants the children. Anything an element
holds that its class does not list is kept verbatim by the reader and put back by the writer.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from exporters import model as m
from exporters import model_di as di
from exporters import model_flow as f
from exporters.model import Node
from exporters.xmlkit import clark


@dataclass(frozen=True)
class Spec:
    """One field: ``how`` is attr, text (own text), textchild, ref, refs, child or children."""

    name: str
    how: str
    xml: tuple[str, ...]  # Clark names: the attribute, or the child tags accepted
    conv: str = "str"  # attr only: str, bool, int, float
    cls: type[Node] | None = None  # child(ren): fixed class; None = by tag (polymorphic)


def A(name: str, xml: str, conv: str = "str") -> Spec:
    return Spec(name, "attr", (clark(xml),), conv)


def T(name: str) -> Spec:
    return Spec(name, "text", ())


def TC(name: str, tag: str) -> Spec:
    return Spec(name, "textchild", (clark(f"bpmn:{tag}"),))


def R(name: str, tag: str) -> Spec:
    return Spec(name, "ref", (clark(f"bpmn:{tag}"),))


def RS(name: str, tag: str) -> Spec:
    return Spec(name, "refs", (clark(f"bpmn:{tag}"),))


def C(name: str, tags: str | tuple[str, ...], cls: type[Node] | None = None) -> Spec:
    names = (tags,) if isinstance(tags, str) else tags
    return Spec(name, "child", tuple(clark(t) for t in names), cls=cls)


def CS(name: str, tags: str | tuple[str, ...], cls: type[Node] | None = None) -> Spec:
    names = (tags,) if isinstance(tags, str) else tags
    return Spec(name, "children", tuple(clark(t) for t in names), cls=cls)


def _bpmn(*names: str) -> tuple[str, ...]:
    return tuple(f"bpmn:{n}" for n in names)


TASKS = ("task", "userTask", "serviceTask", "sendTask", "receiveTask", "manualTask",
         "scriptTask", "businessRuleTask")
EVENTS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
          "boundaryEvent", "implicitThrowEvent")
GATEWAYS = ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "complexGateway",
            "eventBasedGateway")
SUBPROCESSES = ("subProcess", "transaction", "adHocSubProcess")
EVENT_DEFINITIONS = tuple(f"{k}EventDefinition" for k in (
    "message", "timer", "signal", "error", "escalation", "conditional", "link", "compensate",
    "cancel", "terminate"))
RESOURCE_ROLES = ("performer", "humanPerformer", "potentialOwner", "resourceRole")
GLOBAL_TASKS = ("globalTask", "globalUserTask", "globalScriptTask", "globalManualTask",
                "globalBusinessRuleTask")
ARTIFACTS = _bpmn("textAnnotation", "group", "association")
FLOW_ELEMENTS = _bpmn(*TASKS, *EVENTS, *GATEWAYS, *SUBPROCESSES, "callActivity", "sequenceFlow",
                      "dataObject", "dataObjectReference", "dataStoreReference")
ROOT_ELEMENTS = _bpmn("message", "signal", "error", "escalation", "itemDefinition", "dataStore",
                      "category", "interface", "resource", *GLOBAL_TASKS, *EVENT_DEFINITIONS,
                      "collaboration", "process")
LOOPS = _bpmn("standardLoopCharacteristics", "multiInstanceLoopCharacteristics")

BASE = (A("id", "id"), CS("documentation", "bpmn:documentation", m.Documentation))
NAMED = (*BASE, A("name", "name"))
FLOW_ELEMENT = (*NAMED, RS("category_value_refs", "categoryValueRef"))
FLOW_NODE = (*FLOW_ELEMENT, RS("incoming", "incoming"), RS("outgoing", "outgoing"))
DATA_STATE = C("data_state", "bpmn:dataState", m.DataState)
EXPR = m.Expression
ACTIVITY = (
    *FLOW_NODE, A("is_for_compensation", "isForCompensation", "bool"),
    A("start_quantity", "startQuantity", "int"),
    A("completion_quantity", "completionQuantity", "int"), A("default", "default"),
    C("io_specification", "bpmn:ioSpecification", m.IoSpecification),
    CS("properties", "bpmn:property", m.Property),
    CS("data_input_associations", "bpmn:dataInputAssociation", m.DataAssociation),
    CS("data_output_associations", "bpmn:dataOutputAssociation", m.DataAssociation),
    CS("resource_roles", _bpmn(*RESOURCE_ROLES), m.ResourceRole),
    C("loop", LOOPS),
)
_DI_ID = A("id", "id")
_LABEL = C("label", "bpmndi:BPMNLabel", di.Label)
_BOUNDS = C("bounds", "dc:Bounds", di.Bounds)

SPECS: dict[type[Node], tuple[Spec, ...]] = {
    m.Documentation: (A("id", "id"), A("text_format", "textFormat"), T("text")),
    m.Expression: (*BASE, A("language", "language"),
                   A("evaluates_to_type", "evaluatesToTypeRef"), A("xsi_type", "xsi:type"),
                   T("text")),
    m.Import: (A("namespace", "namespace"), A("location", "location"),
               A("import_type", "importType")),
    m.Message: (*NAMED, A("item_ref", "itemRef")),
    m.Signal: (*NAMED, A("structure_ref", "structureRef")),
    m.Error: (*NAMED, A("error_code", "errorCode"), A("structure_ref", "structureRef")),
    m.Escalation: (*NAMED, A("escalation_code", "escalationCode"),
                   A("structure_ref", "structureRef")),
    m.ItemDefinition: (*BASE, A("item_kind", "itemKind"), A("structure_ref", "structureRef"),
                       A("is_collection", "isCollection", "bool"), A("import_ref", "import")),
    m.DataState: NAMED,
    m.DataStore: (*NAMED, A("capacity", "capacity", "int"),
                  A("is_unlimited", "isUnlimited", "bool"),
                  A("item_subject_ref", "itemSubjectRef"), DATA_STATE),
    m.CategoryValue: (*BASE, A("value", "value")),
    m.Category: (*NAMED, CS("values", "bpmn:categoryValue", m.CategoryValue)),
    m.Operation: (*NAMED, A("implementation_ref", "implementationRef"),
                  R("in_message_ref", "inMessageRef"), R("out_message_ref", "outMessageRef"),
                  RS("error_refs", "errorRef")),
    m.Interface: (*NAMED, A("implementation_ref", "implementationRef"),
                  CS("operations", "bpmn:operation", m.Operation)),
    m.ResourceParameter: (*NAMED, A("type", "type"), A("is_required", "isRequired", "bool")),
    m.Resource: (*NAMED, CS("parameters", "bpmn:resourceParameter", m.ResourceParameter)),
    m.ResourceRole: (*NAMED, R("resource_ref", "resourceRef")),
    m.GlobalTask: (*NAMED, A("implementation", "implementation"),
                   CS("resource_roles", _bpmn(*RESOURCE_ROLES), m.ResourceRole)),
    m.EventDefinition: (
        *BASE, A("message_ref", "messageRef"), A("signal_ref", "signalRef"),
        A("error_ref", "errorRef"), A("escalation_ref", "escalationRef"),
        A("activity_ref", "activityRef"), A("wait_for_completion", "waitForCompletion", "bool"),
        A("name", "name"), R("operation_ref", "operationRef"), RS("link_sources", "source"),
        R("link_target", "target"), C("condition", "bpmn:condition", EXPR),
        C("time_date", "bpmn:timeDate", EXPR), C("time_duration", "bpmn:timeDuration", EXPR),
        C("time_cycle", "bpmn:timeCycle", EXPR)),
    m.Property: (*NAMED, A("item_subject_ref", "itemSubjectRef"), DATA_STATE),
    m.DataPort: (*NAMED, A("item_subject_ref", "itemSubjectRef"),
                 A("is_collection", "isCollection", "bool"), DATA_STATE),
    m.DataSet: (*NAMED, RS("data_input_refs", "dataInputRefs"),
                RS("optional_input_refs", "optionalInputRefs"),
                RS("while_executing_input_refs", "whileExecutingInputRefs"),
                RS("output_set_refs", "outputSetRefs"), RS("data_output_refs", "dataOutputRefs"),
                RS("optional_output_refs", "optionalOutputRefs"),
                RS("while_executing_output_refs", "whileExecutingOutputRefs"),
                RS("input_set_refs", "inputSetRefs")),
    m.IoSpecification: (*BASE, CS("data_inputs", "bpmn:dataInput", m.DataPort),
                        CS("data_outputs", "bpmn:dataOutput", m.DataPort),
                        CS("input_sets", "bpmn:inputSet", m.DataSet),
                        CS("output_sets", "bpmn:outputSet", m.DataSet)),
    m.Assignment: (*BASE, C("from_", "bpmn:from", EXPR), C("to", "bpmn:to", EXPR)),
    m.DataAssociation: (*BASE, RS("source_refs", "sourceRef"), R("target_ref", "targetRef"),
                        C("transformation", "bpmn:transformation", EXPR),
                        CS("assignments", "bpmn:assignment", m.Assignment)),
    f.StandardLoop: (*BASE, A("test_before", "testBefore", "bool"),
                     A("loop_maximum", "loopMaximum", "int"),
                     C("loop_condition", "bpmn:loopCondition", EXPR)),
    f.MultiInstanceLoop: (
        *BASE, A("is_sequential", "isSequential", "bool"), A("behavior", "behavior"),
        A("one_behavior_event_ref", "oneBehaviorEventRef"),
        A("none_behavior_event_ref", "noneBehaviorEventRef"),
        C("loop_cardinality", "bpmn:loopCardinality", EXPR),
        R("loop_data_input_ref", "loopDataInputRef"),
        R("loop_data_output_ref", "loopDataOutputRef"),
        C("input_data_item", "bpmn:inputDataItem", m.DataPort),
        C("output_data_item", "bpmn:outputDataItem", m.DataPort),
        C("completion_condition", "bpmn:completionCondition", EXPR)),
    f.Task: (*ACTIVITY, A("implementation", "implementation"), A("operation_ref", "operationRef"),
             A("message_ref", "messageRef"), A("instantiate", "instantiate", "bool"),
             A("script_format", "scriptFormat"), TC("script", "script")),
    f.CallActivity: (*ACTIVITY, A("called_element", "calledElement")),
    f.Event: (
        *FLOW_NODE, A("parallel_multiple", "parallelMultiple", "bool"),
        A("is_interrupting", "isInterrupting", "bool"),
        A("cancel_activity", "cancelActivity", "bool"), A("attached_to_ref", "attachedToRef"),
        CS("properties", "bpmn:property", m.Property),
        CS("data_outputs", "bpmn:dataOutput", m.DataPort),
        CS("data_output_associations", "bpmn:dataOutputAssociation", m.DataAssociation),
        C("output_set", "bpmn:outputSet", m.DataSet),
        CS("data_inputs", "bpmn:dataInput", m.DataPort),
        CS("data_input_associations", "bpmn:dataInputAssociation", m.DataAssociation),
        C("input_set", "bpmn:inputSet", m.DataSet),
        CS("event_definitions", _bpmn(*EVENT_DEFINITIONS), m.EventDefinition),
        RS("event_definition_refs", "eventDefinitionRef")),
    f.Gateway: (*FLOW_NODE, A("gateway_direction", "gatewayDirection"), A("default", "default"),
                A("instantiate", "instantiate", "bool"),
                A("event_gateway_type", "eventGatewayType"),
                C("activation_condition", "bpmn:activationCondition", EXPR)),
    f.SequenceFlow: (*FLOW_ELEMENT, A("source_ref", "sourceRef"), A("target_ref", "targetRef"),
                     A("is_immediate", "isImmediate", "bool"),
                     C("condition_expression", "bpmn:conditionExpression", EXPR)),
    f.DataObject: (*FLOW_ELEMENT, A("item_subject_ref", "itemSubjectRef"),
                   A("is_collection", "isCollection", "bool"), DATA_STATE),
    f.DataObjectReference: (*FLOW_ELEMENT, A("item_subject_ref", "itemSubjectRef"),
                            A("data_object_ref", "dataObjectRef"), DATA_STATE),
    f.DataStoreReference: (*FLOW_ELEMENT, A("item_subject_ref", "itemSubjectRef"),
                           A("data_store_ref", "dataStoreRef"), DATA_STATE),
    f.TextAnnotation: (*BASE, A("text_format", "textFormat"), TC("text", "text")),
    f.Group: (*BASE, A("category_value_ref", "categoryValueRef")),
    f.Association: (*BASE, A("source_ref", "sourceRef"), A("target_ref", "targetRef"),
                    A("association_direction", "associationDirection")),
    f.Lane: (*NAMED, A("partition_element_ref", "partitionElementRef"),
             RS("flow_node_refs", "flowNodeRef"),
             C("child_lane_set", "bpmn:childLaneSet", f.LaneSet)),
    f.LaneSet: (*NAMED, CS("lanes", "bpmn:lane", f.Lane)),
    f.SubProcess: (*ACTIVITY, A("triggered_by_event", "triggeredByEvent", "bool"),
                   A("method", "method"), A("ordering", "ordering"),
                   A("cancel_remaining_instances", "cancelRemainingInstances", "bool"),
                   CS("lane_sets", "bpmn:laneSet", f.LaneSet),
                   CS("flow_elements", FLOW_ELEMENTS), CS("artifacts", ARTIFACTS),
                   C("completion_condition", "bpmn:completionCondition", EXPR)),
    f.Process: (*NAMED, A("process_type", "processType"), A("is_closed", "isClosed", "bool"),
                A("is_executable", "isExecutable", "bool"),
                A("definitional_collaboration_ref", "definitionalCollaborationRef"),
                RS("supported_interface_refs", "supportedInterfaceRef"),
                C("io_specification", "bpmn:ioSpecification", m.IoSpecification),
                CS("properties", "bpmn:property", m.Property),
                CS("lane_sets", "bpmn:laneSet", f.LaneSet), CS("flow_elements", FLOW_ELEMENTS),
                CS("artifacts", ARTIFACTS),
                CS("resource_roles", _bpmn(*RESOURCE_ROLES), m.ResourceRole)),
    f.Participant: (*NAMED, A("process_ref", "processRef"), RS("interface_refs", "interfaceRef"),
                    RS("end_point_refs", "endPointRef")),
    f.MessageFlow: (*NAMED, A("source_ref", "sourceRef"), A("target_ref", "targetRef"),
                    A("message_ref", "messageRef")),
    f.Collaboration: (*NAMED, A("is_closed", "isClosed", "bool"),
                      CS("participants", "bpmn:participant", f.Participant),
                      CS("message_flows", "bpmn:messageFlow", f.MessageFlow),
                      CS("artifacts", ARTIFACTS)),
    di.Bounds: (A("x", "x", "float"), A("y", "y", "float"), A("width", "width", "float"),
                A("height", "height", "float")),
    di.Point: (A("x", "x", "float"), A("y", "y", "float")),
    di.Font: (A("name", "name"), A("size", "size", "float"), A("is_bold", "isBold", "bool"),
              A("is_italic", "isItalic", "bool"), A("is_underline", "isUnderline", "bool"),
              A("is_strike_through", "isStrikeThrough", "bool")),
    di.LabelStyle: (_DI_ID, C("font", "dc:Font", di.Font)),
    di.Label: (_DI_ID, A("label_style", "labelStyle"), _BOUNDS),
    di.Shape: (_DI_ID, A("bpmn_element", "bpmnElement"),
               A("is_horizontal", "isHorizontal", "bool"),
               A("is_expanded", "isExpanded", "bool"),
               A("is_marker_visible", "isMarkerVisible", "bool"),
               A("is_message_visible", "isMessageVisible", "bool"),
               A("participant_band_kind", "participantBandKind"),
               A("choreography_activity_shape", "choreographyActivityShape"), _BOUNDS, _LABEL),
    di.Edge: (_DI_ID, A("bpmn_element", "bpmnElement"), A("source_element", "sourceElement"),
              A("target_element", "targetElement"),
              A("message_visible_kind", "messageVisibleKind"),
              CS("waypoints", "di:waypoint", di.Point), _LABEL),
    di.Plane: (_DI_ID, A("bpmn_element", "bpmnElement"),
               CS("elements", ("bpmndi:BPMNShape", "bpmndi:BPMNEdge"))),
    di.Diagram: (_DI_ID, A("name", "name"), A("documentation", "documentation"),
                 A("resolution", "resolution", "float"), C("plane", "bpmndi:BPMNPlane", di.Plane),
                 CS("label_styles", "bpmndi:BPMNLabelStyle", di.LabelStyle)),
    di.Definitions: (
        A("id", "id"), A("name", "name"), A("target_namespace", "targetNamespace"),
        A("expression_language", "expressionLanguage"), A("type_language", "typeLanguage"),
        A("exporter", "exporter"), A("exporter_version", "exporterVersion"),
        CS("imports", "bpmn:import", m.Import), CS("root_elements", ROOT_ELEMENTS),
        CS("diagrams", "bpmndi:BPMNDiagram", di.Diagram)),
}

_KINDS: dict[type[Node], tuple[str, ...]] = {
    f.Task: TASKS, f.Event: EVENTS, f.Gateway: GATEWAYS, f.SubProcess: SUBPROCESSES,
    m.EventDefinition: EVENT_DEFINITIONS, m.GlobalTask: GLOBAL_TASKS,
}
_SINGLE: dict[type[Node], str] = {
    m.Message: "bpmn:message", m.Signal: "bpmn:signal", m.Error: "bpmn:error",
    m.Escalation: "bpmn:escalation", m.ItemDefinition: "bpmn:itemDefinition",
    m.DataStore: "bpmn:dataStore", m.Category: "bpmn:category", m.Interface: "bpmn:interface",
    m.Resource: "bpmn:resource", f.Collaboration: "bpmn:collaboration",
    f.Process: "bpmn:process", f.CallActivity: "bpmn:callActivity",
    f.SequenceFlow: "bpmn:sequenceFlow", f.DataObject: "bpmn:dataObject",
    f.DataObjectReference: "bpmn:dataObjectReference",
    f.DataStoreReference: "bpmn:dataStoreReference", f.TextAnnotation: "bpmn:textAnnotation",
    f.Group: "bpmn:group", f.Association: "bpmn:association",
    f.StandardLoop: "bpmn:standardLoopCharacteristics",
    f.MultiInstanceLoop: "bpmn:multiInstanceLoopCharacteristics",
    di.Shape: "bpmndi:BPMNShape", di.Edge: "bpmndi:BPMNEdge",
    di.Definitions: "bpmn:definitions",
}

#: polymorphic groups: which class a tag becomes
TAG_CLASS: dict[str, type[Node]] = {clark(t): c for c, t in _SINGLE.items()}
TAG_CLASS.update({clark(f"bpmn:{k}"): c for c, ks in _KINDS.items() for k in ks})


def has_kind(cls: type[Node]) -> bool:
    return any(fl.name == "kind" for fl in fields(cls))


def tag_of(node: Node, spec: Spec | None) -> str:
    """The Clark tag ``node`` is written as: its kind, its class's tag, or the field's one tag."""
    kind = getattr(node, "kind", None)
    if isinstance(kind, str):
        return clark(f"bpmn:{kind}")
    single = _SINGLE.get(type(node))
    if single is not None:
        return clark(single)
    if spec is None or not spec.xml:
        raise ValueError(f"no XML tag for {type(node).__name__}")
    return spec.xml[0]
