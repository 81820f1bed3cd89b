"""Attachments over HTTP with the real processes, real NATS and each database: a unit
uploads a file, names it in its report, and those who see the item download it; another
unit cannot. Uploads are streamed: past the limit is 413, an executable 415."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.workflow.adapters import tables
from services.workflow.entrypoints.attachments import content_disposition
from shared.clock import SettableClock
from tests.support.object_store import ACCESS_KEY, REGION, SECRET_KEY, s3_server
from tests.support.services import REPO, auth, serving
from tests.support.workflow_client import ITEM, complete, do, the_task

WORKFLOWS = REPO / "workflows"
LIMIT = 200_000
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) * 400 + b"\n%%EOF\n"
EXE = b"MZ\x90\x00\x03" + b"\x00" * 4000


@pytest.fixture
def app(make_workflow_app: Callable[..., Any]) -> Any:
    return make_workflow_app(WORKFLOWS, attachment_max_bytes=LIMIT)


async def upload(client: httpx.AsyncClient, user: str, content: bytes, name: str = "验收报告 2026.pdf",
                 content_type: str = "application/octet-stream") -> httpx.Response:
    return await client.post("/attachments", files={"file": (name, content, content_type)}, headers=auth(user))


async def to_report(client: httpx.AsyncClient) -> tuple[str, dict[str, Any]]:
    item = (await client.post("/items", json=ITEM, headers=auth("office"))).json()
    await do(client, "leader", "approve_item", {"decision": "approve"})
    await do(client, "zjj-liaison", "sign", {"comment": "已签收"})
    return item["id"], await the_task(client, "zjj-liaison", "report")


def stored_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


async def test_a_report_carries_a_file_another_unit_cannot_download(app: Any, tmp_path: Path) -> None:
    async with serving(app) as client:
        item_id, report = await to_report(client)
        uploaded = await upload(client, "zjj-liaison", PDF, content_type="text/html")  # the content decides
        assert uploaded.status_code == 201, uploaded.text
        attachment = uploaded.json()
        assert attachment == {"id": attachment["id"], "name": "验收报告 2026.pdf", "size": len(PDF),
                              "sha256": hashlib.sha256(PDF).hexdigest(), "media_type": "application/pdf"}
        path = f"/attachments/{attachment['id']}"
        assert (await client.get(path, headers=auth("zjj-liaison"))).status_code == 200  # the uploader, unbound
        for someone in ("zjj-head", "office", "tiedong-liaison", "tiexi-liaison"):  # nobody else yet
            assert (await client.get(path, headers=auth(someone))).status_code == 404, someone

        done = await complete(client, "zjj-liaison", report, {"report_type": "completion", "content": "已完成",
                                                              "attachments": [attachment["id"]]})
        assert done.status_code == 200, done.text
        for someone in ("zjj-liaison", "zjj-head", "office", "leader", "tiedong-liaison"):  # who sees the item
            got = await client.get(path, headers=auth(someone))
            assert got.status_code == 200, someone
            assert got.content == PDF and hashlib.sha256(got.content).hexdigest() == attachment["sha256"]
            assert got.headers["content-type"] == "application/pdf"
            assert got.headers["x-content-type-options"] == "nosniff"
            assert got.headers["content-disposition"] == content_disposition("验收报告 2026.pdf")
        other = await client.get(path, headers=auth("tiexi-liaison"))
        assert other.status_code == 404 and "not found" in other.json()["detail"]  # as for an id never given
        assert (await client.get(f"{path}/meta", headers=auth("tiexi-liaison"))).status_code == 404
        assert (await client.get(f"{path}/meta", headers=auth("office"))).json() == attachment
        assert (await client.get(f"/attachments/{uuid.uuid4()}", headers=auth("office"))).status_code == 404

        state = (await client.get(f"/items/{item_id}/state", headers=auth("office"))).json()
        assert state["history"][-1]["data"]["attachments"] == [attachment["id"]]
        listed = await client.get(f"/items/{item_id}/attachments", headers=auth("tiedong-liaison"))
        assert listed.status_code == 200
        [entry] = listed.json()["items"]
        assert {k: entry[k] for k in attachment} == attachment
        assert (entry["uploaded_by"], entry["uploader_unit"], entry["task_id"]) == ("zjj-liaison", "zjj", report["id"])
        assert (await client.get(f"/items/{item_id}/attachments", headers=auth("tiexi-liaison"))).status_code == 404
        [stored] = stored_files(tmp_path / "attachments")
        assert stored.read_bytes() == PDF and "验收" not in str(stored)  # a random key, not the name


async def test_refused_uploads_leave_nothing(app: Any, tmp_path: Path) -> None:
    async with serving(app) as client:
        big = await upload(client, "zjj-liaison", PDF + b"0" * LIMIT)
        assert big.status_code == 413 and "bytes" in big.json()["detail"]  # by its Content-Length, at once
        just_over = await upload(client, "zjj-liaison", PDF + b"0" * (LIMIT - len(PDF) + 1))
        assert just_over.status_code == 413 and just_over.json()["detail"] == f"the file is larger than {LIMIT} bytes"
        assert (await upload(client, "zjj-liaison", PDF + b"0" * (LIMIT - len(PDF)))).status_code == 201

        async def chunked() -> Any:  # no Content-Length: cut off while streaming
            yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n' + PDF
            for _ in range(10):
                yield b"0" * 50_000
            yield b"\r\n--b--\r\n"

        streamed = await client.post("/attachments", content=chunked(), headers={
            **auth("zjj-liaison"), "Content-Type": "multipart/form-data; boundary=b"})
        assert streamed.status_code == 413, streamed.text

        exe = await upload(client, "zjj-liaison", EXE, name="report.pdf")
        assert exe.status_code == 415 and "not accepted" in exe.json()["detail"]
        assert (await upload(client, "zjj-liaison", b"PK\x03\x04" + b"\x00" * 200, name="a.zip")).status_code == 415
        assert (await upload(client, "zjj-liaison", b"", name="a.pdf")).status_code == 415

        no_file = await client.post("/attachments", data={"note": "x"}, files={"other": ("a.pdf", PDF)},
                                    headers=auth("zjj-liaison"))
        assert no_file.status_code == 422 and no_file.json()["detail"][0]["loc"] == ["body", "file"]
        not_multipart = await client.post("/attachments", json={"file": "x"}, headers=auth("zjj-liaison"))
        assert not_multipart.status_code == 400
        cut = await client.post("/attachments", content=b'--b\r\nContent-Disposition: form-data; name="file"; '
                                b'filename="a.pdf"\r\n\r\n' + PDF, headers={
                                    **auth("zjj-liaison"), "Content-Type": "multipart/form-data; boundary=b"})
        assert cut.status_code == 400 and "ended" in cut.json()["detail"]
        garbage = await client.post("/attachments", content=b"\x00\xff" * 100, headers={
            **auth("zjj-liaison"), "Content-Type": "multipart/form-data; boundary=b"})
        assert garbage.status_code in (400, 422), garbage.text
        assert (await upload(client, "admin", PDF)).status_code == 403  # an admin takes no part in items
        assert (await client.post("/attachments", files={"file": ("a.pdf", PDF)})).status_code == 401

        txt = await upload(client, "zjj-liaison", "情况说明".encode(), name="说明.txt")
        assert txt.status_code == 201 and txt.json()["media_type"] == "text/plain; charset=utf-8"
        assert len(stored_files(tmp_path / "attachments")) == 2  # only the accepted ones
        async with app.state.service.db.connect() as connection:
            assert (await connection.execute(select(func.count()).select_from(tables.attachments))).scalar() == 2


async def test_a_form_names_only_its_unit_s_free_attachments(app: Any) -> None:
    async with serving(app) as client:
        item_id, report = await to_report(client)
        other_unit = (await upload(client, "tiexi-liaison", PDF)).json()["id"]
        own = (await upload(client, "zjj-head", PDF)).json()["id"]  # the unit's head uploaded it
        form = {"report_type": "progress", "content": "进展"}
        for attachments, loc, says in [
            (["验收报告.pdf"], ["data", "attachments", 0], "is not a 'attachment'"),
            ([str(uuid.uuid4())], ["data", "attachments", 0], "no such attachment"),
            ([own, other_unit], ["data", "attachments", 1], "no such attachment"),
        ]:
            refused = await complete(client, "zjj-liaison", report, {**form, "attachments": attachments})
            assert refused.status_code == 422, refused.text
            [problem] = refused.json()["detail"]
            assert problem["loc"] == loc and says in problem["msg"], problem
        assert (await the_task(client, "zjj-liaison", "report"))["id"] == report["id"]  # nothing changed
        assert (await client.get(f"/attachments/{own}", headers=auth("office"))).status_code == 404  # still unbound

        assert (await complete(client, "zjj-liaison", report, {**form, "attachments": [own]})).status_code == 200
        assert (await client.get(f"/attachments/{own}", headers=auth("office"))).status_code == 200
        assert (await client.get(f"/attachments/{own}", headers=auth("zjj-liaison"))).status_code == 200
        assert (await client.get(f"/attachments/{other_unit}", headers=auth("office"))).status_code == 404

        # a second item of the same unit cannot take the first one's file
        await client.post("/items", json=ITEM, headers=auth("office"))
        await do(client, "leader", "approve_item", {"decision": "approve"})
        await do(client, "zjj-liaison", "sign", {})
        second = [t for t in (await client.get("/tasks", headers=auth("zjj-liaison"))).json()["items"]
                  if t["kind"] == "report" and t["item_id"] != item_id][0]
        taken = await complete(client, "zjj-liaison", second, {**form, "attachments": [own]})
        assert taken.status_code == 422 and "another task" in taken.json()["detail"][0]["msg"]


async def test_an_upload_no_form_names_is_dropped_after_a_week(app: Any, clock: SettableClock,
                                                                tmp_path: Path) -> None:
    async with serving(app) as client:
        _, report = await to_report(client)
        named, unnamed = [(await upload(client, "zjj-liaison", PDF, name=f"{n}.pdf")).json() for n in ("甲", "乙")]
        answer = await complete(client, "zjj-liaison", report, {"report_type": "progress", "content": "进展",
                                                                "attachments": [named["id"]]})
        assert answer.status_code == 200, answer.text
        assert len(stored_files(tmp_path / "attachments")) == 2
        clock.advance(dt.timedelta(days=6))
        assert await app.state.attachments.drop_unbound() == 0  # still within the week
        clock.advance(dt.timedelta(days=2))
        assert await app.state.attachments.drop_unbound() == 1
        assert (await client.get(f"/attachments/{unnamed['id']}", headers=auth("zjj-liaison"))).status_code == 404
        assert (await client.get(f"/attachments/{named['id']}", headers=auth("zjj-liaison"))).content == PDF
        assert len(stored_files(tmp_path / "attachments")) == 1
        assert await app.state.attachments.drop_unbound() == 0


async def test_in_production_the_files_are_in_an_s3_bucket(make_workflow_app: Callable[..., Any],
                                                          tmp_path: Path) -> None:
    bucket = f"duban-{uuid.uuid4().hex[:12]}"  # moto's buckets outlive its server (one store per process)
    with s3_server() as endpoint:
        app = make_workflow_app(WORKFLOWS, blobs=f"s3://{bucket}", s3_endpoint=endpoint, s3_secure=False,
                                s3_access_key=ACCESS_KEY, s3_secret_key=SECRET_KEY, s3_region=REGION)
        async with serving(app) as client:  # the bucket is made at start
            _, report = await to_report(client)
            big = PDF * 30  # past one 64 KiB chunk
            attachment = (await upload(client, "zjj-liaison", big)).json()
            assert (await upload(client, "zjj-liaison", EXE, name="a.pdf")).status_code == 415
            assert (await complete(client, "zjj-liaison", report, {
                "report_type": "progress", "content": "进展", "attachments": [attachment["id"]]})).status_code == 200
            got = await client.get(f"/attachments/{attachment['id']}", headers=auth("tiedong-liaison"))
            assert got.status_code == 200 and got.content == big
            assert (await client.get(f"/attachments/{attachment['id']}", headers=auth("tiexi-liaison"))).status_code == 404
            client_of_store = app.state.attachments.blobs.client
            assert [o.size for o in client_of_store.list_objects(bucket, recursive=True)] == [len(big)]
        assert stored_files(tmp_path / "attachments") == []  # nothing on the local disk


def test_a_download_names_the_file_in_ascii_and_in_utf8() -> None:
    assert content_disposition('验收 "报告".pdf') == (
        "attachment; filename=\"__ ____.pdf\"; filename*=UTF-8''%E9%AA%8C%E6%94%B6%20%22%E6%8A%A5%E5%91%8A%22.pdf")
