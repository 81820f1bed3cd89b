"""Newer versions of the stand-in assignment process (tests/fixtures/flows), made by editing
its XML: to move running items to them."""

from __future__ import annotations

from pathlib import Path

FLOW = Path(__file__).parents[1] / "fixtures" / "flows" / "assignment.bpmn"

EXTRA_TASK = ('<bpmn:userTask id="Task_confirm" name="确认签收"><bpmn:extensionElements><spiffworkflow:properties>'
              '<spiffworkflow:property name="kind" value="sign"/>'
              '<spiffworkflow:property name="assignee" value="unit:lead_unit:liaison"/>'
              '</spiffworkflow:properties></bpmn:extensionElements>'
              '<bpmn:incoming>Flow_7</bpmn:incoming><bpmn:outgoing>Flow_7b</bpmn:outgoing></bpmn:userTask>')


def original() -> str:
    return FLOW.read_text(encoding="utf-8")


def edited(xml: str, *replacements: tuple[str, str]) -> str:
    for old, new in replacements:
        assert xml.count(old) == 1, f"{old!r} is not in the process once"
        xml = xml.replace(old, new)
    return xml


def sign_renamed_and_confirmed(xml: str | None = None) -> str:
    """签收 renamed 签收(新), and a 确认签收 task after it, before 已签收."""
    return edited(
        xml or original(),
        ('<bpmn:userTask id="Task_sign" name="签收">', '<bpmn:userTask id="Task_sign" name="签收(新)">'),
        ('<bpmn:incoming>Flow_7</bpmn:incoming><bpmn:outgoing>Flow_8</bpmn:outgoing>',
         '<bpmn:incoming>Flow_7b</bpmn:incoming><bpmn:outgoing>Flow_8</bpmn:outgoing>'),
        ('<bpmn:sequenceFlow id="Flow_7" sourceRef="Task_sign" targetRef="Task_signed"/>',
         '<bpmn:sequenceFlow id="Flow_7" sourceRef="Task_sign" targetRef="Task_confirm"/>'
         '<bpmn:sequenceFlow id="Flow_7b" sourceRef="Task_confirm" targetRef="Task_signed"/>'),
        ('<bpmn:scriptTask id="Task_signed"', EXTRA_TASK + '<bpmn:scriptTask id="Task_signed"'),
    )


def sign_removed(xml: str | None = None) -> str:
    """签收 gone: the assignment goes straight to 已签收."""
    xml = xml or original()
    start = xml.index('<bpmn:userTask id="Task_sign"')
    end = xml.index("</bpmn:userTask>", start) + len("</bpmn:userTask>")
    return edited(
        xml[:start] + xml[end:],
        ('<bpmn:incoming>Flow_7</bpmn:incoming><bpmn:outgoing>Flow_8</bpmn:outgoing>',
         '<bpmn:incoming>Flow_6</bpmn:incoming><bpmn:outgoing>Flow_8</bpmn:outgoing>'),
        ('<bpmn:sequenceFlow id="Flow_6" sourceRef="Task_assign" targetRef="Task_sign"/>',
         '<bpmn:sequenceFlow id="Flow_6" sourceRef="Task_assign" targetRef="Task_signed"/>'),
        ('<bpmn:sequenceFlow id="Flow_7" sourceRef="Task_sign" targetRef="Task_signed"/>', ''),
        ('<bpmndi:BPMNShape id="Shape_Task_sign" bpmnElement="Task_sign"><dc:Bounds x="880" y="100" width="100" '
         'height="80"/></bpmndi:BPMNShape>', ''),
    )


def report_renamed(xml: str | None = None) -> str:
    """报告 (the task with the overdue timer) renamed 书面报告."""
    return edited(xml or original(), ('<bpmn:userTask id="Task_report" name="报告">',
                                      '<bpmn:userTask id="Task_report" name="书面报告">'))
