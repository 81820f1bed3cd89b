"""Moving a running item to a newer version of its process over HTTP (POST /items/{id}/migrate),
against a real database and NATS: a dry run first, then the move; a version that removes the
task the item is at is refused and nothing changes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.workflow.adapters import tables
from shared.clock import CHINA, SettableClock
from tests.support import flow_versions as versions
from tests.support.services import REPO, auth, serving
from tests.support.workflow_client import ITEM, complete

FLOWS = REPO / "tests" / "fixtures" / "flows"
ADMIN = auth("admin")


@pytest.fixture
def app(make_workflow_app: Callable[..., Any]) -> Any:
    return make_workflow_app(FLOWS)


async def registered_and_approved(client: httpx.AsyncClient) -> str:
    item = (await client.post("/items", json=ITEM, headers=auth("office"))).json()
    [approve] = await tasks_of(client, "leader", item["id"])
    assert (await complete(client, "leader", approve, {"decision": "approve"})).status_code == 200
    return item["id"]


async def tasks_of(client: httpx.AsyncClient, user: str, item_id: str) -> list[dict[str, Any]]:
    return [t for t in (await client.get("/tasks", headers=auth(user))).json()["items"] if t["item_id"] == item_id]


async def deploy(client: httpx.AsyncClient, xml: str) -> int:
    answer = await client.post("/definitions", json={"files": {"assignment.bpmn": xml}}, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    return answer.json()["version"]


async def state(client: httpx.AsyncClient, item_id: str) -> dict[str, Any]:
    return (await client.get(f"/items/{item_id}/state", headers=auth("office"))).json()


async def migrate(client: httpx.AsyncClient, item_id: str, body: dict[str, Any], user: str = "admin") -> httpx.Response:
    return await client.post(f"/items/{item_id}/migrate", json=body, headers=auth(user))


async def test_a_running_item_moves_to_a_new_version_after_a_dry_run(app: Any) -> None:
    async with serving(app) as client:
        item_id = await registered_and_approved(client)
        [sign] = await tasks_of(client, "zjj-liaison", item_id)
        assert (sign["name"], (await state(client, item_id))["version"]) == ("签收", 1)
        assert await deploy(client, versions.sign_renamed_and_confirmed()) == 2

        for user in ("office", "leader", "zjj-liaison"):
            assert (await migrate(client, item_id, {}, user)).status_code == 403

        dry = await migrate(client, item_id, {})  # a dry run by default, to the active version
        assert dry.status_code == 200, dry.text
        plan = dry.json()
        assert (plan["from_version"], plan["to_version"], plan["allowed"], plan["migrated"]) == (1, 2, True, False)
        [instance] = plan["instances"]
        [top] = instance["processes"]
        assert [e["bpmn_id"] for e in top["added"]] == ["Task_confirm"]
        assert {e["bpmn_id"]: e["name"] for e in top["changed"]}["Task_sign"] == "签收(新)"
        assert [(a["bpmn_id"], a["state"], a["survives"], a["new_name"]) for a in instance["active"]] == [
            ("Task_sign", "ready", True, "签收(新)")]
        assert (await state(client, item_id))["version"] == 1  # a dry run stores nothing
        assert [t["name"] for t in await tasks_of(client, "zjj-liaison", item_id)] == ["签收"]

        moved = await migrate(client, item_id, {"version": 2, "dry_run": False})
        assert moved.status_code == 200, moved.text
        assert (moved.json()["migrated"], moved.json()["to_version"]) == (True, 2)
        after = await state(client, item_id)
        assert after["version"] == 2 and [t["name"] for t in after["ready_tasks"]] == ["签收(新)"]
        [renamed] = await tasks_of(client, "zjj-liaison", item_id)
        assert (renamed["id"], renamed["name"], renamed["due_date"]) == (sign["id"], "签收(新)", sign["due_date"])

        assert (await complete(client, "zjj-liaison", renamed, {"comment": "已签收"})).status_code == 200
        [confirm] = await tasks_of(client, "zjj-liaison", item_id)
        assert (confirm["name"], confirm["kind"]) == ("确认签收", "sign")
        assert (await complete(client, "zjj-liaison", confirm, {})).status_code == 200
        assert [t["kind"] for t in await tasks_of(client, "zjj-liaison", item_id)] == ["report"]

        again = await migrate(client, item_id, {"version": 2, "dry_run": False})
        assert again.status_code == 422 and "on version 2 already" in again.json()["detail"]
        async with app.state.service.db.connect() as connection:
            t = tables.instance_migrations
            rows = (await connection.execute(select(t.c.from_version, t.c.to_version, t.c.actor, t.c.item_id))).all()
        assert [tuple(r) for r in rows] == [(1, 2, "admin", uuid.UUID(item_id))]


async def test_a_version_that_removes_the_ready_task_is_refused(app: Any) -> None:
    async with serving(app) as client:
        item_id = await registered_and_approved(client)
        before = await state(client, item_id)
        [sign] = await tasks_of(client, "zjj-liaison", item_id)
        assert await deploy(client, versions.sign_removed()) == 2

        dry = await migrate(client, item_id, {"dry_run": True})
        assert dry.status_code == 200 and dry.json()["allowed"] is False
        assert any("Task_sign" in r and "removed" in r for r in dry.json()["reasons"])

        refused = await migrate(client, item_id, {"dry_run": False})
        assert refused.status_code == 422
        assert "ready element 'Task_sign' (签收) of 'assignment' is removed" in refused.json()["detail"]
        assert await state(client, item_id) == before  # nothing changed
        assert await tasks_of(client, "zjj-liaison", item_id) == [sign]
        assert (await complete(client, "zjj-liaison", sign, {})).status_code == 200  # it runs on its version


async def test_bad_requests_are_refused(app: Any) -> None:
    async with serving(app) as client:
        item_id = await registered_and_approved(client)
        missing = "00000000-0000-4000-8000-000000000000"
        assert (await migrate(client, missing, {})).status_code == 404
        unknown = await migrate(client, item_id, {"version": 99, "dry_run": False})
        assert unknown.status_code == 422 and "not deployed" in unknown.json()["detail"]
        same = await migrate(client, item_id, {})  # the active version is the item's own
        assert same.status_code == 200 and same.json()["allowed"] is False
        for body in ({"version": 0}, {"version": "x"}, {"dry_run": "maybe"}, {"other": 1}, {"version": 2**40}):
            assert (await migrate(client, item_id, body)).status_code == 422, body
        assert (await client.post(f"/items/{item_id}/migrate", content=b"[", headers=ADMIN)).status_code == 422
        assert (await client.post("/items/not-a-uuid/migrate", json={}, headers=ADMIN)).status_code == 422


async def test_a_deadline_due_before_the_move_fires_on_the_old_version(app: Any, clock: SettableClock) -> None:
    async with serving(app) as client:
        item_id = await registered_and_approved(client)
        [sign] = await tasks_of(client, "zjj-liaison", item_id)
        assert (await complete(client, "zjj-liaison", sign, {})).status_code == 200
        assert await deploy(client, versions.report_renamed()) == 2
        clock.set(dt.datetime(2026, 3, 10, 0, 0, 1, tzinfo=CHINA))  # the report was due on 03-09: not swept yet
        moved = await migrate(client, item_id, {"dry_run": False})
        assert moved.status_code == 200, moved.text
        item = (await client.get(f"/items/{item_id}", headers=auth("office"))).json()
        assert item["overdue"] is True
        assert [t["name"] for t in await tasks_of(client, "zjj-liaison", item_id)] == ["书面报告"]
        assert (await state(client, item_id))["next_timer_at"] is None  # fired once, not re-armed by the move
