"""Who may do what: every endpoint of the workflow, ledger and notification services × every role, with the leader
dimension (the item's leader, another leader, the mayor, the secretary-general, a delegate).

The item: lead unit zjj, co-unit tiedong, responsible leader ``leader`` (a vice-mayor).
``mayor`` is another leader: reads everything, acts only on items whose leader is the mayor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.ledger.app import create_app as create_ledger
from services.ledger.config import LedgerSettings
from services.notification.app import create_app as create_notification
from services.notification.config import NotificationSettings
from shared.bus.topology import Topology
from shared.clock import CHINA, SettableClock
from shared.settings import ServiceSettings
from tests.support.eventually import eventually
from tests.support.services import REPO, auth, runtime_for, serving, settings_for
from tests.support.workflow_client import ITEM, complete, do

WORKFLOWS = REPO / "workflows"
USERS = ("office", "mayor", "secretary-general", "admin", "zjj-liaison", "zjj-head", "tiedong-liaison",
         "tiexi-liaison", "leader", None)
"""None: no token. The item's leader comes last, so a completion they are allowed happens after
everyone else has been refused."""


@pytest.fixture
def app(make_workflow_app: Callable[..., Any]) -> Any:
    return make_workflow_app(WORKFLOWS)


def headers(user: str | None) -> dict[str, str]:
    return auth(user) if user else {}


async def statuses(client: httpx.AsyncClient, method: str, path: str, body: Any = None) -> dict[str | None, int]:
    found = {}
    for user in USERS:
        answer = await client.request(method, path, json=body, headers=headers(user))
        found[user] = answer.status_code
    return found


def expect(default: int, **by_user: int) -> dict[str | None, int]:
    table: dict[str | None, int] = {user: default for user in USERS}
    table[None] = 401
    table.update({user.replace("_", "-"): status for user, status in by_user.items()})
    return table


async def items_listed(client: httpx.AsyncClient, user: str) -> set[str]:
    return {t["item_id"] for t in (await client.get("/tasks", headers=auth(user))).json()["items"]}


async def kinds_listed(client: httpx.AsyncClient, user: str) -> list[str]:
    return sorted(t["kind"] for t in (await client.get("/tasks", headers=auth(user))).json()["items"])


async def test_every_endpoint_for_every_role(app: Any) -> None:
    async with serving(app) as client:
        item = (await client.post("/items", json={**ITEM, "urgency": "urgent"}, headers=auth("office"))).json()
        path = f"/items/{item['id']}"
        sees_item = expect(200, tiexi_liaison=404)
        assert await statuses(client, "GET", path) == sees_item
        assert await statuses(client, "GET", f"{path}/state") == sees_item
        assert await statuses(client, "GET", f"{path}/diagram") == sees_item
        assert await statuses(client, "GET", "/units") == expect(200)
        assert await statuses(client, "GET", "/units/zjj") == expect(200)
        assert await statuses(client, "GET", "/me") == expect(200)
        assert await statuses(client, "GET", "/tasks") == expect(200)
        assert await statuses(client, "POST", "/items", {**ITEM, "lead_unit": "atlantis"}) == expect(
            403, office=422)
        assert await statuses(client, "GET", "/definitions") == expect(
            403, office=200, leader=200, mayor=200, secretary_general=200, admin=200)
        assert await statuses(client, "GET", "/definitions/1") == expect(
            403, office=200, leader=200, mayor=200, secretary_general=200, admin=200)
        assert await statuses(client, "POST", "/definitions", {"remove": ["none.bpmn"]}) == expect(403, admin=422)
        assert await statuses(client, "DELETE", "/definitions/files/none.bpmn") == expect(403, admin=422)
        assert await statuses(client, "POST", f"{path}/migrate", {}) == expect(403, admin=200)  # a dry run
        assert await statuses(client, "GET", "/delegations") == expect(
            403, office=200, leader=200, mayor=200, secretary_general=200, admin=200)
        assert await statuses(client, "DELETE", "/delegations/1") == expect(
            403, leader=404, mayor=404, secretary_general=404)

        # the approval belongs to the item's leader: listed for them only, completed by them only
        [approve] = [t for t in (await client.get("/tasks", headers=auth("leader"))).json()["items"]]
        assert approve["kind"] == "approve_item" and approve["assignee"]["user"] == "leader"
        for other in ("mayor", "secretary-general", "office", "admin"):
            assert await kinds_listed(client, other) == []
        assert await statuses(client, "GET", f"/tasks/{approve['id']}") == expect(
            200, zjj_liaison=404, zjj_head=404, tiedong_liaison=404, tiexi_liaison=404)
        assert await statuses(client, "POST", f"/tasks/{approve['id']}/complete", {"data": {"decision": "reject"}}
                              ) == expect(403, leader=200, tiexi_liaison=404)
        assert (await client.get(path, headers=auth("office"))).json()["status"] == "rejected"  # by the leader


async def test_a_leader_decides_only_their_items_and_a_delegate_acts_for_a_period(app: Any,
                                                                                 clock: SettableClock) -> None:
    async with serving(app) as client:
        mine = (await client.post("/items", json={**ITEM, "leader": "mayor"}, headers=auth("office"))).json()
        theirs = (await client.post("/items", json=ITEM, headers=auth("office"))).json()
        listed = (await client.get("/tasks", headers=auth("mayor"))).json()["items"]
        assert [t["item_id"] for t in listed] == [mine["id"]]
        [vice] = (await client.get("/tasks", headers=auth("leader"))).json()["items"]
        assert vice["item_id"] == theirs["id"]
        assert (await complete(client, "mayor", vice, {"decision": "reject"})).status_code == 403

        # the vice-mayor is away for three days and lets the mayor decide meanwhile
        away = {"delegate": "mayor", "starts_on": "2026-03-02", "ends_on": "2026-03-04", "reason": "外出学习"}
        for refused, body in [("office", away), ("zjj-liaison", away)]:
            assert (await client.post("/delegations", json=body, headers=auth(refused))).status_code == 403
        for body in [{**away, "delegate": "leader"}, {**away, "delegate": "office"},
                     {**away, "ends_on": "2026-03-01"}, {**away, "starts_on": "2026-03-05"}]:
            assert (await client.post("/delegations", json=body, headers=auth("leader"))).status_code == 422
        given = await client.post("/delegations", json=away, headers=auth("leader"))
        assert given.status_code == 201, given.text
        assert {t["item_id"] for t in (await client.get("/tasks", headers=auth("mayor"))).json()["items"]} == {
            mine["id"], theirs["id"]}
        assert (await complete(client, "mayor", vice, {"decision": "approve"})).status_code == 200
        history = (await client.get(f"/items/{theirs['id']}/state", headers=auth("office"))).json()["history"]
        assert [(h["actor"], h["on_behalf_of"]) for h in history] == [("mayor", "leader")]
        # the delegation is no licence in the other direction
        [own] = (await client.get("/tasks", headers=auth("mayor"))).json()["items"]
        assert (await complete(client, "leader", own, {"decision": "approve"})).status_code == 403

        # after the period, or once revoked, the delegate no longer sees or decides the leader's tasks
        later = (await client.post("/items", json=ITEM, headers=auth("office"))).json()
        assert later["id"] in await items_listed(client, "mayor")
        clock.set(dt.datetime(2026, 3, 5, 9, 0, tzinfo=CHINA))
        assert later["id"] not in await items_listed(client, "mayor")
        again = await client.post("/delegations", json={**away, "starts_on": "2026-03-05", "ends_on": "2026-03-06"},
                                  headers=auth("leader"))
        assert later["id"] in await items_listed(client, "mayor")
        assert (await client.delete(f"/delegations/{again.json()['id']}", headers=auth("mayor"))).status_code == 404
        revoked = await client.delete(f"/delegations/{again.json()['id']}", headers=auth("leader"))
        assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
        assert later["id"] not in await items_listed(client, "mayor")
        [pending] = [t for t in (await client.get("/tasks", headers=auth("leader"))).json()["items"]
                     if t["item_id"] == later["id"]]
        assert (await complete(client, "mayor", pending, {"decision": "approve"})).status_code == 403
        given_list = (await client.get("/delegations", headers=auth("mayor"))).json()["items"]
        assert [(d["leader"], d["delegate"]) for d in given_list] == [("leader", "mayor")] * 2


async def test_the_measure_of_an_items_case_is_decided_by_its_leader(app: Any, clock: SettableClock) -> None:
    async with serving(app) as client:
        await client.post("/items", json={**ITEM, "urgency": "urgent"}, headers=auth("office"))
        await do(client, "leader", "approve_item", {"decision": "approve"})
        await do(client, "zjj-liaison", "sign", {})
        clock.set(dt.datetime(2026, 3, 6, 0, 0, 1, tzinfo=CHINA))  # the urgent report is overdue
        assert await app.state.service.fire_due_timers() >= 1
        assert await kinds_listed(client, "leader") == ["decide_measure"]
        assert await kinds_listed(client, "mayor") == []
        [decide] = (await client.get("/tasks", headers=auth("leader"))).json()["items"]
        assert (await complete(client, "mayor", decide, {"measure": "interview"})).status_code == 403
        assert (await complete(client, "leader", decide, {"measure": "criticism"})).status_code == 200


async def test_the_ledger_and_notification_endpoints_for_every_role(
        make_workflow_app: Callable[..., Any], nats_url: str, database_url: str, topology: Topology,
        tmp_path: Path, clock: SettableClock) -> None:
    """The same item seen through the ledger (台帐) and the notification service, by every role.
    Deliveries: only the office lists them or sends one again (none has failed: 404)."""
    def app_of(cls: type[ServiceSettings], create: Callable[..., Any]) -> Any:
        settings = settings_for(cls, nats_url=nats_url, database_url=database_url, topology=topology,
                                data_dir=tmp_path)
        return create(settings, deps=runtime_for(settings, clock))

    ledger_app, notification_app = app_of(LedgerSettings, create_ledger), app_of(NotificationSettings,
                                                                                 create_notification)
    async with (serving(make_workflow_app(WORKFLOWS)) as workflow, serving(ledger_app) as ledger,
                serving(notification_app) as notification):
        item = (await workflow.post("/items", json=ITEM, headers=auth("office"))).json()
        await do(workflow, "leader", "approve_item", {"decision": "approve"})
        await eventually(lambda: ledger.get(f"/items/{item['id']}", headers=auth("office")),
                         lambda answer: answer.status_code == 200 and answer.json()["status"] == "assigned")
        assert await statuses(ledger, "GET", "/items") == expect(200)
        assert await statuses(ledger, "GET", f"/items/{item['id']}") == expect(200, tiexi_liaison=404)
        assert await statuses(ledger, "GET", "/items/export.xlsx") == expect(200)
        assert await statuses(ledger, "GET", "/stats") == expect(200)
        listed = {user: (await ledger.get("/items", headers=auth(user))).json()["total"] for user in USERS if user}
        assert listed == {**{user: 1 for user in listed}, "tiexi-liaison": 0}
        units = (await ledger.get("/stats", headers=auth("tiexi-liaison"))).json()["units"]
        assert [row["unit"] for row in units] == ["tiexi"]

        inbox = await eventually(lambda: notification.get("/inbox", headers=auth("zjj-liaison")),
                                 lambda answer: answer.json()["unread"] >= 1)
        message = inbox.json()["items"][0]
        assert await statuses(notification, "GET", "/inbox") == expect(200)
        assert await statuses(notification, "POST", f"/inbox/{message['id']}/read") == expect(
            404, zjj_liaison=200)
        assert await statuses(notification, "GET", "/deliveries") == expect(403, office=200)
        assert await statuses(notification, "POST", "/deliveries/1/retry") == expect(403, office=404)
