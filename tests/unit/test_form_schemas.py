"""Task forms as JSON Schema files (workflows/forms): loading, validation, and the BPMN check's
reading of them."""

import json
import re
from pathlib import Path

import pytest

from services.workflow.domain import forms
from services.workflow.domain.forms import BadFormFile, InvalidForm, parse_form
from services.workflow.engine.checks import check_documents, check_files
from services.workflow.engine.definitions import Definitions

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


def test_every_kind_a_workflow_names_is_a_form_file_with_a_valid_schema() -> None:
    kinds = {m for p in WORKFLOWS.glob("*.bpmn") for m in re.findall(r'name="kind" value="(\w+)"', p.read_text())}
    assert len(kinds) == 14 and kinds == set(forms.FORMS)
    for name, form in forms.FORMS.items():
        assert (WORKFLOWS / "forms" / f"{name}.schema.json").is_file()
        assert form.schema["type"] == "object" and form.schema["title"]  # the Chinese name users see
        assert form.ui_schema is not None and set(form.ui_schema) - {"ui:order"} <= form.fields
    assert forms.FORMS["report"].schema["required"] == ["report_type", "content"]


def test_form_data_is_cleaned_and_missing_fields_take_their_defaults() -> None:
    assert forms.FORMS["review"].validate({"decision": "accept"}) == {"decision": "accept", "comment": ""}
    assert forms.FORMS["report"].validate({"report_type": "progress", "content": " 已完成\r\n第一步\x07 "}) == {
        "report_type": "progress", "content": "已完成\n第一步", "attachments": []}
    first = forms.FORMS["report"].validate({"report_type": "progress", "content": "x"})
    first["attachments"].append("a.pdf")  # the default is a copy, not the schema's own list
    assert forms.FORMS["report"].validate({"report_type": "progress", "content": "x"})["attachments"] == []


@pytest.mark.parametrize(("kind", "data", "loc"), [
    ("review", {"decision": "return"}, ["data", "comment"]),  # a return needs its reason
    ("review", {"decision": "return", "comment": "  \n "}, ["data", "comment"]),  # blank is no reason
    ("extension_decision", {"decision": "approve"}, ["data", "new_due_date"]),  # approval needs the date
    ("extension_decision", {"decision": "approve", "new_due_date": "2026-02-30"}, ["data", "new_due_date"]),
    ("report", {"report_type": "progress"}, ["data", "content"]),
    ("report", {"report_type": "final", "content": "x"}, ["data", "report_type"]),
    ("revisit", {"method": "spot_check", "truthful": "yes", "implemented": True, "rectified": True,
                 "solved": True, "satisfied": True}, ["data", "truthful"]),
    ("sign", {"comment": "ok", "extra": 1}, ["data"]),  # no field the form does not define
])
def test_a_refused_form_names_the_field(kind: str, data: dict, loc: list) -> None:
    with pytest.raises(InvalidForm) as refused:
        forms.FORMS[kind].validate(data)
    assert loc in [d["loc"] for d in refused.value.detail]


def test_cross_field_rules_pass_when_met() -> None:
    assert forms.FORMS["extension_decision"].validate({"decision": "approve", "new_due_date": "2026-03-20"})[
        "new_due_date"] == "2026-03-20"
    assert forms.FORMS["extension_decision"].validate({"decision": "reject"})["new_due_date"] is None
    assert forms.FORMS["review"].validate({"decision": "return", "comment": "数据不全"})["comment"] == "数据不全"


@pytest.mark.parametrize(("text", "message"), [
    ("{", "not valid JSON"),
    ('{"type": "array"}', '"type": "object"'),
    ('{"type": "object", "properties": {"a": {"type": "nonsense"}}}', "not a valid JSON Schema"),
])
def test_a_bad_form_file_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(BadFormFile, match=re.escape(message)):
        parse_form("x", text)


def _with_condition(condition: str) -> dict[str, bytes]:
    docs = {p.name: p.read_bytes() for p in WORKFLOWS.glob("*.bpmn")}
    original = b'approve_item["decision"] == "approve"'
    assert original in docs["assignment.bpmn"]
    docs["assignment.bpmn"] = docs["assignment.bpmn"].replace(original, condition.encode())
    return docs


def test_the_check_refuses_a_condition_reading_a_field_the_form_lacks() -> None:
    problems = check_documents(_with_condition('approve_item["verdict"] == "approve"'))
    assert [p.message for p in problems] == [
        "condition reads approve_item['verdict'], a field form 'approve_item' does not define "
        "(fields: comment, decision, due_date)"]
    problems = check_documents(_with_condition('approve_item.get("desicion") == "approve"'))
    assert len(problems) == 1 and "'desicion'" in problems[0].message


def test_the_check_refuses_a_condition_comparing_with_a_value_the_form_never_gives() -> None:
    problems = check_documents(_with_condition('approve_item["decision"] == "approved"'))
    assert [p.message for p in problems] == [
        "condition compares approve_item['decision'] with 'approved', which form 'approve_item' never gives "
        "(one of: approve, reject)"]
    assert check_documents(_with_condition('approve_item["decision"] != "reject"')) == []


