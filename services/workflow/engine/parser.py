"""The BPMN parser: Spiff extensions, XSD validation, clock-driven timers."""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, IntermediateCatchEvent, StartEvent

from services.workflow.engine import timers


class DubanBpmnParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("startEvent"): (timers.StartEventParser, StartEvent),
        full_tag("boundaryEvent"): (timers.BoundaryEventParser, BoundaryEvent),
        full_tag("intermediateCatchEvent"): (timers.IntermediateCatchEventParser, IntermediateCatchEvent),
    }


def make_parser() -> DubanBpmnParser:
    """A parser that validates each file against the BPMN and Spiff XSDs."""
    return DubanBpmnParser(validator=VALIDATOR)
