"""A full item through the workflow service (the real processes of workflows/) while the
notification service listens: each step tells the right people, in the inbox and by mail."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml
from aiosmtpd.controller import Controller

from services.notification.app import create_app as notification_app
from services.notification.config import NotificationSettings
from services.workflow.app import create_app as workflow_app
from services.workflow.config import WorkflowSettings
from shared.bus.topology import Topology
from shared.clock import CHINA, SettableClock
from tests.support.eventually import eventually
from tests.support.services import NOW, REPO, TEST_SECRET, auth, runtime_for, serving, settings_for

ITEM = {"title": "推进老旧小区改造", "description": "年度改造任务", "source": "work_report_target",
        "urgency": "normal", "lead_unit": "zjj", "co_units": ["tiedong"], "leader": "leader",
        "major": False, "public": False, "livelihood": False, "cadence": "none"}


class Mailbox:
    def __init__(self) -> None:
        self.mails: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()


def org_with_mail_for(tmp_path: Path, username: str) -> Path:
    """The demo org, everyone on the inbox only except ``username`` (inbox and e-mail)."""
    org = yaml.safe_load((REPO / "deploy" / "org.example.yaml").read_text(encoding="utf-8"))
    for user in org["users"]:
        user.update({"webhook": None, "channels": ["inbox", "email"] if user["username"] == username else ["inbox"]})
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(org, allow_unicode=True), encoding="utf-8")
    return path


async def the_task(client: httpx.AsyncClient, user: str, kind: str) -> dict[str, Any]:
    tasks = (await client.get("/tasks", headers=auth(user))).json()["items"]
    [task] = [t for t in tasks if t["kind"] == kind]
    return task


async def complete(client: httpx.AsyncClient, user: str, kind: str, data: dict[str, Any]) -> None:
    task = await the_task(client, user, kind)
    answer = await client.post(f"/tasks/{task['id']}/complete", json={"data": data}, headers=auth(user))
    assert answer.status_code == 200, answer.text


async def inbox_titles(client: httpx.AsyncClient, user: str) -> list[str]:
    found = (await client.get("/inbox", headers=auth(user))).json()
    return [message["title"] for message in reversed(found["items"])]  # oldest first


async def test_a_full_item_tells_the_right_people(nats_url: str, database_url: str, topology: Topology,
                                                  tmp_path: Path) -> None:
    clock = SettableClock(NOW)  # Monday 2026-03-02 09:30 in Beijing
    wf_settings = settings_for(WorkflowSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                               data_dir=tmp_path, workflows_dir=REPO / "workflows")
    with smtp_server() as (port, mailbox):
        nt_settings = NotificationSettings(
            nats_url=nats_url, database_url=database_url, bus_root=topology.root, data_dir=tmp_path,
            calendar_dir=tmp_path / "calendar", org_file=org_with_mail_for(tmp_path, "zjj-liaison"),
            jwt_secret=TEST_SECRET, retry_delays=[0.0], smtp_port=port, console_url="https://duban.example.gov.cn")
        workflow = workflow_app(wf_settings, deps=runtime_for(wf_settings, clock))
        notification = notification_app(nt_settings, deps=runtime_for(nt_settings, clock))
        async with serving(workflow) as wf, serving(notification) as nt:
            created = await wf.post("/items", json=ITEM, headers=auth("office"))
            assert created.status_code == 201, created.text
            item = created.json()
            code, link = item["code"], f"https://duban.example.gov.cn/items/{item['id']}"
            await complete(wf, "leader", "approve_item", {"decision": "approve"})
            await eventually(lambda: inbox_titles(nt, "zjj-liaison"), lambda got: len(got) == 1)

            # the morning of the signing day (the next working day), still unsigned: the liaison is reminded
            clock.set(dt.datetime(2026, 3, 3, 9, 0, 1, tzinfo=CHINA))
            await workflow.state.service.fire_due_timers()
            await eventually(lambda: inbox_titles(nt, "zjj-liaison"), lambda got: len(got) == 2)

            await complete(wf, "zjj-liaison", "sign", {"comment": "已签收"})
            await complete(wf, "zjj-liaison", "report", {"report_type": "completion", "content": "已完成改造"})
            await complete(wf, "office", "review", {"decision": "return", "comment": "缺少验收材料"})
            await eventually(lambda: inbox_titles(nt, "zjj-liaison"), lambda got: len(got) == 3)
            await complete(wf, "zjj-liaison", "report", {"report_type": "completion", "content": "已补充验收材料"})
            await complete(wf, "office", "review", {"decision": "accept"})

            titles = await eventually(lambda: inbox_titles(nt, "zjj-liaison"), lambda got: len(got) == 4)
            assert titles == [f"【督办交办】{code} 推进老旧小区改造", f"【到期提醒】{code} 签收将于2026年3月3日到期",
                              f"【退回重办】{code} 推进老旧小区改造", f"【已办结】{code} 推进老旧小区改造"]
            assert await inbox_titles(nt, "tiedong-liaison") == [f"【督办协办】{code} 推进老旧小区改造"]
            # the office and the leader hear of their own tasks (待办提醒); the unit's tasks are
            # not told again (item.assigned and report.returned already told the liaison)
            assert await inbox_titles(nt, "leader") == [f"【待办提醒】审批立项 {code} 推进老旧小区改造"]
            assert await inbox_titles(nt, "office") == [f"【待办提醒】审核报告 {code} 推进老旧小区改造"] * 2
            approve = (await nt.get("/inbox", headers=auth("leader"))).json()["items"][0]
            assert approve["link"].startswith("https://duban.example.gov.cn/tasks/")
            for bystander in ("mayor", "secretary-general", "zjj-head", "tiexi-liaison"):
                assert await inbox_titles(nt, bystander) == []
            returned = (await nt.get("/inbox", headers=auth("zjj-liaison"))).json()["items"][1]
            assert "缺少验收材料" in returned["text"] and returned["link"] == link

            mails = await eventually(lambda: _value(mailbox.mails), lambda got: len(got) == 4)
            assert [m["Subject"] for m in mails] == titles
            assert all(m["To"] == "zjj-liaison@example.gov.cn" and link in m.get_content() for m in mails)
            failed = (await nt.get("/deliveries", params={"status": "failed"}, headers=auth("office"))).json()
            assert failed["items"] == []


async def _value(value: Any) -> Any:
    return value
