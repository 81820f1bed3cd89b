"""The driver of ``bench/platform_lifecycle.py``: clients acting through HTTP as the office,
the leader and the lead unit's liaison, and a watcher per closed item polling the ledger."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from workflow_lifecycle import ITEM, STEPS


@dataclass
class Figures:
    tasks: list[float] = field(default_factory=list)  # GET /tasks seconds
    complete: list[float] = field(default_factory=list)  # POST /tasks/{id}/complete seconds
    register: list[float] = field(default_factory=list)
    lag: list[float] = field(default_factory=list)  # closing call returned -> ledger GET says closed
    closed_at: dict[str, float] = field(default_factory=dict)  # item id -> time.time() of the closing return
    polls: int = 0
    not_listed: int = 0  # GET /tasks did not list the next task yet (asked again)
    errors: list[str] = field(default_factory=list)
    watchers: list[asyncio.Task[None]] = field(default_factory=list)


class Driver:
    """``think``: mean seconds a client pauses before each action (registering, completing a
    task), drawn from an exponential distribution (seeded): people at their desks rather than
    clients that ask again the moment they are answered. 0: no pause (a closed loop, which
    keeps the platform saturated and measures its throughput)."""

    def __init__(self, client: httpx.AsyncClient, urls: dict[str, str], tokens: dict[str, str],
                 think: float = 0.0, seed: int = 1) -> None:
        self.client, self.urls, self.tokens = client, urls, tokens
        self.think, self._random = think, random.Random(seed)

    async def _pause(self) -> None:
        if self.think:
            await asyncio.sleep(self._random.expovariate(1 / self.think))

    def _auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    async def _call(self, method: str, url: str, user: str, timings: list[float] | None = None,
                    **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        response = await self.client.request(method, url, headers=self._auth(user), **kwargs)
        if timings is not None:
            timings.append(time.perf_counter() - started)
        return response

    async def lifecycle(self, f: Figures) -> None:
        wf = self.urls["workflow"]
        await self._pause()
        response = await self._call("POST", f"{wf}/items", "office", f.register, json=ITEM)
        response.raise_for_status()
        item_id = response.json()["id"]
        for kind, actor, form in STEPS:
            await self._pause()
            task_id = await self._find_task(f, actor, item_id, kind)
            done = await self._call("POST", f"{wf}/tasks/{task_id}/complete", actor, f.complete, json={"data": form})
            done.raise_for_status()
        returned = time.perf_counter()
        f.closed_at[item_id] = time.time()
        f.watchers.append(asyncio.create_task(self._watch(f, item_id, returned)))

    async def _find_task(self, f: Figures, actor: str, item_id: str, kind: str) -> str:
        for _ in range(500):
            response = await self._call("GET", f"{self.urls['workflow']}/tasks", actor, f.tasks)
            response.raise_for_status()
            for task in response.json()["items"]:
                if task["item_id"] == item_id and task["kind"] == kind:
                    return str(task["id"])
            f.not_listed += 1
            await asyncio.sleep(0.01)
        raise RuntimeError(f"{kind} of {item_id} never listed for {actor}")

    async def _watch(self, f: Figures, item_id: str, returned: float) -> None:
        wait, url = 0.01, f"{self.urls['ledger']}/items/{item_id}"
        while time.perf_counter() - returned < 300:
            try:
                response = await self._call("GET", url, "office")
            except httpx.TransportError as error:  # e.g. a keep-alive connection the server just closed
                f.errors.append(f"ledger poll: {error!r}")
                continue
            f.polls += 1
            if response.status_code == 200 and response.json()["status"] == "closed":
                f.lag.append(time.perf_counter() - returned)
                return
            await asyncio.sleep(wait)
            wait = min(wait * 1.25, 1.0)
        f.errors.append(f"ledger never showed {item_id} closed")

    async def client_loop(self, f: Figures, lifecycles: int) -> None:
        for _ in range(lifecycles):
            try:
                await self.lifecycle(f)
            except Exception as error:  # counted and shown; the run goes on
                f.errors.append(repr(error))
