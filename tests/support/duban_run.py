"""Running `duban run` from tests and benches: a free block of ports, its banner, tokens from
`duban token`, an item registered and approved over HTTP, and waiting on other processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx

from tests.support.workflow_client import ITEM

T = TypeVar("T")

BIN = Path(sys.executable).parent


def free_port_block(size: int = 4) -> int:
    for base in range(20000 + os.getpid() % 20000, 60000, 10):
        try:
            sockets = []
            for port in range(base, base + size):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free block of ports")


def read_until(process: subprocess.Popen[bytes], output: Path, marker: str, timeout: float) -> str:
    """Wait until the process has printed ``marker`` to its output file."""
    deadline = time.monotonic() + timeout
    while marker not in (seen := output.read_text()):
        if time.monotonic() > deadline or process.poll() is not None:
            raise AssertionError(f"{marker!r} not printed; output so far:\n{seen}")
        time.sleep(0.2)  # waiting on another process's output, not business time
    return seen


class Tokens:
    """Bearer headers from ``duban token`` (one process per user, then remembered)."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd, self.headers = env, cwd, dict[str, dict[str, str]]()

    def __call__(self, user: str) -> dict[str, str]:
        if user not in self.headers:
            token = subprocess.run([str(BIN / "duban"), "token", "--user", user], env=self.env, cwd=self.cwd,
                                   capture_output=True, text=True, check=True).stdout.strip()
            self.headers[user] = {"Authorization": f"Bearer {token}"}
        return self.headers[user]


def register_and_approve(workflow: str, tokens: Tokens, title: str) -> None:
    created = httpx.post(f"{workflow}/items", json={**ITEM, "title": title}, headers=tokens("office"), timeout=10)
    assert created.status_code == 201, created.text
    item_id = created.json()["id"]
    tasks = polled(lambda: [t for t in httpx.get(f"{workflow}/tasks", headers=tokens("leader"),
                                                  timeout=5).json()["items"] if t["item_id"] == item_id],
                   "the leader got no approval task")
    done = httpx.post(f"{workflow}/tasks/{tasks[0]['id']}/complete", json={"data": {"decision": "approve"}},
                      headers=tokens("leader"), timeout=10)
    assert done.status_code == 200, done.text


def polled(probe: Callable[[], T], failure: str, timeout: float = 30) -> T:
    """``probe()`` once it returns something truthy (other processes are working on it)."""
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        assert time.monotonic() < deadline, failure
        time.sleep(0.2)  # waiting on other processes, not business time
    return found
