"""A published bulletin's document for the public (no token): rendered once after publication and
stored, served only for published bulletins, rendered again at start when it is missing."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import docx
from sqlalchemy import delete, select

from services.reporting.adapters import tables
from services.reporting.app import create_app as reporting_app
from services.reporting.config import ReportingSettings
from shared.bus.topology import Topology
from shared.clock import SettableClock
from shared.contracts.accountability_events import BulletinApproved
from shared.storage.database import create_engine
from tests.e2e.test_ledger_api import consumed, publish_all
from tests.e2e.test_reporting_bulletins import MONDAY, draft, march
from tests.support.eventually import eventually
from tests.support.services import REPO, auth, runtime_for, serving, settings_for


def settings(nats_url: str, database_url: str, topology: Topology, tmp_path: Path) -> ReportingSettings:
    return settings_for(ReportingSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                        data_dir=tmp_path, bulletin_rules_file=REPO / "deploy" / "bulletin_rules.yaml",
                        document_sweep_seconds=3600)  # render_pdf False: the tests' default


async def stored(database_url: str, bulletin_id: str) -> list[Any]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            d = tables.documents
            return list((await connection.execute(select(d.c.rendered_at).where(
                d.c.bulletin_id == uuid.UUID(bulletin_id)))).scalars())
    finally:
        await engine.dispose()


async def test_only_a_published_bulletins_document_is_public_and_a_missing_one_is_rendered_at_start(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path) -> None:
    config, clock = settings(nats_url, database_url, topology, tmp_path), SettableClock(MONDAY)
    await publish_all(nats_url, topology, march(), concurrency=1)
    async with serving(reporting_app(config, deps=runtime_for(config, clock))) as reporting:
        await consumed(nats_url, topology, durable="reporting")
        bulletin = await draft(reporting)
        public = f"/public/bulletins/{bulletin['id']}/document"
        for suffix in (".docx", ".pdf"):  # a draft is nobody's business outside the office
            answer = await reporting.get(public + suffix)
            assert answer.status_code == 404 and answer.json()["detail"], answer.text
        assert (await reporting.get(f"/public/bulletins/{bulletin['id']}/document.doc")).status_code == 404
        assert (await reporting.get("/public/bulletins/x/document.docx")).status_code == 422
        assert (await reporting.post(f"/bulletins/{bulletin['id']}/submit", headers=auth("office"))).status_code == 200
        await publish_all(nats_url, topology, [BulletinApproved(occurred_at=MONDAY, actor="leader",
                                                                bulletin_id=uuid.UUID(bulletin["id"]))])
        got = await eventually(lambda: reporting.get(public + ".docx"), lambda answer: answer.status_code == 200)
        assert got.headers["content-disposition"].startswith("attachment;")
        paragraphs = [p.text for p in docx.Document(io.BytesIO(got.content)).paragraphs]
        assert bulletin["number"] in paragraphs
        pdf = await reporting.get(public + ".pdf")
        assert pdf.status_code == 503 and "PDF unavailable" in pdf.json()["detail"] and "render_pdf" in pdf.text
        [first] = await stored(database_url, bulletin["id"])
        again = await reporting.get(public + ".docx")
        assert again.content == got.content  # stored once, not rendered per request
        assert await stored(database_url, bulletin["id"]) == [first]

    engine = create_engine(database_url)  # the document lost (say the service stopped before storing it)
    async with engine.begin() as connection:
        await connection.execute(delete(tables.documents))
    await engine.dispose()
    clock.advance(MONDAY - MONDAY.replace(hour=9))
    async with serving(reporting_app(config, deps=runtime_for(config, clock))) as reporting:
        got = await eventually(lambda: reporting.get(public + ".docx"), lambda answer: answer.status_code == 200)
        assert bulletin["number"] in [p.text for p in docx.Document(io.BytesIO(got.content)).paragraphs]
        [second] = await stored(database_url, bulletin["id"])
        assert second > first
