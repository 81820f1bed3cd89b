"""The BPMN parser: safe XML, Spiff extensions, XSD validation, clock-driven timers."""

from __future__ import annotations

from lxml import etree
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, IntermediateCatchEvent, StartEvent
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from services.workflow.engine import timers


class UnsafeXml(ValueError):
    """The document declares a DTD: BPMN needs none, and entities are how XML attacks a parser."""


def read_xml(data: bytes) -> etree._Element:
    """Parses a BPMN document without entity expansion, network access or huge trees.

    Raises ``etree.XMLSyntaxError`` (not well-formed, e.g. entity amplification) or ``UnsafeXml``.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root = etree.fromstring(data, parser)  # one parser per call: lxml parsers are not thread-safe
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXml("the document declares a DOCTYPE: BPMN files may not declare a DTD or entities")
    return root


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
