"""``duban run --simulated-clock``: the four services on one shared clock that ``duban clock`` moves.

An item is assigned and signed on Monday 2026-03-02 (due Monday 03-09); ``duban clock advance 10wd``
moves the whole platform past its deadline and the ledger shows it red, with the overdue
notice the workflow's timer fired, without anything waiting for business time to pass.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx

from tests.support.duban_run import BIN, Tokens, free_port_block, polled, read_until, register_and_approve
from tests.support.services import REPO


def test_duban_clock_advance_moves_the_whole_platform_past_a_deadline(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DUBAN_") and k not in ("NATS_URL", "DATABASE_URL")}
    env.update(DUBAN_DATA_DIR=str(tmp_path / "var"), DUBAN_CALENDAR_DIR=str(tmp_path / "var" / "calendar"),
               DUBAN_ORG_FILE=str(REPO / "deploy" / "org.example.yaml"),
               DUBAN_WORKFLOW_WORKFLOWS_DIR=str(REPO / "workflows"), PYTHONUNBUFFERED="1")
    base = free_port_block()
    output, log = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with output.open("wb") as sink:
        process = subprocess.Popen([str(BIN / "duban"), "run", "--base-port", str(base), "--simulated-clock",
                                    "--clock-start", "2026-03-02T09:30+08:00"], cwd=tmp_path, env=env,
                                   stdout=sink, stderr=log.open("wb"))

    def clock(*argv: str) -> str:
        done = subprocess.run([str(BIN / "duban"), "clock", *argv], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout

    try:
        read_until(process, output, "Press Ctrl-C to stop.", timeout=90)
        assert "simulated clock: 2026-03-02 09:30:00 Monday (Beijing time)" in log.read_text()
        workflow, ledger = f"http://127.0.0.1:{base}", f"http://127.0.0.1:{base + 1}"
        tokens = Tokens(env, tmp_path)
        register_and_approve(workflow, tokens, "整治城区道路积水点")
        [row] = polled(lambda: httpx.get(f"{ledger}/items", headers=tokens("office"), timeout=5).json()["items"],
                       "the item did not reach the ledger")
        assert (row["due_date"], row["light"]) == ("2026-03-09", "green")
        [sign] = polled(lambda: [t for t in httpx.get(f"{workflow}/tasks", headers=tokens("zjj-liaison"),
                                                      timeout=5).json()["items"] if t["kind"] == "sign"],
                        "the lead unit got no task to sign")
        signed = httpx.post(f"{workflow}/tasks/{sign['id']}/complete", json={"data": {}},
                            headers=tokens("zjj-liaison"), timeout=10)
        assert signed.status_code == 200, signed.text

        assert "2026-03-16 09:30:00 Monday (Beijing time)" in clock("advance", "10wd")
        found = polled(lambda: [r for r in httpx.get(f"{ledger}/items/{row['id']}", headers=tokens("office"),
                                                     timeout=5).json()["timeline"] if r["kind"] == "deadline.overdue"],
                       "the workflow's timer did not fire after the jump")
        assert found[0]["time"] == "2026-03-16T01:30:00Z"  # when the platform's clock says it fired
        item = httpx.get(f"{ledger}/items/{row['id']}", headers=tokens("office"), timeout=5).json()
        assert (item["light"], item["overdue_days"]) == ("red", 5)
        assert "2026-03-16 09:30:00 Monday" in clock("show")
        server_log = (tmp_path / "var" / "nats" / "nats-server.log").read_text()
        assert "Permissions Violation" not in server_log  # each service followed the clock under its own user
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
    assert code == 0
