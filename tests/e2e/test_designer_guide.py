"""The worked example of workflows/README.md, run as the designer's guide writes it: its form
files, its edits of reporting.bpmn, ``duban bpmn check``, its deploy command (the JSON body it
builds, posted to the service); then new items follow the new version and running ones keep theirs."""

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
from tests.support.workflow_client import ITEM, complete, do, the_task

GUIDE = REPO / "workflows" / "README.md"
STEP = re.compile(r"<!-- example: (file|edit|deploy) ?(\S*) -->\n((?:```\w*\n.*?\n```\n\s*){1,2})", re.S)
BLOCK = re.compile(r"```\w*\n(.*?)\n```", re.S)


def guide_steps() -> list[tuple[str, str, list[str]]]:
    """(what, file, code blocks) for each example step of the guide, in order."""
    return [(m.group(1), m.group(2), BLOCK.findall(m.group(3))) for m in STEP.finditer(GUIDE.read_text("utf-8"))]


def designer_checkout(root: Path) -> bytes:
    """The repository's workflows with the guide's files and edits applied; the deploy body its command prints."""
    shutil.copytree(REPO / "workflows", root / "workflows", ignore=shutil.ignore_patterns("README.md"))
    deploy = None
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
            deploy = blocks[0]
    assert deploy is not None, "the guide has no deploy step"
    return run_deploy(deploy, root)


def run_deploy(command: str, root: Path) -> bytes:
    """The guide's deploy command, run by bash as written, with a ``curl`` that keeps its body
    (and checks it was asked to post it to the service with the admin's token)."""
    bin_dir = root / "bin"
    bin_dir.mkdir()
    (bin_dir / "curl").write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$CURL_ARGS"\ncat > "$CURL_BODY"\n')
    (bin_dir / "curl").chmod(0o755)
    env = {"PATH": f"{bin_dir}:{Path(sys.executable).parent}:/usr/bin:/bin", "DUBAN": "http://duban.test:8001", "TOKEN": "admin-token",
           "CURL_ARGS": str(root / "curl.args"), "CURL_BODY": str(root / "curl.body")}
    subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=root, env=env, check=True)
    args = (root / "curl.args").read_text().splitlines()
    assert "http://duban.test:8001/definitions" in args and "Authorization: Bearer admin-token" in args, args
    return (root / "curl.body").read_bytes()


async def to_review_accepted(client: httpx.AsyncClient, item_id: str) -> None:
    """Approve, sign, report and accept the report of the one item in flight."""
    await do(client, "leader", "approve_item", {"decision": "approve"})
    await do(client, "zjj-liaison", "sign", {})
    await do(client, "zjj-liaison", "report", {"report_type": "progress", "content": "第一阶段完成"})
    review = await the_task(client, "office", "review")
    assert review["item_id"] == item_id
    assert (await complete(client, "office", review, {"decision": "accept"})).status_code == 200


async def reminder_of(client: httpx.AsyncClient, item_id: str) -> tuple[dt.datetime, dt.date]:
    """The item's next timer (the report reminder) and its deadline."""
    state = (await client.get(f"/items/{item_id}/state", headers=auth("office"))).json()
    due = (await client.get(f"/items/{item_id}", headers=auth("office"))).json()["due_date"]
    return dt.datetime.fromisoformat(state["next_timer_at"]), dt.date.fromisoformat(due)


async def test_the_worked_example_deploys_and_new_items_follow_it(
        make_workflow_app: Callable[..., Any], tmp_path: Path) -> None:
    root = tmp_path / "designer"
    root.mkdir()
    body = designer_checkout(root)
    duban = Path(sys.executable).parent / "duban"
    checked = subprocess.run([str(duban), "bpmn", "check", *sorted(str(p.relative_to(root)) for p in
                                                                 (root / "workflows").glob("*.bpmn"))],
                             capture_output=True, text=True, cwd=root)
    assert checked.returncode == 0, checked.stderr
    assert "OK workflows/reporting.bpmn" in checked.stdout

    calendar = load_calendar(None)
    async with serving(make_workflow_app(REPO / "workflows")) as client:
        old = (await client.post("/items", json=ITEM, headers=auth("office"))).json()
        deployed = await client.post("/definitions", content=body, headers={
            **auth("admin"), "Content-Type": "application/json"})
        assert deployed.status_code == 201, deployed.text
        assert deployed.json()["version"] == 2 and deployed.json()["active"]
        assert {"forms/leader_comment.schema.json", "forms/leader_comment.uischema.json"} <= set(
            deployed.json()["files"])
        assert json.loads(body)["files"].keys() == {"reporting.bpmn", "forms/leader_comment.schema.json",
                                                    "forms/leader_comment.uischema.json"}

        # the running item keeps version 1: its old review name, no leader's step, the old reminder
        await to_review_accepted(client, old["id"])
        assert (await client.get(f"/items/{old['id']}/state", headers=auth("office"))).json()["version"] == 1
        assert [t["kind"] for t in (await client.get("/tasks", headers=auth("leader"))).json()["items"]] == []
        report = await the_task(client, "zjj-liaison", "report")  # the next round at once
        assert (await complete(client, "zjj-liaison", report, {"report_type": "completion", "content": "完成"})
                ).status_code == 200
        assert (await the_task(client, "office", "review"))["name"] == "审核报告"
        await do(client, "office", "review", {"decision": "accept"})  # closes it (not major, no revisit)

        new = (await client.post("/items", json=ITEM, headers=auth("office"))).json()
        await do(client, "leader", "approve_item", {"decision": "approve"})
        await do(client, "zjj-liaison", "sign", {})
        remind_at, due = await reminder_of(client, new["id"])
        assert remind_at == dt.datetime.combine(calendar.add_working_days(due, -2).date, dt.time(9), CHINA)
        await do(client, "zjj-liaison", "report", {"report_type": "progress", "content": "第一阶段完成"})
        review = await the_task(client, "office", "review")
        assert review["name"] == "督察室审核报告"
        assert (await complete(client, "office", review, {"decision": "accept"})).status_code == 200

        leader_task = await the_task(client, "leader", "leader_comment")
        assert leader_task["item_id"] == new["id"] and leader_task["name"] == "领导阅批"
        assert leader_task["form"]["title"] == "领导批示" and leader_task["form"]["required"] == ["comment"]
        assert leader_task["form_ui"]["comment"] == {"ui:widget": "textarea"}
        assert [t["kind"] for t in (await client.get("/tasks", headers=auth("zjj-liaison"))).json()["items"]] == []
        refused = await complete(client, "leader", leader_task, {"comment": "  "})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["data", "comment"]
        assert (await complete(client, "leader", leader_task, {"comment": "请抓紧推进"})).status_code == 200
        await the_task(client, "zjj-liaison", "report")  # the item went on: the next round
        history = (await client.get(f"/items/{new['id']}/state", headers=auth("office"))).json()["history"]
        assert history[-1]["kind"] == "leader_comment"
        assert history[-1]["data"] == {"comment": "请抓紧推进", "follow_up": False}


async def test_a_deployed_form_can_be_removed_only_with_the_tasks_that_use_it(
        make_workflow_app: Callable[..., Any], tmp_path: Path) -> None:
    root = tmp_path / "designer"
    root.mkdir()
    body = designer_checkout(root)
    admin = auth("admin")
    async with serving(make_workflow_app(REPO / "workflows")) as client:
        assert (await client.post("/definitions", content=body, headers={
            **admin, "Content-Type": "application/json"})).status_code == 201
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
