"""An item's diagram without the designers' code (services/workflow/engine/drawing.py)."""

from __future__ import annotations

import pytest
from lxml import etree

from services.workflow.engine.drawing import drawings_of
from services.workflow.engine.parser import UnsafeXml

DOC = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d">
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:documentation>说明</bpmn:documentation>
    <bpmn:scriptTask id="Script"><bpmn:extensionElements><spiffworkflow:preScript>x = 1</spiffworkflow:preScript>
      </bpmn:extensionElements><bpmn:script>secret = token()</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="Flow" sourceRef="Script" targetRef="End">
      <bpmn:conditionExpression>amount &gt; 3</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:intermediateCatchEvent id="Wait"><bpmn:timerEventDefinition>
      <bpmn:timeDate>due_at(deadline)</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  </bpmn:process>
</bpmn:definitions>"""


CALLER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="c">
  <bpmn:process id="assignment" name="交办" isExecutable="true">
    <bpmn:callActivity id="Call" calledElement="sub"/><bpmn:callActivity id="Again" calledElement="sub"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_the_process_and_the_ones_it_calls_are_drawn_without_scripts_conditions_timers_or_extensions() -> None:
    documents = {"a.bpmn": CALLER, "b.bpmn": DOC.format(pid="sub"), "c.bpmn": DOC.format(pid="unused"),
                 "form.json": "{}"}
    drawings = drawings_of(documents, "assignment")
    assert [(d.process_id, d.name) for d in drawings] == [("assignment", "交办"), ("sub", "sub")]
    drawing = drawings[1].bpmn
    root = etree.fromstring(drawing.encode())
    assert root.xpath("//*[local-name()='process']/@id") == ["sub"]
    for code in ("secret = token()", "x = 1", "amount", "due_at(deadline)", "extensionElements"):
        assert code not in drawing
    # the elements stay, so the flow keeps its condition marker and the event its timer
    for element in ("scriptTask", "script", "conditionExpression", "timerEventDefinition", "timeDate"):
        assert root.xpath(f"//*[local-name()='{element}']"), element
    assert "说明" in drawing


def test_no_file_defines_the_process() -> None:
    assert drawings_of({"a.bpmn": DOC.format(pid="other")}, "assignment") == []


def test_a_document_with_a_dtd_is_refused() -> None:
    with pytest.raises(UnsafeXml):
        drawings_of({"a.bpmn": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]>' + DOC.split("?>", 1)[1]
                     .format(pid="assignment")}, "assignment")
