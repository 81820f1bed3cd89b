"""What the workflow service's HTTP edge refuses, and what it refuses to lose: each bad
input is a 4xx with a ``detail`` and stores nothing (reproductions of issue 8, section 3/5)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from services.workflow.adapters import tables
from services.workflow.app import create_app
from services.workflow.config import WorkflowSettings
from shared.bus.topology import Topology
from shared.clock import SettableClock
from tests.support.services import NOW, REPO, auth, runtime_for, serving, settings_for
from tests.support.workflow_client import ITEM

FLOWS = REPO / "tests" / "fixtures" / "flows"
MINIMAL = (REPO / "tests" / "fixtures" / "bpmn" / "minimal.bpmn").read_text(encoding="utf-8")


def workflow_app(nats_url: str, database_url: str, topology: Topology, data_dir: Path, **overrides: Any) -> Any:
    settings = settings_for(WorkflowSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                            data_dir=data_dir, workflows_dir=FLOWS, **overrides)
    return create_app(settings, deps=runtime_for(settings, SettableClock(NOW)))


@pytest.fixture
async def client(nats_url: str, database_url: str, topology: Topology, tmp_path: Path
                 ) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(workflow_app(nats_url, database_url, topology, tmp_path)) as client:
        yield client


async def items_stored(client: httpx.AsyncClient) -> int:
    app = client._transport.app  # type: ignore[attr-defined]
    async with app.state.service.db.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(tables.items))).scalar_one()


@pytest.mark.parametrize(("change", "field"), [
    ({"title": "   "}, "title"),
    ({"title": "\u3000\u3000"}, "title"),  # ideographic spaces only
    ({"title": "\t\n "}, "title"),
    ({"co_units": ["tiedong", "tiedong"]}, "co_units"),
    ({"co_units": ["zjj"]}, "lead unit"),
    ({"lead_unit": "a b"}, "lead_unit"),
    ({"urgency": "special", "due_date": 0}, "due_date"),
    ({"urgency": "special", "due_date": "0"}, "due_date"),
    ({"urgency": "special", "due_date": "2026-03-01"}, "not after today"),
    ({"urgency": "special"}, "due_date"),
    ({"plan_start": 1700000000}, "plan_start"),
    ({"title": "x" * 201}, "title"),
])
async def test_a_bad_registration_is_422_and_stores_nothing(client: httpx.AsyncClient, change: dict[str, Any],
                                                            field: str) -> None:
    answer = await client.post("/items", json={**ITEM, **change}, headers=auth("office"))
    assert answer.status_code == 422, answer.text
    assert field in json.dumps(answer.json()["detail"], ensure_ascii=False)
    assert await items_stored(client) == 0


async def test_a_special_deadline_registers_on_every_database(client: httpx.AsyncClient) -> None:
    answer = await client.post("/items", json={**ITEM, "urgency": "special", "due_date": "2026-04-30"},
                               headers=auth("office"))
    assert answer.status_code == 201, answer.text
    assert (answer.json()["due_date"], answer.json()["code"]) == ("2026-04-30", "督办〔2026〕1号")


async def test_control_characters_never_reach_the_item(client: httpx.AsyncClient) -> None:
    answer = await client.post("/items", json={**ITEM, "title": "  整治\u00a0积水点  "}, headers=auth("office"))
    assert answer.status_code == 201 and answer.json()["title"] == "整治\u00a0积水点"


@pytest.mark.parametrize("path", ["/definitions/99999999999999999999", "/definitions/2147483648",
                                  "/definitions/0", "/definitions/-1"])
async def test_a_number_past_its_column_is_422(client: httpx.AsyncClient, path: str) -> None:
    answer = await client.get(path, headers=auth("admin"))
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["path", "version"]


async def test_an_unknown_task_is_404_on_every_path(client: httpx.AsyncClient) -> None:
    created = (await client.post("/items", json=ITEM, headers=auth("office"))).json()
    ghost = uuid.uuid4()
    assert (await client.get(f"/tasks/{ghost}", headers=auth("leader"))).status_code == 404
    assert (await client.post(f"/tasks/{ghost}/complete", json={"data": {}},
                              headers=auth("leader"))).status_code == 404
    # a task row whose instance does not know the task (the engine's UnknownTask) is 404 too
    app = client._transport.app  # type: ignore[attr-defined]
    async with app.state.service.db.begin() as connection:
        instance_id = (await connection.execute(select(tables.instances.c.id).where(
            tables.instances.c.item_id == uuid.UUID(created["id"])))).scalar_one()
        await connection.execute(insert(tables.open_tasks).values(
            id=ghost, instance_id=instance_id, item_id=uuid.UUID(created["id"]), kind="approve_item",
            bpmn_id="Task_approve", name="领导审批", assignee_role="leader", assignee_unit=None,
            assignee_user=None, due_date=None, created_at=NOW))
    answer = await client.post(f"/tasks/{ghost}/complete", json={"data": {"decision": "approve"}},
                               headers=auth("leader"))
    assert answer.status_code == 404 and str(ghost) in answer.json()["detail"]


@pytest.mark.parametrize("token", [None, "office"])
async def test_a_body_past_the_cap_is_413_before_it_is_read(client: httpx.AsyncClient, token: str | None) -> None:
    headers = auth(token) if token else {}
    huge = {**ITEM, "description": "长" * 600_000}  # about 1.8 MB of UTF-8; the cap is 1 MiB
    declared = await client.post("/items", json=huge, headers=headers)
    assert declared.status_code == 413 and "larger than 1048576 bytes" in declared.json()["detail"]

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        body = json.dumps(huge).encode()
        for start in range(0, len(body), 65_536):
            yield body[start:start + 65_536]

    chunked = await client.post("/items", content=chunks(), headers={**headers, "Content-Type": "application/json"})
    assert chunked.status_code == 413 and "detail" in chunked.json()
    assert await items_stored(client) == 0


async def test_an_idempotency_key_gives_the_same_item_once(client: httpx.AsyncClient) -> None:
    headers = {**auth("office"), "Idempotency-Key": "reg-7f3a"}
    first = await client.post("/items", json=ITEM, headers=headers)
    again = await client.post("/items", json=ITEM, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    other = await client.post("/items", json={**ITEM, "title": "另一事项"}, headers=headers)
    assert other.status_code == 422 and "different request" in other.json()["detail"]
    racing = await asyncio.gather(*(client.post("/items", json={**ITEM, "title": "并发登记"},
                                                headers={**auth("office"), "Idempotency-Key": "race-1"})
                                    for _ in range(6)))
    assert {r.status_code for r in racing} == {201} and len({r.json()["id"] for r in racing}) == 1
    assert await items_stored(client) == 2
    # the key belongs to the caller: another office user's same key is a new item
    theirs = await client.post("/items", json=ITEM, headers={**auth("office2"), "Idempotency-Key": "reg-7f3a"})
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]


async def test_two_workers_registering_at_once_never_share_a_number(nats_url: str, database_url: str,
                                                                   topology: Topology, tmp_path: Path) -> None:
    """Two service instances on one database (as two processes would be), 2 × 40 at once."""
    apps = [workflow_app(nats_url, database_url, topology, tmp_path) for _ in range(2)]
    async with serving(apps[0]) as one, serving(apps[1]) as two:
        answers = await asyncio.gather(*(client.post("/items", json={**ITEM, "title": f"事项{n}"},
                                                     headers=auth("office"))
                                         for n in range(40) for client in (one, two)))
    assert [a.status_code for a in answers] == [201] * 80, {a.text for a in answers if a.status_code != 201}
    assert sorted(int(a.json()["code"][8:-1]) for a in answers) == list(range(1, 81))


async def test_a_deployment_is_bounded_and_a_file_can_be_removed(nats_url: str, database_url: str,
                                                                 topology: Topology, tmp_path: Path) -> None:
    app = workflow_app(nats_url, database_url, topology, tmp_path, deploy_max_file_bytes=20_000,
                       deploy_max_bytes=30_000, deploy_max_files=3)
    admin = auth("admin")
    async with serving(app) as client:
        big = MINIMAL.replace("签收测试", "签收测试" + "长" * 8_000)  # over 20 kB
        answer = await client.post("/definitions", json={"files": {"big.bpmn": big}}, headers=admin)
        assert answer.status_code == 413 and "big.bpmn" in answer.json()["detail"]
        many = {f"m{n}.bpmn": MINIMAL.replace('"minimal"', f'"minimal{n}"') for n in range(3)}
        answer = await client.post("/definitions", json={"files": many}, headers=admin)
        assert answer.status_code == 413 and "files" in answer.json()["detail"]

        named = {"签收测试.bpmn": MINIMAL}  # a Chinese file name
        added = await client.post("/definitions", json={"files": named}, headers=admin)
        assert added.status_code == 201, added.text
        assert added.json()["files"] == ["assignment.bpmn", "签收测试.bpmn"]
        removed = await client.delete("/definitions/files/签收测试.bpmn", headers=admin)
        assert removed.status_code == 200 and removed.json()["files"] == ["assignment.bpmn"]
        assert removed.json()["version"] == 1  # the same files as the first version: rolled back to it
        unknown = await client.request("DELETE", "/definitions/files/nothing.bpmn", headers=admin)
        assert unknown.status_code == 422 and "not a file of the active version" in unknown.text
        empty = await client.post("/definitions", json={"remove": ["assignment.bpmn"]}, headers=admin)
        assert empty.status_code == 422 and "at least one file" in empty.text
        assert (await client.delete("/definitions/files/assignment.bpmn", headers=auth("office"))).status_code == 403
        versions = (await client.get("/definitions", headers=admin)).json()["items"]
        assert [(v["version"], v["active"]) for v in versions] == [(1, True), (2, False)]


async def test_a_form_drops_control_characters_at_the_edge(client: httpx.AsyncClient) -> None:
    created = (await client.post("/items", json=ITEM, headers=auth("office"))).json()
    for user, kind, data in [("leader", "approve_item", {"decision": "approve", "comment": "同意\x00"}),
                             ("zjj-liaison", "sign", {"comment": "\x01已签收\x7f"}),
                             ("zjj-liaison", "report", {"report_type": "progress", "content": "=进展\x0b第二行\x00"})]:
        [task] = [t for t in (await client.get("/tasks", headers=auth(user))).json()["items"] if t["kind"] == kind]
        answer = await client.post(f"/tasks/{task['id']}/complete", json={"data": data}, headers=auth(user))
        assert answer.status_code == 200, answer.text
    history = (await client.get(f"/items/{created['id']}/state", headers=auth("office"))).json()["history"]
    assert [h["data"].get("comment", h["data"].get("content")) for h in history] == ["同意", "已签收", "=进展\n第二行"]
