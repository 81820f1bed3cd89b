"""The worked example of workflows/README.md, run as the designer's guide writes it: its form
files, its edits of reporting.bpmn, ``duban bpmn check``, its curl commands (run by bash, the
requests they make sent to the service in process). New items follow the new version, running
ones keep theirs, and one moves to it after a dry run."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from shared.calendar import load_calendar
from shared.clock import CHINA
from tests.support.services import REPO, auth, serving
from tests.support.workflow_client import ITEM, complete

GUIDE = REPO / "workflows" / "README.md"
STEP = re.compile(r"<!-- example: (file|edit|deploy|migrate) ?(\S*) -->\n((?:```\w*\n.*?\n```\n\s*){1,2})", re.S)
BLOCK = re.compile(r"```\w*\n(.*?)\n```", re.S)


def guide_steps() -> list[tuple[str, str, list[str]]]:
    """(what, file, code blocks) for each example step of the guide, in order."""
    return [(m.group(1), m.group(2), BLOCK.findall(m.group(3))) for m in STEP.finditer(GUIDE.read_text("utf-8"))]


FAKE_CURL = """#!{python}
import json, os, sys
args, request = sys.argv[1:], {{"headers": []}}
while args:
    arg = args.pop(0)
    if arg == "-X":
        request["method"] = args.pop(0)
    elif arg == "-H":
        request["headers"].append(args.pop(0))
    elif arg in ("-d", "--data-binary"):
        data = args.pop(0)
        request["body"] = sys.stdin.read() if data == "@-" else data
    elif not arg.startswith("-"):
        request["url"] = arg
with open(os.environ["CURL_LOG"], "a") as log:
    log.write(json.dumps(request) + "\\n")
"""


def designer_checkout(root: Path) -> dict[str, list[str]]:
    """The repository's workflows with the guide's files and edits applied; the guide's commands by step."""
    shutil.copytree(REPO / "workflows", root / "workflows", ignore=shutil.ignore_patterns("README.md"))
    commands: dict[str, list[str]] = {"deploy": [], "migrate": []}
    for what, name, blocks in guide_steps():
        if what == "file":
            (root / "workflows" / name).write_text(blocks[0] + "\n", encoding="utf-8")
        elif what == "edit":
            path = root / "workflows" / name
            text = path.read_text(encoding="utf-8")
            old, new = blocks
            assert text.count(old) == 1, f"the guide's edit does not match {name} once: {old!r}"
            path.write_text(text.replace(old, new), encoding="utf-8")
        else:
            commands[what] += blocks
    assert len(commands["deploy"]) == 1 and len(commands["migrate"]) == 2, commands
    return commands


def run_curl(command: str, root: Path, **env: str) -> list[dict[str, Any]]:
    """The guide's command, run by bash as written, with a ``curl`` that records each request
    it is asked to make (to be sent to the service in process)."""
    bin_dir, log = root / "bin", root / "curl.log"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "curl").write_text(FAKE_CURL.format(python=sys.executable))
    (bin_dir / "curl").chmod(0o755)
    log.write_text("")
    subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=root, check=True, env={
        "PATH": f"{bin_dir}:{Path(sys.executable).parent}:/usr/bin:/bin", "DUBAN": "http://duban.test:8001",
        "TOKEN": "admin-token", "CURL_LOG": str(log), **env})
    return [json.loads(line) for line in log.read_text().splitlines()]


async def send(client: httpx.AsyncClient, request: dict[str, Any]) -> httpx.Response:
    """A recorded request, sent to the service with a real admin token in place of ``$TOKEN``'s."""
    assert request["url"].startswith("http://duban.test:8001/") and request["method"] == "POST", request
    assert "Authorization: Bearer admin-token" in request["headers"], request
    headers = dict(h.split(": ", 1) for h in request["headers"] if not h.startswith("Authorization"))
    return await client.post(request["url"].removeprefix("http://duban.test:8001"), content=request["body"].encode(),
                             headers={**headers, **auth("admin")})


async def task_of(client: httpx.AsyncClient, user: str, kind: str, item: dict[str, Any]) -> dict[str, Any]:
    tasks = (await client.get("/tasks", headers=auth(user))).json()["items"]
    [task] = [t for t in tasks if t["kind"] == kind and t["item_id"] == item["id"]]
    return task


async def finish(client: httpx.AsyncClient, user: str, kind: str, item: dict[str, Any],
                 data: dict[str, Any]) -> dict[str, Any]:
    """Complete the item's task of this kind; the task as it was listed."""
    task = await task_of(client, user, kind, item)
    answer = await complete(client, user, task, data)
    assert answer.status_code == 200, answer.text
    return task


async def to_report(client: httpx.AsyncClient, item: dict[str, Any]) -> None:
    await finish(client, "leader", "approve_item", item, {"decision": "approve"})
    await finish(client, "zjj-liaison", "sign", item, {})


async def state_of(client: httpx.AsyncClient, item: dict[str, Any]) -> dict[str, Any]:
    return (await client.get(f"/items/{item['id']}/state", headers=auth("office"))).json()


