"""The real processes of workflows/ through the workflow service's HTTP API, with real
NATS and each database: a full item, its state, extensions, deployments and bulletin-born
accountability cases."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

import nats
import pytest

from shared.bus.topology import Topology
from shared.contracts.base import Command
from shared.contracts.commands import ApproveBulletin, OpenAccountability
from shared.contracts.enums import BulletinKind
from shared.contracts.registry import PRODUCER_HEADER
from tests.support.eventually import eventually
from tests.support.services import NOW, REPO, auth, serving
from tests.support.workflow_client import ITEM, complete, do, stream_messages, stream_subjects, the_task

WORKFLOWS = REPO / "workflows"


@pytest.fixture
def app(make_workflow_app: Callable[..., Any]) -> Any:
    return make_workflow_app(WORKFLOWS)


async def test_an_item_runs_from_registration_to_closing_and_every_event_reaches_the_bus_once(
        app: Any, nats_url: str, topology: Topology) -> None:
    async with serving(app) as client:
        item = (await client.post("/items", json=ITEM, headers=auth("office"))).json()
        path = f"/items/{item['id']}"
        await do(client, "leader", "approve_item", {"decision": "approve", "comment": "同意"})
        await do(client, "zjj-liaison", "sign", {"comment": "已签收"})

        state = (await client.get(f"{path}/state", headers=auth("zjj-liaison"))).json()
        assert state["version"] == 1 and state["process_id"] == "assignment" and not state["completed"]
        assert "Task_report" in state["active"]
        assert {"Task_approve_item", "Task_sign"} <= set(state["completed_elements"])
        assert [(h["kind"], h["actor"]) for h in state["history"]] == [("approve_item", "leader"),
                                                                       ("sign", "zjj-liaison")]
        assert [t["kind"] for t in state["ready_tasks"]] == ["report"]
        timers = {t["element_id"]: t["due_at"] for t in state["timers"]}  # noted on the diagram
        assert set(timers) == {"Event_report_reminder", "Event_report_overdue"}
        assert timers["Event_report_reminder"] < timers["Event_report_overdue"]
        assert min(timers.values()) == state["next_timer_at"]
        assert (await client.get(f"{path}/state", headers=auth("tiexi-liaison"))).status_code == 404
        # the unit draws it on the diagrams of its version, without the designers' code
        diagram = (await client.get(f"{path}/diagram", headers=auth("zjj-liaison"))).json()
        assert (diagram["version"], diagram["process_id"]) == (1, "assignment")
        drawn = {d["process_id"]: d["bpmn"] for d in diagram["diagrams"]}
        assert list(drawn)[0] == "assignment" and {"reporting", "revisit", "accountability"} <= set(drawn)
        assert 'id="Task_report"' in drawn["reporting"] and "<bpmndi:BPMNShape" in drawn["assignment"]
        source = (WORKFLOWS / "assignment.bpmn").read_text()
        assert "<bpmn:script>" in source and "extensionElements" in source and "plan_start is not None" in source
        for bpmn in drawn.values():
            assert "<bpmn:script>" not in bpmn and "extensionElements" not in bpmn
            assert "plan_start is not None" not in bpmn
        assert (await client.get(f"{path}/diagram", headers=auth("tiexi-liaison"))).status_code == 404

        # 延期申请: one request per deadline; only the lead unit's liaison may ask
        request = {"new_due_date": "2026-03-13", "reason": "需协调供电部门"}
        assert (await client.post(f"{path}/extension-request", json=request,
                                  headers=auth("tiedong-liaison"))).status_code == 403
        assert (await client.post(f"{path}/extension-request", json=request,
                                  headers=auth("zjj-liaison"))).status_code == 202
        again = await client.post(f"{path}/extension-request", json=request, headers=auth("zjj-liaison"))
        assert again.status_code == 409 and "waits for the office" in again.json()["detail"]  # the decision is pending
        await do(client, "office", "extension_decision", {"decision": "reject", "comment": "理由不充分"})

        await do(client, "zjj-liaison", "report", {"report_type": "completion", "content": "改造已完成"})
        await do(client, "office", "review", {"decision": "accept"})
        found = (await client.get(path, headers=auth("office"))).json()
        assert (found["status"], found["open_tasks"], found["due_date"]) == ("closed", [], "2026-03-09")
        state = (await client.get(f"{path}/state", headers=auth("office"))).json()
        assert state["completed"] and state["active"] == [] and len(state["history"]) == 5

        expected = {"item.registered": 1, "item.approved": 1, "item.assigned": 1, "item.signed": 1,
                    "extension.requested": 1, "extension.decided": 1, "report.submitted": 1,
                    "report.accepted": 1, "item.closed": 1, "task.created": 5, "task.completed": 5,
                    "item.progressed": 4}  # assigned, in progress, reported, closed
        subjects = await eventually(lambda: stream_subjects(nats_url, topology), lambda got: got == expected)
        assert subjects == expected


async def test_a_plan_submitted_too_late_is_refused_with_the_reason(app: Any) -> None:
    async with serving(app) as client:
        form = {**ITEM, "plan_start": "2026-03-20"}  # registered 2026-03-02: less than a month ahead
        item = (await client.post("/items", json=form, headers=auth("office"))).json()
        assert item["status"] == "rejected" and item["open_tasks"] == []
        assert "督查计划须提前1个月提交" in item["status_reason"]

        in_time = (await client.post("/items", json={**form, "plan_start": "2026-04-02"},
                                     headers=auth("office"))).json()
        assert in_time["open_tasks"] == ["approve_plan"]
        assert (await client.get("/tasks", headers=auth("leader"))).json()["total"] == 0  # not the secretary-general
        await do(client, "secretary-general", "approve_plan", {"decision": "approve"})
        found = (await client.get(f"/items/{in_time['id']}", headers=auth("office"))).json()
        assert found["open_tasks"] == ["approve_item"]


def changed(name: str, old: str, new: str) -> str:
    xml = (WORKFLOWS / name).read_text(encoding="utf-8")
    assert old in xml
    return xml.replace(old, new, 1)


async def test_a_deployment_is_checked_and_only_new_items_start_on_it(app: Any) -> None:
    async with serving(app) as client:
        admin = auth("admin")
        before = (await client.post("/items", json=ITEM, headers=auth("office"))).json()
        listed = (await client.get("/definitions", headers=admin)).json()
        assert [(v["version"], v["active"], v["source"]) for v in listed["items"]] == [(1, True, "startup")]
        assert (await client.get("/definitions", headers=auth("zjj-liaison"))).status_code == 403

        bad = {"files": {"revisit.bpmn": changed("revisit.bpmn", 'value="revisit"', 'value="inspect"')}}
        assert (await client.post("/definitions", json=bad, headers=auth("office"))).status_code == 403
        refused = await client.post("/definitions", json=bad, headers=admin)
        assert refused.status_code == 422
        [problem] = refused.json()["detail"]
        assert (problem["file"], problem["element"]) == ("revisit.bpmn", "Task_revisit")
        assert "inspect" in problem["msg"]
        assert len((await client.get("/definitions", headers=admin)).json()["items"]) == 1  # nothing changed

        good = {"files": {"revisit.bpmn": changed("revisit.bpmn", 'name="回访复核"', 'name="回访复核（实地）"')}}
        deployed = await client.post("/definitions", json=good, headers=admin)
        assert deployed.status_code == 201, deployed.text
        assert (deployed.json()["version"], deployed.json()["active"], deployed.json()["source"]) == (2, True, "api")
        assert deployed.json()["files"] == sorted([p.name for p in WORKFLOWS.glob("*.bpmn")] + [
            f"forms/{p.name}" for p in (WORKFLOWS / "forms").glob("*.json")])  # the forms are deployed with them
        files = (await client.get("/definitions/2", headers=admin)).json()["files"]
        assert "回访复核（实地）" in files["revisit.bpmn"] and files["assignment.bpmn"] == (
            WORKFLOWS / "assignment.bpmn").read_text(encoding="utf-8")

        after = (await client.post("/items", json=ITEM, headers=auth("office"))).json()
        versions = [(await client.get(f"/items/{i['id']}/state", headers=admin)).json()["version"]
                    for i in (before, after)]
        assert versions == [1, 2]  # running instances keep their version

        # deploying the first version's files again rolls back: it becomes the active one
        original = {"files": {"revisit.bpmn": (WORKFLOWS / "revisit.bpmn").read_text(encoding="utf-8")}}
        rolled = (await client.post("/definitions", json=original, headers=admin)).json()
        assert (rolled["version"], rolled["active"]) == (1, True)


async def publish(nats_url: str, topology: Topology, command: Command, *, msg_id: str | None) -> None:
    connection = await nats.connect(nats_url)
    headers = {PRODUCER_HEADER: "reporting", **({"Nats-Msg-Id": msg_id} if msg_id else {})}
    await connection.jetstream().publish(topology.subject(command.subject), command.to_json(), headers=headers)
    await connection.close()


async def test_bulletin_criticism_opens_cases_and_a_second_offence_is_escalated(
        app: Any, nats_url: str, topology: Topology) -> None:
    def criticise(reason: str) -> OpenAccountability:
        return OpenAccountability(occurred_at=NOW, actor="office", unit="fgw", reason=reason,
                                  bulletin_id=uuid.uuid4())

    first, second = criticise("2026年第1期督查通报：工作推进迟缓"), criticise("2026年第2期督查通报：再次滞后")
    async with serving(app) as client:
        await publish(nats_url, topology, first, msg_id=first.msg_id)
        await publish(nats_url, topology, first, msg_id=None)  # a redelivery the bus cannot dedupe
        await eventually(lambda: client.get("/tasks", headers=auth("leader")),
                         lambda answer: answer.json()["total"] == 1)
        await publish(nats_url, topology, second, msg_id=second.msg_id)
        tasks = await eventually(lambda: client.get("/tasks", headers=auth("leader")),
                                 lambda answer: answer.json()["total"] == 2)
        decide = tasks.json()["items"]
        assert {t["kind"] for t in decide} == {"decide_measure"} and {t["item_id"] for t in decide} == {None}
        for task in decide:
            assert (await complete(client, "leader", task, {"measure": "criticism"})).status_code == 200
        explain = (await client.get("/tasks", headers=auth("fgw-head"))).json()["items"]
        assert [t["kind"] for t in explain] == ["explain", "explain"]
        assert (await client.get("/tasks", headers=auth("jyj-head"))).json()["total"] == 0
        await complete(client, "fgw-head", explain[0], {"causes": "人手不足", "measures": "增派专人负责"})
        await do(client, "office", "verify_explanation", {"decision": "accept"})

        def cases(messages: list[tuple[str, bytes]]) -> list[tuple[str, dict[str, Any]]]:
            return [(kind, json.loads(data)) for kind, data in messages if kind.startswith("accountability.")]

        found = await eventually(lambda: stream_messages(nats_url, topology),
                                 lambda got: len(cases(got)) == 5)
        events = cases(found)
        opened = [e for k, e in events if k == "accountability.opened"]
        assert [(e["offence_count"], e["trigger"], e["item_id"]) for e in opened] == [(1, "bulletin", None),
                                                                                   (2, "bulletin", None)]
        assert [e["bulletin_id"] for e in opened] == [str(first.bulletin_id), str(second.bulletin_id)]
        decided = {e["case_id"]: (e["measure"], e["escalated"]) for k, e in events
                   if k == "accountability.measure_decided"}
        assert sorted(decided.values()) == [("criticism", False), ("interview", True)]
        assert [k for k, _ in events].count("accountability.closed") == 1
        created = [json.loads(d) for k, d in found if k == "task.created"]
        assert all(t["case_id"] in decided for t in created)


async def test_a_command_for_an_unknown_unit_is_dead_lettered(app: Any, nats_url: str, topology: Topology) -> None:
    command = OpenAccountability(occurred_at=NOW, actor="office", unit="atlantis", reason="通报批评",
                                 bulletin_id=uuid.uuid4())
    async with serving(app) as client:
        await publish(nats_url, topology, command, msg_id=command.msg_id)

        async def dead_letters() -> int:
            connection = await nats.connect(nats_url)
            info = await connection.jetstream().stream_info(topology.dead_letter_stream)
            await connection.close()
            return info.state.messages

        assert await eventually(dead_letters, lambda n: n == 1) == 1
        assert (await client.get("/tasks", headers=auth("leader"))).json()["total"] == 0



async def test_a_bulletin_draft_is_approved_after_a_return(app: Any, nats_url: str, topology: Topology) -> None:
    def submitted(**more: Any) -> ApproveBulletin:
        return ApproveBulletin(occurred_at=NOW, actor="office", bulletin_id=bulletin_id,
                               bulletin_kind=BulletinKind.BULLETIN, number="鞍政督通〔2026〕3号", title="2026年11月督查通报",
                               period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30), leader="leader",
                               **more)

    def bulletin_events(messages: list[tuple[str, bytes]]) -> list[tuple[str, dict[str, Any]]]:
        return [(kind, json.loads(data)) for kind, data in messages if kind.startswith("bulletin.")]

    bulletin_id = uuid.uuid4()
    first = submitted()
    async with serving(app) as client:
        await publish(nats_url, topology, first, msg_id=first.msg_id)
        await publish(nats_url, topology, first, msg_id=None)  # a redelivery: still one approval
        tasks = await eventually(lambda: client.get("/tasks", headers=auth("office")),
                                 lambda answer: answer.json()["total"] >= 1)
        [remarks] = tasks.json()["items"]
        assert (remarks["kind"], remarks["name"], remarks["item_id"]) == ("bulletin_remarks", "编写通报按语", None)
        assert remarks["context"]["number"] == "鞍政督通〔2026〕3号" and remarks["context"]["returned_comment"] is None
        assert remarks["form_ui"] == {"remarks": {"ui:widget": "textarea"}}
        await do(client, "office", "bulletin_remarks", {"remarks": "各单位要对照通报问题抓好整改"})
        assert (await client.get("/tasks", headers=auth("mayor"))).json()["total"] == 0  # the named leader's
        approve = await the_task(client, "leader", "approve_bulletin")
        assert approve["context"]["remarks"] == "各单位要对照通报问题抓好整改"  # what the leader approves
        refused = await complete(client, "leader", approve, {"decision": "return"})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["data", "comment"]
        await do(client, "leader", "approve_bulletin", {"decision": "return", "comment": "按语再精炼"})
        assert (await client.get("/tasks", headers=auth("office"))).json()["total"] == 0  # back to the draft

        again = submitted(returned_comment="按语再精炼")  # the office submits it again
        await publish(nats_url, topology, again, msg_id=again.msg_id)
        tasks = await eventually(lambda: client.get("/tasks", headers=auth("office")),
                                 lambda answer: answer.json()["total"] == 1)
        assert tasks.json()["items"][0]["context"]["returned_comment"] == "按语再精炼"
        await do(client, "office", "bulletin_remarks", {"remarks": "请各单位对照问题整改"})
        await do(client, "leader", "approve_bulletin", {"decision": "approve", "comment": "同意印发"})

        found = await eventually(lambda: stream_messages(nats_url, topology),
                                 lambda got: len(bulletin_events(got)) == 2)
        assert [(kind, e["bulletin_id"], e.get("remarks"), e["comment"]) for kind, e in bulletin_events(found)] == [
            ("bulletin.returned", str(bulletin_id), None, "按语再精炼"),
            ("bulletin.approved", str(bulletin_id), "请各单位对照问题整改", "同意印发")]
        assert (await client.get("/tasks", headers=auth("office"))).json()["total"] == 0
