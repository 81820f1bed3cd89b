"""A set of BPMN documents parsed together, with their forms: one version of the platform's processes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task

from services.workflow.domain.forms import Form, forms_of, split_documents
from services.workflow.engine.parser import make_parser, read_xml
from services.workflow.engine.restoring import FastSubWorkflowConverter, FastTaskConverter, FastWorkflowConverter
from services.workflow.engine.timers import ClockTimeDateEventDefinition


class StateOnlyWorkflowConverter(FastWorkflowConverter):
    """Serializes an instance without its specs: they are stored once per version and
    handed back as objects on restore, so converting them for every save is wasted work."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


# the serializer must know every custom spec class the parser makes
REGISTRY = BpmnWorkflowSerializer.configure({
    **SPIFF_CONFIG,
    ClockTimeDateEventDefinition: TimerConditionalEventDefinitionConverter,
    BpmnWorkflow: StateOnlyWorkflowConverter,
    BpmnSubWorkflow: FastSubWorkflowConverter,
    Task: FastTaskConverter,
})
SERIALIZER = BpmnWorkflowSerializer(REGISTRY)


@dataclass
class Definitions:
    """Parsed processes plus each one's serialized spec, made once and shared by every row;
    ``documents`` are the BPMN files and the forms (``forms/<file>``)."""

    documents: dict[str, bytes]
    _parser: Any = field(init=False, repr=False)
    _spec_json: dict[str, str] = field(init=False, repr=False, default_factory=dict)
    _specs: dict[str, tuple[Any, dict[str, Any]]] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._parser = make_parser()
        for name, xml in sorted(split_documents(self.documents)[0].items()):
            self._parser.add_bpmn_xml(read_xml(xml), filename=name)

    @cached_property
    def digest(self) -> str:
        """A content hash of all documents: a changed file makes a new version."""
        h = hashlib.sha256()
        for name, xml in sorted(self.documents.items()):
            h.update(name.encode() + b"\0" + xml + b"\0")
        return h.hexdigest()

    @cached_property
    def forms(self) -> dict[str, Form]:
        return forms_of(split_documents(self.documents)[1])

    @property
    def process_ids(self) -> list[str]:
        return sorted(self._parser.get_process_ids())

    def specs(self, process_id: str) -> tuple[Any, dict[str, Any]]:
        """The process's spec and its called processes' specs, parsed once and shared."""
        if process_id not in self._specs:
            self._specs[process_id] = (self._parser.get_spec(process_id),
                                       self._parser.get_subprocess_specs(process_id))
        return self._specs[process_id]

    def spec_json(self, process_id: str) -> str:
        """The serialized spec and sub-specs of a process, stored once per version."""
        if process_id not in self._spec_json:
            spec, subprocess_specs = self.specs(process_id)
            self._spec_json[process_id] = json.dumps({
                "spec": REGISTRY.convert(spec),
                "subprocess_specs": {name: REGISTRY.convert(s) for name, s in subprocess_specs.items()},
            }, ensure_ascii=False)
        return self._spec_json[process_id]