async def test_the_worked_example_deploys_new_items_follow_it_and_a_running_one_moves(
        make_workflow_app: Callable[..., Any], tmp_path: Path) -> None:
    root = tmp_path / "designer"
    root.mkdir()
    commands = designer_checkout(root)
    duban = Path(sys.executable).parent / "duban"
    checked = subprocess.run([str(duban), "bpmn", "check", *sorted(str(p.relative_to(root)) for p in
                                                                 (root / "workflows").glob("*.bpmn"))],
                             capture_output=True, text=True, cwd=root)
    assert checked.returncode == 0, checked.stderr
    assert "OK workflows/reporting.bpmn" in checked.stdout
    [deploy] = run_curl(commands["deploy"][0], root)
    assert json.loads(deploy["body"])["files"].keys() == {"reporting.bpmn", "forms/leader_comment.schema.json",
                                                          "forms/leader_comment.uischema.json"}

    calendar = load_calendar(None)
    async with serving(make_workflow_app(REPO / "workflows")) as client:
        old = (await client.post("/items", json=ITEM, headers=auth("office"))).json()
        deployed = await send(client, deploy)
        assert deployed.status_code == 201, deployed.text
        assert deployed.json()["version"] == 2 and deployed.json()["active"]

        # the running item keeps version 1: the old review name, no leader's step
        await to_report(client, old)
        await finish(client, "zjj-liaison", "report", old, {"report_type": "progress", "content": "第一阶段完成"})
        assert (await finish(client, "office", "review", old, {"decision": "accept"}))["name"] == "审核报告"
        assert (await client.get("/tasks", headers=auth("leader"))).json()["items"] == []
        assert (await state_of(client, old))["version"] == 1
        waiting = await task_of(client, "zjj-liaison", "report", old)  # its next round

        # a new item runs version 2: the reminder two working days before, the renamed review, the leader's step
        new = (await client.post("/items", json=ITEM, headers=auth("office"))).json()
        await to_report(client, new)
        state = await state_of(client, new)
        due = dt.date.fromisoformat((await client.get(f"/items/{new['id']}", headers=auth("office"))).json()["due_date"])
        assert state["version"] == 2 and dt.datetime.fromisoformat(state["next_timer_at"]) == dt.datetime.combine(
            calendar.add_working_days(due, -2).date, dt.time(9), CHINA)
        await finish(client, "zjj-liaison", "report", new, {"report_type": "progress", "content": "第一阶段完成"})
        assert (await finish(client, "office", "review", new, {"decision": "accept"}))["name"] == "督察室审核报告"
        leader_task = await task_of(client, "leader", "leader_comment", new)
        assert leader_task["name"] == "领导阅批"
        assert leader_task["form"]["title"] == "领导批示" and leader_task["form"]["required"] == ["comment"]
        assert leader_task["form_ui"]["comment"] == {"ui:widget": "textarea"}
        assert [t for t in (await client.get("/tasks", headers=auth("zjj-liaison"))).json()["items"]
                if t["item_id"] == new["id"]] == []  # the item waits for the leader
        refused = await complete(client, "leader", leader_task, {"comment": "  "})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["data", "comment"]
        await finish(client, "leader", "leader_comment", new, {"comment": "请抓紧推进"})
        await task_of(client, "zjj-liaison", "report", new)  # the item went on: the next round
        assert (await state_of(client, new))["history"][-1]["data"] == {"comment": "请抓紧推进", "follow_up": False}

        # step 6: the item registered before moves to version 2, after a dry run
        dry_run, move = [request for command in commands["migrate"]
                         for request in run_curl(command, root, ITEM=old["id"])]
        planned = await send(client, dry_run)
        assert planned.status_code == 200, planned.text
        assert planned.json()["allowed"] and not planned.json()["migrated"]
        [instance] = planned.json()["instances"]
        reporting = next(p for p in instance["processes"] if p["process"] == "reporting")
        assert [(e["bpmn_id"], e["name"]) for e in reporting["added"]] == [("Task_leader_comment", "领导阅批")]
        assert {(e["bpmn_id"], e["name"]) for e in reporting["changed"]} >= {
            ("Task_review", "督察室审核报告"), ("Script_arm_deadline", "设定报告时限"),
            ("Event_report_reminder", "到期前两个工作日")}
        assert [(a["bpmn_id"], a["survives"]) for a in instance["active"] if a["state"] == "ready"] == [
            ("Task_report", True)]
        assert (await state_of(client, old))["version"] == 1  # the dry run stored nothing
        moved = await send(client, move)
        assert moved.status_code == 200 and moved.json()["migrated"], moved.text
        assert (await state_of(client, old))["version"] == 2
        assert (await task_of(client, "zjj-liaison", "report", old))["id"] == waiting["id"]
        await finish(client, "zjj-liaison", "report", old, {"report_type": "progress", "content": "第二阶段完成"})
        assert (await finish(client, "office", "review", old, {"decision": "accept"}))["name"] == "督察室审核报告"
        await task_of(client, "leader", "leader_comment", old)


async def test_a_deployed_form_can_be_removed_only_with_the_tasks_that_use_it(
        make_workflow_app: Callable[..., Any], tmp_path: Path) -> None:
    root = tmp_path / "designer"
    root.mkdir()
    [deploy] = run_curl(designer_checkout(root)["deploy"][0], root)
    admin = auth("admin")
    async with serving(make_workflow_app(REPO / "workflows")) as client:
        assert (await send(client, deploy)).status_code == 201
        refused = await client.delete("/definitions/files/forms/leader_comment.schema.json", headers=admin)
        assert refused.status_code == 422
        assert "names form 'leader_comment', which is not among the forms" in refused.text
        removed = await client.delete("/definitions/files/forms/leader_comment.uischema.json", headers=admin)
        assert removed.status_code == 422 and "formUiSchemaFilename" in removed.text  # the task still names it
        original = (REPO / "workflows" / "reporting.bpmn").read_text(encoding="utf-8")
        back = await client.post("/definitions", headers=admin, json={
            "files": {"reporting.bpmn": original},
            "remove": ["forms/leader_comment.schema.json", "forms/leader_comment.uischema.json"]})
        assert back.status_code == 201, back.text
        assert back.json()["version"] == 1 and back.json()["active"]  # the same set as the first: rolled back
