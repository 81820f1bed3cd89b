"""Driving the workflow service over HTTP in tests, and reading what reached the bus."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import nats

from shared.bus.topology import Topology
from tests.support.services import auth

ITEM = {"title": "推进老旧小区改造", "description": "年度改造任务", "source": "work_report_target",
        "urgency": "normal", "lead_unit": "zjj", "co_units": ["tiedong"], "leader": "leader",
        "major": False, "public": False, "livelihood": False, "cadence": "none"}


async def the_task(client: httpx.AsyncClient, user: str, kind: str) -> dict[str, Any]:
    tasks = (await client.get("/tasks", headers=auth(user))).json()["items"]
    [task] = [t for t in tasks if t["kind"] == kind]
    return task


async def complete(client: httpx.AsyncClient, user: str, task: dict[str, Any], data: dict[str, Any]) -> httpx.Response:
    return await client.post(f"/tasks/{task['id']}/complete", json={"data": data}, headers=auth(user))


async def do(client: httpx.AsyncClient, user: str, kind: str, data: dict[str, Any]) -> None:
    """Complete the caller's one ready task of this kind, and insist it worked."""
    answer = await complete(client, user, await the_task(client, user, kind), data)
    assert answer.status_code == 200, answer.text


async def stream_messages(nats_url: str, topology: Topology) -> list[tuple[str, bytes]]:
    """Every event on the topology's events stream: (kind, payload), in stream order."""
    connection = await nats.connect(nats_url)
    js = connection.jetstream()
    info = await js.stream_info(topology.events_stream)
    found = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        message = await js.get_msg(topology.events_stream, seq)
        found.append((message.subject.split(".", 2)[2], message.data))
    await connection.close()
    return found


async def stream_subjects(nats_url: str, topology: Topology) -> Counter[str]:
    return Counter(kind for kind, _ in await stream_messages(nats_url, topology))
