"""A bulletin from draft to the criticised unit's accountability, across the reporting and the
workflow services on one bus: submitted, returned by the leader, approved, published; the
criticised unit's head is asked for causes and measures once."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx

from services.reporting.app import create_app as reporting_app
from services.reporting.config import ReportingSettings
from services.reporting.documents.pdf import soffice_path
from services.reporting.entrypoints.bulletin_documents import DOCX
from shared.bus.topology import Topology
from shared.clock import SettableClock, today_in_china
from tests.support.eventually import eventually
from tests.support.services import REPO, auth, runtime_for, serving, settings_for
from tests.support.workflow_client import complete, do


async def test_an_approved_bulletin_asks_the_criticised_unit_once(
        make_workflow_app: Callable[..., Any], nats_url: str, database_url: str, topology: Topology,
        tmp_path: Path, clock: SettableClock) -> None:
    settings = settings_for(ReportingSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                            data_dir=tmp_path / "reporting", bulletin_approver="leader",
                            render_pdf=True)
    async with (serving(make_workflow_app(REPO / "workflows")) as workflow,
                serving(reporting_app(settings, deps=runtime_for(settings, clock))) as reporting):
        office, today = auth("office"), today_in_china(clock)
        month = {"period_from": today.replace(day=1).isoformat(), "period_to": today.isoformat()}  # holds the finding
        finding = await reporting.post("/findings", headers=office, json={
            "unit": "fgw", "kind": "推诿扯皮", "reason": "项目审批互相推诿"})
        assert finding.status_code == 201, finding.text
        draft = (await reporting.post("/bulletins", headers=office, json={"kind": "bulletin", **month})).json()
        assert [c["unit"] for c in draft["figures"]["criticised"]] == ["fgw"]
        assert (await reporting.post(f"/bulletins/{draft['id']}/submit", headers=office)).status_code == 200

        async def tasks(user: str) -> list[dict[str, Any]]:
            return (await workflow.get("/tasks", headers=auth(user))).json()["items"]

        [remarks] = await eventually(lambda: tasks("office"), lambda found: len(found) == 1)
        assert (remarks["kind"], remarks["context"]["number"]) == ("bulletin_remarks", draft["number"])
        await do(workflow, "office", "bulletin_remarks", {"remarks": "各单位要引以为戒"})
        await do(workflow, "leader", "approve_bulletin", {"decision": "return", "comment": "按语要点明问题"})
        back = await eventually(lambda: reporting.get(f"/bulletins/{draft['id']}", headers=office),
                                lambda answer: answer.json()["status"] == "draft")
        assert back.json()["leader_comment"] == "按语要点明问题"
        assert await tasks("office") == []  # the process ended; the office may change the lists first
        assert (await reporting.post(f"/bulletins/{draft['id']}/submit", headers=office)).status_code == 200
        [again] = await eventually(lambda: tasks("office"), lambda found: len(found) == 1)
        assert again["context"]["returned_comment"] == "按语要点明问题"
        await complete(workflow, "office", again, {"remarks": "推诿扯皮问题要立行立改"})
        await do(workflow, "leader", "approve_bulletin", {"decision": "approve", "comment": "同意印发"})

        published = await eventually(lambda: reporting.get(f"/bulletins/{draft['id']}", headers=office),
                                     lambda answer: answer.json()["status"] == "published")
        assert published.json()["remarks"] == "推诿扯皮问题要立行立改"
        assert (await reporting.get(f"/bulletins/{draft['id']}", headers=auth("fgw-liaison"))).status_code == 200
        [decide] = await eventually(lambda: tasks("leader"), lambda found: len(found) == 1)
        assert decide["kind"] == "decide_measure" and "推诿扯皮" in decide["context"]["reason"]
        await complete(workflow, "leader", decide, {"measure": "interview"})
        explain = await eventually(lambda: tasks("fgw-head"), lambda found: len(found) >= 1)
        assert [t["kind"] for t in explain] == ["explain"]

        # the published bulletin's document, rendered once after publication, for anyone (no token)
        public = f"/public/bulletins/{draft['id']}/document"
        docx_file = await eventually(lambda: reporting.get(f"{public}.docx"), lambda answer: answer.status_code == 200)
        assert docx_file.headers["content-type"] == DOCX and "public" in docx_file.headers["cache-control"]
        assert draft["number"] in text_of(docx_file.content)
        pdf = await reporting.get(f"{public}.pdf")
        if soffice_path() is None:
            assert pdf.status_code == 503 and "PDF unavailable" in pdf.json()["detail"], pdf.text
        else:
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.text
        assert (await reporting.get(f"/public/bulletins/{uuid.uuid4()}/document.docx")).status_code == 404

        # the case's outcome in the next bulletin: the measure, the head's causes and measures, closed
        explained = await complete(workflow, "fgw-head", explain[0], {"causes": "部门协同机制不健全",
                                                                      "measures": "建立联审联办制度"})
        assert explained.status_code == 200, explained.text
        await do(workflow, "office", "verify_explanation", {"decision": "accept"})
        expected = {"unit": "fgw", "unit_name": "市发展改革委", "bulletin_number": draft["number"], "measure": "interview",
                    "measure_label": "约谈", "causes": "部门协同机制不健全", "measures": "建立联审联办制度",
                    "status": "closed", "status_label": "已整改结案"}

        async def next_bulletin() -> dict[str, Any]:
            answer = await reporting.post("/bulletins", headers=office, json={"kind": "bulletin", **month})
            assert answer.status_code == 201, answer.text
            return answer.json()

        following = await next_bulletin()  # a draft's figures are worked out when read: the case's closing shows
        following = (await eventually(lambda: reporting.get(f"/bulletins/{following['id']}", headers=office),
                                      lambda answer: [o["status"] for o in answer.json()["figures"][
                                          "accountability_outcomes"]] == ["closed"])).json()
        [outcome] = following["figures"]["accountability_outcomes"]
        assert {k: outcome[k] for k in expected} == expected
        brief = await reporting.post("/bulletins", headers=office, json={"kind": "brief", **month})
        assert brief.json()["figures"]["accountability_outcomes"] == []  # a bulletin's case: in bulletins only
        assert (await reporting.get(f"/public/bulletins/{following['id']}/document.docx")).status_code == 404  # draft
        document = await reporting.get(f"/bulletins/{following['id']}/document.docx", headers=office, timeout=120)
        text = text_of(document.content)
        assert "上期通报问题整改情况" in text
        assert f"1．市发展改革委（{draft['number']}通报批评）：问责措施：约谈；报告原因：部门协同机制不健全；改进措施：建立联审联办制度；已整改结案。" in text

        # once a published bulletin reported it closed, no later bulletin reports it again
        assert (await reporting.post(f"/bulletins/{following['id']}/submit", headers=office)).status_code == 200
        [remarks] = await eventually(lambda: tasks("office"), lambda found: [t["kind"] for t in found] == [
            "bulletin_remarks"])
        await complete(workflow, "office", remarks, {"remarks": "继续抓好整改"})
        await do(workflow, "leader", "approve_bulletin", {"decision": "approve", "comment": "同意"})
        await eventually(lambda: reporting.get(f"/bulletins/{following['id']}", headers=office),
                         lambda answer: answer.json()["status"] == "published")
        assert (await reporting.get(f"/bulletins/{following['id']}", headers=office)).json()["figures"][
            "accountability_outcomes"][0]["case_id"] == outcome["case_id"]
        assert (await next_bulletin())["figures"]["accountability_outcomes"] == []


def text_of(content: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(content)).paragraphs)
