"""The published bulletins' documents: rendered once after publication, stored (a database row,
so a second replica serves the same bytes), served to anyone without a token.

Publication never waits for the document nor fails with it: the reporting service's own
``bulletin.published`` comes back to its consumer after the publication committed and wakes the
renderer, which renders in a worker thread outside any transaction. At start, and every
``interval`` seconds, it renders whatever published bulletin still has no document (a crash, a
rendering that failed). Where LibreOffice is missing or fails, the row keeps the .docx and why
there is no PDF (the PDF route answers 503 with it)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters import document_store as store
from services.reporting.bulletin_service import BulletinService
from services.reporting.documents import PdfUnavailable, render_bulletin, to_pdf
from services.reporting.documents.from_figures import bulletin_doc
from shared.clock import CHINA
from shared.contracts.accountability_events import BulletinPublished
from shared.contracts.base import Message

log = logging.getLogger("duban.reporting")
PER_ROUND = 5  # documents rendered per round (a round answers "more" when it rendered that many)


class DocumentNotReady(LookupError):
    """A published bulletin whose document is being rendered (HTTP 503, Retry-After)."""

    retry_after = 30
    headers = {"Retry-After": str(retry_after)}

    def __init__(self, number: str) -> None:
        super().__init__(f"{number} 的文档正在生成，请稍后再试（document being rendered, retry later）")
        self.detail = str(self)


class StoredPdfUnavailable(PdfUnavailable):
    """The stored reason why a published bulletin has no PDF (HTTP 503)."""

    @property
    def detail(self) -> str:
        return f"暂无法提供 PDF（生成时本机未安装或无法运行 LibreOffice），请下载 .docx 版本。PDF unavailable: {self}"


class NoPublishedBulletin(LookupError):
    def __init__(self, bulletin_id: uuid.UUID) -> None:
        super().__init__(f"通报 {bulletin_id} 不存在或尚未发布")


def render_docx(bulletin: dict[str, Any], template: Path, *, office: str, today: dt.date) -> bytes:
    """A bulletin view (``BulletinService.get``) as .docx; dated on its publication (a draft: today)."""
    published = bulletin.get("published_at")
    issued = dt.datetime.fromisoformat(published).astimezone(CHINA).date() if published else today
    return render_bulletin(bulletin_doc(bulletin, office=bulletin.get("office") or office, issued=issued), template)


@dataclass
class PublishedDocuments:
    bulletins: BulletinService
    template: Path
    pdf: Callable[[bytes], bytes] | None = to_pdf  # None: no PDF is attempted (the 503 says so)
    woken: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_events(self, connection: AsyncConnection, fresh: Sequence[Message]) -> None:
        """An inbox effect: this service's own ``bulletin.published`` came back, so it committed."""
        if any(isinstance(m, BulletinPublished) for m in fresh):
            self.woken.set()

    async def render_missing(self) -> bool:
        """One round: render and store the documents still missing; True when more may wait."""
        self.woken.clear()
        async with self.bulletins.db.connect() as connection:
            waiting = await store.missing(connection, limit=PER_ROUND)
        failed = 0
        for bulletin_id in waiting:
            try:
                await self.render(bulletin_id)
            except Exception:  # one bulletin's failure holds no other back; it is tried again next round
                failed += 1
                log.exception("rendering a published bulletin's document failed", extra={"bulletin": str(bulletin_id)})
        return len(waiting) == PER_ROUND and failed < len(waiting)

    async def render(self, bulletin_id: uuid.UUID) -> bool:
        bulletin = await self.bulletins.published_view(bulletin_id)
        if bulletin is None:
            return False
        office, today = self.bulletins.settings.office_name, self.bulletins.today()
        docx = await asyncio.to_thread(render_docx, bulletin, self.template, office=office, today=today)
        pdf, problem = None, "PDF output is switched off on this deployment (render_pdf)"
        if self.pdf is not None:
            try:
                pdf, problem = await asyncio.to_thread(self.pdf, docx), None
            except PdfUnavailable as unavailable:
                problem = str(unavailable)
        async with self.bulletins.db.begin() as connection:
            await store.save(connection, {"bulletin_id": bulletin_id, "docx": docx, "pdf": pdf, "pdf_problem": problem,
                                          "rendered_at": self.bulletins.clock.now()})
        log.info("published bulletin's document stored", extra={"number": bulletin["number"], "pdf": pdf is not None})
        return True

    async def document(self, bulletin_id: uuid.UUID, kind: str) -> tuple[str, bytes]:
        """A published bulletin's number and stored ``docx`` or ``pdf``."""
        async with self.bulletins.db.connect() as connection:
            found = await store.published_document(connection, bulletin_id)
        if found is None:
            raise NoPublishedBulletin(bulletin_id)
        if found["docx"] is None:
            self.woken.set()
            raise DocumentNotReady(found["number"])
        if kind == "pdf" and found["pdf"] is None:
            raise StoredPdfUnavailable(found["pdf_problem"] or "no PDF was made")
        return found["number"], found[kind]
