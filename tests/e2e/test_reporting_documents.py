"""A bulletin's document over HTTP (``/bulletins/{id}/document.docx`` and ``.pdf``), fed through
real NATS: the .docx read back with python-docx, the visibility of ``GET /bulletins/{id}``, and
the PDF both where LibreOffice is installed and where it is not (503)."""

from __future__ import annotations

import io
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest

from services.ledger.app import create_app as ledger_app
from services.ledger.config import LedgerSettings
from services.reporting.app import create_app as reporting_app
from services.reporting.config import ReportingSettings
from services.reporting.entrypoints.bulletin_documents import DOCX, PDF
from shared.bus.topology import Topology
from shared.clock import SettableClock
from shared.contracts.accountability_events import BulletinApproved
from shared.web import content_disposition
from tests.e2e.test_reporting_bulletins import MONDAY, draft, fed, march
from tests.support.services import auth, runtime_for, serving, settings_for


@pytest.fixture
async def reporting(nats_url: str, database_url: str, topology: Topology,
                    tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    clock = SettableClock(MONDAY)
    common = {"nats_url": nats_url, "database_url": database_url, "topology": topology, "data_dir": tmp_path}
    ledger_settings = settings_for(LedgerSettings, **common)
    reporting_settings = settings_for(ReportingSettings, **common,
                                      bulletin_rules_file=Path(__file__).parents[2] / "deploy" / "bulletin_rules.yaml")
    async with (serving(ledger_app(ledger_settings, deps=runtime_for(ledger_settings, clock))),
                serving(reporting_app(reporting_settings, deps=runtime_for(reporting_settings, clock))) as client):
        yield client


def number_lines(document: Any) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == "Duban Number" and p.text]


async def test_the_docx_of_a_draft_for_the_office_and_404_for_a_unit(reporting: httpx.AsyncClient, nats_url: str,
                                                                      topology: Topology) -> None:
    await fed(nats_url, topology, march())
    bulletin = await draft(reporting)
    url = f"/bulletins/{bulletin['id']}/document.docx"
    got = await reporting.get(url, headers=auth("office"), timeout=120)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == DOCX
    assert got.headers["content-disposition"] == content_disposition("鞍政督通〔2026〕1号.docx")
    assert "filename*=UTF-8''%E9%9E%8D" in got.headers["content-disposition"]
    document = docx.Document(io.BytesIO(got.content))
    assert number_lines(document) == [bulletin["number"]] == ["鞍政督通〔2026〕1号"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "关于2026年3月份督办事项办理情况的通报" in text.replace("\n", "")
    assert "本期共交办督办事项5件" in text
    table = {cell.text for row in document.tables[0].rows for cell in row.cells}
    active = [r["unit_name"] for r in bulletin["figures"]["units"] if r["assigned"] or r["closed"]]
    assert active and set(active) <= table
    assert len(document.inline_shapes) == 1  # the on-time chart
    for unit in bulletin["figures"]["praised"] + bulletin["figures"]["criticised"]:
        assert unit["unit_name"] in text

    for path in (url, f"/bulletins/{bulletin['id']}/document.pdf"):
        assert (await reporting.get(path, headers=auth("tiedong-liaison"))).status_code == 404
    assert (await reporting.get("/bulletins/00000000-0000-0000-0000-000000000000/document.docx",
                                headers=auth("office"))).status_code == 404
    assert (await reporting.get("/bulletins/x/document.docx", headers=auth("office"))).status_code == 422

    assert (await reporting.post(f"/bulletins/{bulletin['id']}/submit", headers=auth("office"))).status_code == 200
    await fed(nats_url, topology, [BulletinApproved(occurred_at=MONDAY, actor="leader",  # its approval process
                                                    bulletin_id=uuid.UUID(bulletin["id"]), remarks="请对照整改")])
    seen = await reporting.get(url, headers=auth("tiedong-liaison"), timeout=120)
    assert seen.status_code == 200 and number_lines(docx.Document(io.BytesIO(seen.content))) == [bulletin["number"]]

    brief = await draft(reporting, "brief")
    got = await reporting.get(f"/bulletins/{brief['id']}/document.docx", headers=auth("office"), timeout=120)
    assert got.status_code == 200, got.text
    lines = number_lines(docx.Document(io.BytesIO(got.content)))
    assert len(lines) == 1 and lines[0].startswith("督查工作简报〔2026〕第1期")


async def test_the_pdf_where_libreoffice_is_and_503_where_it_is_not(reporting: httpx.AsyncClient, nats_url: str,
                                                                    topology: Topology,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    await fed(nats_url, topology, march())
    bulletin = await draft(reporting)
    url = f"/bulletins/{bulletin['id']}/document.pdf"
    got = await reporting.get(url, headers=auth("office"), timeout=180)
    if shutil.which("soffice") or shutil.which("libreoffice"):
        assert got.status_code == 200, got.text
        assert got.headers["content-type"] == PDF and got.content.startswith(b"%PDF")
        assert got.headers["content-disposition"] == content_disposition("鞍政督通〔2026〕1号.pdf")
    else:
        assert got.status_code == 503, got.text
    empty = tmp_path / "no-soffice"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no LibreOffice on this PATH
    refused = await reporting.get(url, headers=auth("office"), timeout=180)
    assert refused.status_code == 503, refused.text
    detail = refused.json()["detail"]
    assert "暂无法生成 PDF" in detail and "LibreOffice" in detail and "PDF unavailable" in detail
    assert (await reporting.get(url.replace(".pdf", ".docx"), headers=auth("office"))).status_code == 200