def test_the_check_refuses_a_kind_without_a_form() -> None:
    docs = {p.name: p.read_bytes() for p in WORKFLOWS.glob("*.bpmn")}
    docs["reporting.bpmn"] = docs["reporting.bpmn"].replace(b'value="review"', b'value="leader_read"')
    problems = check_documents(docs)
    assert any("user task names form 'leader_read', which is not among the forms" in p.message for p in problems)


def test_the_form_files_are_pretty_printed_utf8_json() -> None:
    for path in (WORKFLOWS / "forms").glob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n", path.name


def test_strings_at_any_depth_are_cleaned() -> None:
    attachment = "0b6f3c3e-7d1a-4c55-9a43-2d8a1f0e9b21"
    data = forms.FORMS["report"].validate({"report_type": "progress", "content": "x",
                                           "attachments": [f" {attachment}\ud800"]})
    assert data["attachments"] == [attachment]  # a lone surrogate could not be stored as UTF-8


def _with_forms(**changes: bytes | None) -> dict[str, bytes]:
    """The platform's BPMN files and forms as a version holds them, with form files changed."""
    docs = {p.name: p.read_bytes() for p in WORKFLOWS.glob("*.bpmn")}
    docs |= {f"forms/{p.name}": p.read_bytes() for p in (WORKFLOWS / "forms").glob("*.json")}
    for name, content in changes.items():
        if content is None:
            del docs[f"forms/{name}"]
        else:
            docs[f"forms/{name}"] = content
    return docs


def test_a_version_checks_its_own_forms() -> None:
    assert check_documents(_with_forms()) == []
    problems = check_documents(_with_forms(**{"sign.schema.json": None, "sign.uischema.json": None}))
    assert [(p.file, p.element) for p in problems] == [("assignment.bpmn", "Task_sign")]
    assert "names form 'sign', which is not among the forms" in problems[0].message
    problems = check_documents(_with_forms(**{"sign.schema.json": b"{", "notes.json": b"{}"}))
    assert sorted((p.file, p.message.split(":")[0]) for p in problems if p.file.startswith("forms/")) == [
        ("forms/notes.json", "neither a form (<name>.schema.json) nor the UI schema of one (<name>.uischema.json "
                             "beside <name>.schema.json)"),
        ("forms/sign.schema.json", "not valid JSON")]
    problems = check_documents(_with_forms(**{"head_signature.schema.json": b'{"type": "object"}',
                                              "x" * 41 + ".schema.json": b'{"type": "object"}',
                                              "2nd-form-schema.json": b'{"type": "object"}'}))
    assert [p.file for p in problems] == ["forms/2nd-form-schema.json", "forms/" + "x" * 41 + ".schema.json"]
    assert all("at most 40 letters, digits, '_' or '-'" in p.message for p in problems)


def test_a_task_names_its_form_as_spiffarena_does() -> None:
    docs = _with_forms(**{"签收-schema.json": (WORKFLOWS / "forms" / "sign.schema.json").read_bytes(),
                          "签收-uischema.json": b'{"comment": {"ui:widget": "textarea"}}'})
    kind = b'<spiffworkflow:property name="kind" value="sign" />'
    assert kind in docs["assignment.bpmn"]
    spiffarena = (b'<spiffworkflow:property name="formJsonSchemaFilename" value="\xe7\xad\xbe\xe6\x94\xb6-schema.json" />'
                  b'<spiffworkflow:property name="formUiSchemaFilename" value="%s" />')
    docs["assignment.bpmn"] = docs["assignment.bpmn"].replace(kind, spiffarena % "签收-uischema.json".encode())
    assert check_documents(docs) == []
    assert Definitions(docs).forms["签收"].ui_schema == {"comment": {"ui:widget": "textarea"}}
    docs["assignment.bpmn"] = docs["assignment.bpmn"].replace("签收-uischema.json".encode(), b"sign.uischema.json")
    [problem] = check_documents(docs)
    assert problem.message == ("user task's formUiSchemaFilename 'sign.uischema.json' is not its form's UI schema "
                               "(name it '签收-uischema.json')")


def test_a_version_stored_before_forms_were_deployed_uses_the_platforms() -> None:
    bpmn_only = {p.name: p.read_bytes() for p in WORKFLOWS.glob("*.bpmn")}
    assert check_documents(bpmn_only) == []
    assert Definitions(bpmn_only).forms is forms.FORMS
    assert Definitions(_with_forms()).forms.keys() == forms.FORMS.keys()


def test_the_command_line_check_reads_the_forms_beside_the_bpmn(tmp_path: Path) -> None:
    (tmp_path / "forms").mkdir()
    for path in WORKFLOWS.glob("*.bpmn"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    paths = sorted(tmp_path.glob("*.bpmn"))
    assert check_files(paths) == []  # no form files beside them: checked with the platform's forms
    (tmp_path / "forms" / "sign.schema.json").write_text('{"type": "object", "properties": {}}')
    problems = check_files(paths)
    assert problems and all("is not among the forms" in p.message for p in problems)  # only sign exists now
