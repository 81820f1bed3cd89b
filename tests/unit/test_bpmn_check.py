"""`duban bpmn check`: the XSD, the engine's parse and the rules of workflows/README.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.cli import main
from services.workflow.engine.checks import Problem, check_documents, check_files

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "bpmn" / "minimal.bpmn"
VALID = FIXTURE.read_text(encoding="utf-8")
NAME = "minimal.bpmn"

USER_TASK_OPEN = '<bpmn:userTask id="Task_sign" name="签收">'
KIND = '<spiffworkflow:property name="kind" value="sign" />'
ASSIGNEE = '<spiffworkflow:property name="assignee" value="unit:lead_unit:liaison" />'
TASK_END = "<bpmn:outgoing>Flow_to_end</bpmn:outgoing>\n    </bpmn:userTask>"
START_END = "<bpmn:outgoing>Flow_to_sign</bpmn:outgoing>\n    </bpmn:startEvent>"


def variant(*replacements: tuple[str, str]) -> bytes:
    text = VALID
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text.encode("utf-8")


def problems_of(*replacements: tuple[str, str]) -> list[Problem]:
    return check_documents({NAME: variant(*replacements)})


def only(problems: list[Problem], element: str, *words: str) -> Problem:
    """The problems all concern ``element``; the first one names the file, the element and the words."""
    assert problems, "expected a problem"
    assert {p.element for p in problems} == {element}, [str(p) for p in problems]
    text = str(problems[0])
    assert text.startswith(f"{NAME}: element '{element}'"), text
    for word in words:
        assert word in text, text
    return problems[0]


def with_timer(time_xml: str) -> tuple[str, str]:
    definition = f'<bpmn:timerEventDefinition id="TimerDef_1">{time_xml}</bpmn:timerEventDefinition>'
    return (START_END, START_END.replace("\n", definition + "\n", 1))


def with_prescript(script: str) -> tuple[str, str]:
    return ("</spiffworkflow:properties>", f"</spiffworkflow:properties>\n<spiffworkflow:preScript>{script}</spiffworkflow:preScript>")


def script_task_variant(script: str) -> bytes:
    start = VALID.index(USER_TASK_OPEN)
    end = VALID.index("</bpmn:userTask>") + len("</bpmn:userTask>")
    task = (f'<bpmn:scriptTask id="Task_script" name="计算">\n<bpmn:incoming>Flow_to_sign</bpmn:incoming>\n'
            f"<bpmn:outgoing>Flow_to_end</bpmn:outgoing>\n<bpmn:script>{script}</bpmn:script>\n</bpmn:scriptTask>")
    text = VALID[:start] + task + VALID[end:]
    return text.replace('"Task_sign"', '"Task_script"').replace(">Task_sign<", ">Task_script<").encode("utf-8")


def test_the_valid_file_passes() -> None:
    assert check_files([FIXTURE]) == []
    assert check_documents({NAME: FIXTURE.read_bytes()}) == []


def test_problem_str_names_file_element_and_name() -> None:
    assert str(Problem("a.bpmn", "Task_sign", "bad", "签收")) == "a.bpmn: element 'Task_sign' (签收): bad"
    assert str(Problem("a.bpmn", None, "bad")) == "a.bpmn: bad"


@pytest.mark.parametrize("reserved", ["Start", "End", "Root", "minimal.EndJoin"])
def test_reserved_id(reserved: str) -> None:
    problems = problems_of(("StartEvent_minimal", reserved))
    only([p for p in problems if "reserved" in p.message], reserved, "reserved")


def test_missing_diagram() -> None:
    start = VALID.index("<bpmndi:BPMNDiagram")
    end = VALID.index("</bpmndi:BPMNDiagram>") + len("</bpmndi:BPMNDiagram>")
    problems = check_documents({NAME: (VALID[:start] + VALID[end:]).encode("utf-8")})
    assert [str(p) for p in problems] == [f"{NAME}: no bpmndi:BPMNDiagram: keep the diagram section "
                                          "so the file opens in a modeler"]


def test_unknown_kind() -> None:
    only(problems_of((KIND, KIND.replace("sign", "approve_everything"))), "Task_sign", "(签收)", "approve_everything")


def test_missing_kind() -> None:
    only(problems_of((KIND, "")), "Task_sign", "names no form")


def test_a_task_without_an_assignee_is_its_lanes() -> None:
    assert problems_of((ASSIGNEE, "")) == []  # in the lane 责任单位: the lead unit's liaison
    only(problems_of((ASSIGNEE, ""), ('name="责任单位"', 'name="外单位"')), "Task_sign",
         "no 'assignee' property, and its lane (外单位) is none of 督察室, 领导")


@pytest.mark.parametrize("value", ["role:mayor", "unit:lead_unit:boss", "unit:1unit:head", "lead_unit", "leader:1x",
                                   "leader:"])
def test_bad_assignee(value: str) -> None:
    only(problems_of((ASSIGNEE, ASSIGNEE.replace("unit:lead_unit:liaison", value))), "Task_sign", value)


@pytest.mark.parametrize("value", ["role:office", "role:leader", "role:secretary_general", "unit:case_unit:head",
                                   "leader:leader"])
def test_good_assignees(value: str) -> None:
    assert problems_of((ASSIGNEE, ASSIGNEE.replace("unit:lead_unit:liaison", value))) == []


def test_duration_timer() -> None:
    only(problems_of(with_timer('<bpmn:timeDuration>"P10D"</bpmn:timeDuration>')), "StartEvent_minimal",
         "timeDuration", "only timeDate")


def test_timer_with_an_unquoted_literal() -> None:
    only(problems_of(with_timer("<bpmn:timeDate>2026-10-11T23:59:59+08:00</bpmn:timeDate>")),
         "StartEvent_minimal", "2026-10-11T23:59:59+08:00", "quoted ISO datetime")


def test_timer_without_offset() -> None:
    only(problems_of(with_timer('<bpmn:timeDate>"2026-10-11T23:59:59"</bpmn:timeDate>')),
         "StartEvent_minimal", "no UTC offset")


@pytest.mark.parametrize("expression", ["deadline", '"2026-10-11T23:59:59+08:00"'])
def test_good_timers(expression: str) -> None:
    assert problems_of(with_timer(f"<bpmn:timeDate>{expression}</bpmn:timeDate>")) == []


def test_clean_script_task_passes() -> None:
    assert check_documents({NAME: script_task_variant("due = add_working_days(today(), 5)\nemit('item.assigned')")}) == []


def test_import_in_a_script_task() -> None:
    only(check_documents({NAME: script_task_variant("import os\nos.system('id')")}), "Task_script", "import")


def test_syntax_error_in_a_script() -> None:
    only(check_documents({NAME: script_task_variant("x = = 1")}), "Task_script", "syntax error")


def test_eval_in_a_prescript() -> None:
    only(problems_of(with_prescript("x = eval('1 + 1')")), "Task_sign", "preScript", "Eval calls are not allowed")


def test_the_pattern_match_bypass_is_reported_on_its_element() -> None:
    """The script that ran a shell command: a class pattern reads attributes without naming them."""
    script = "match object:\n    case type(__subclasses__=sc): pass"
    problem = only(check_documents({NAME: script_task_variant(script)}), "Task_script", "script: line 1", "match/case")
    assert problem.name == "计算"


def test_a_format_string_in_a_message_payload() -> None:
    payload = ("</spiffworkflow:properties>", "</spiffworkflow:properties>\n<spiffworkflow:messagePayload>"
               "{'x': '{0.__class__}'.format(sign)}</spiffworkflow:messagePayload>")
    only(problems_of(payload), "Task_sign", "messagePayload", "'.format' is not available")


def test_dunder_in_a_condition() -> None:
    gateway = ('<bpmn:sequenceFlow id="Flow_to_end" sourceRef="Task_sign" targetRef="EndEvent_minimal" />',
               '<bpmn:sequenceFlow id="Flow_to_end" sourceRef="Task_sign" targetRef="EndEvent_minimal">'
               '<bpmn:conditionExpression>sign.__class__ is dict</bpmn:conditionExpression></bpmn:sequenceFlow>')
    only(problems_of(gateway), "Flow_to_end", "conditionExpression", "__class__")


def test_xsd_error_unknown_bpmn_element() -> None:
    problem = only(problems_of((TASK_END, TASK_END.replace("\n", "\n<bpmn:bogus />\n", 1))), "Task_sign",
                   "XSD", "bpmn:bogus")
    assert "line" in problem.message


def test_call_activity_to_a_missing_process() -> None:
    start = VALID.index(USER_TASK_OPEN)
    end = VALID.index("</bpmn:userTask>") + len("</bpmn:userTask>")
    call = ('<bpmn:callActivity id="Call_report" name="报告" calledElement="reporting">\n'
            "<bpmn:incoming>Flow_to_sign</bpmn:incoming>\n<bpmn:outgoing>Flow_to_end</bpmn:outgoing>\n"
            "</bpmn:callActivity>")
    text = (VALID[:start] + call + VALID[end:]).replace('"Task_sign"', '"Call_report"').replace(">Task_sign<", ">Call_report<")
    only(check_documents({NAME: text.encode("utf-8")}), "Call_report", "(报告)", "'reporting'")


def test_call_activity_across_documents() -> None:
    start = VALID.index(USER_TASK_OPEN)
    end = VALID.index("</bpmn:userTask>") + len("</bpmn:userTask>")
    call = ('<bpmn:callActivity id="Call_other" calledElement="other">\n'
            "<bpmn:incoming>Flow_to_sign</bpmn:incoming>\n<bpmn:outgoing>Flow_to_end</bpmn:outgoing>\n"
            "</bpmn:callActivity>")
    caller = (VALID[:start] + call + VALID[end:]).replace('"Task_sign"', '"Call_other"').replace(">Task_sign<", ">Call_other<")
    callee = VALID.replace('"minimal"', '"other"').replace("_minimal", "_other")
    assert check_documents({"caller.bpmn": caller.encode(), "other.bpmn": callee.encode()}) == []


def test_dangling_target_ref() -> None:
    problems = problems_of(('targetRef="EndEvent_minimal"', 'targetRef="EndEvent_nope"'))
    problem = only(problems, "Flow_to_end", "targetRef 'EndEvent_nope'")
    assert "found two items" not in problem.message


def test_not_well_formed_xml() -> None:
    assert [p.file for p in check_documents({NAME: b"<bpmn:definitions"})] == [NAME]


XML_ATTACKS = FIXTURE.parents[1] / "xml"


def test_a_billion_laughs_document_is_refused() -> None:
    [problem] = check_documents({NAME: (XML_ATTACKS / "billion_laughs.xml").read_bytes()})
    assert problem.file == NAME and problem.element is None
    assert "DOCTYPE" in problem.message or "amplification" in problem.message, problem.message


def test_an_external_entity_is_refused_and_never_read() -> None:
    """The valid file plus a DOCTYPE whose entity would read /etc/passwd into a text annotation."""
    [problem] = check_documents({NAME: (XML_ATTACKS / "external_entity.xml").read_bytes()})
    assert str(problem) == f"{NAME}: the document declares a DOCTYPE: BPMN files may not declare a DTD or entities"


def test_two_problems_are_both_reported() -> None:
    problems = problems_of((KIND, KIND.replace("sign", "nonsense")), ("StartEvent_minimal", "Start"))
    texts = [str(p) for p in problems]
    assert any("element 'Task_sign'" in t and "nonsense" in t for t in texts), texts
    assert any("element 'Start'" in t and "reserved" in t for t in texts), texts


def test_cli_clean_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bpmn", "check", str(FIXTURE)]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == (f"OK {FIXTURE}\n", "")


def test_cli_reports_problems_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.bpmn"
    bad.write_bytes(variant((KIND, KIND.replace("sign", "nonsense")), ('"minimal"', '"bad"')))
    assert main(["bpmn", "check", str(FIXTURE), str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out == f"OK {FIXTURE}\n"
    assert err.startswith(f"{bad}: element 'Task_sign' (签收): user task names form 'nonsense'"), err


def test_cli_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bpmn", "check", str(tmp_path / "none.bpmn")]) == 1
    assert "cannot read" in capsys.readouterr().err
