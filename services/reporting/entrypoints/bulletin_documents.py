"""A bulletin's document over HTTP: the .docx (GB/T 9704) and, where LibreOffice is, the PDF.

Same visibility as ``GET /bulletins/{id}`` (units see published ones only, 404 otherwise).
Rendering is CPU-bound (seconds for a big bulletin, more for the PDF): it runs in a worker
thread, the event loop keeps serving. The public's routes (no token) serve only the documents
stored at publication (``published_documents.py``).
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Response

from services.reporting.bulletin_service import BulletinService
from services.reporting.documents import DEFAULT_TEMPLATE, to_pdf
from services.reporting.published_documents import PublishedDocuments, render_docx
from shared.errors import errors
from shared.identity import PrincipalDep
from shared.web import content_disposition

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def bulletin_documents_router(service: BulletinService, template: Path | None = None) -> APIRouter:
    router = APIRouter(tags=["bulletins"])
    template = template or DEFAULT_TEMPLATE
    if not template.is_file():
        raise FileNotFoundError(f"the bulletin template {template} is not a file")
    described = {404: "通报不存在或无权查看 (no such bulletin for the caller)", 422: "编号不是 UUID"}

    async def docx_of(bulletin_id: uuid.UUID, principal: Any) -> tuple[dict[str, Any], bytes]:
        bulletin = await service.get(bulletin_id, principal)
        return bulletin, await asyncio.to_thread(render_docx, bulletin, template, office=service.settings.office_name,
                                                 today=service.today())

    def answer(content: bytes, media_type: str, name: str) -> Response:
        return _file(content, media_type, name, "private, no-store")

    @router.get("/bulletins/{bulletin_id}/document.docx", response_class=Response, responses={
        200: {"description": "通报文档 (.docx, GB/T 9704)", "content": {DOCX: {}}}, **errors(described=described)})
    async def document_docx(bulletin_id: uuid.UUID, principal: PrincipalDep) -> Response:
        """The bulletin as a Word document laid out per GB/T 9704-2012 (a draft's figures as they are now)."""
        bulletin, docx = await docx_of(bulletin_id, principal)
        return answer(docx, DOCX, f"{bulletin['number']}.docx")

    @router.get("/bulletins/{bulletin_id}/document.pdf", response_class=Response, responses={
        200: {"description": "通报文档 (PDF, converted by LibreOffice)", "content": {PDF: {}}},
        **errors(described={**described, 503: "本机无法生成 PDF (LibreOffice missing or failed; the .docx is available)"})})
    async def document_pdf(bulletin_id: uuid.UUID, principal: PrincipalDep) -> Response:
        """The bulletin as PDF; 503 where LibreOffice is not installed or fails (the .docx still is)."""
        bulletin, docx = await docx_of(bulletin_id, principal)
        return answer(await asyncio.to_thread(to_pdf, docx), PDF, f"{bulletin['number']}.pdf")

    return router


def _file(content: bytes, media_type: str, name: str, cache: str) -> Response:
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": content_disposition(name), "X-Content-Type-Options": "nosniff", "Cache-Control": cache})


def public_documents_router(documents: PublishedDocuments) -> APIRouter:
    """A published bulletin's document for anyone, without a token: the one stored at publication."""
    router = APIRouter(tags=["public"])
    described = {404: "通报不存在或尚未发布 (no published bulletin with this id)", 422: "编号不是 UUID"}

    @router.get("/public/bulletins/{bulletin_id}/document.docx", response_class=Response, responses={
        200: {"description": "已发布通报的文档 (.docx, GB/T 9704)", "content": {DOCX: {}}},
        **errors(described={**described, 503: "文档正在生成 (being rendered; Retry-After)"})})
    async def public_docx(bulletin_id: uuid.UUID) -> Response:
        """A published bulletin's Word document, as rendered at its publication."""
        number, content = await documents.document(bulletin_id, "docx")
        return _file(content, DOCX, f"{number}.docx", "public, max-age=300")

    @router.get("/public/bulletins/{bulletin_id}/document.pdf", response_class=Response, responses={
        200: {"description": "已发布通报的文档 (PDF)", "content": {PDF: {}}},
        **errors(described={**described, 503: "暂无 PDF (no LibreOffice where it was rendered, or being rendered)"})})
    async def public_pdf(bulletin_id: uuid.UUID) -> Response:
        """A published bulletin as PDF; 503 with the reason when none could be made (the .docx is there)."""
        number, content = await documents.document(bulletin_id, "pdf")
        return _file(content, PDF, f"{number}.pdf", "public, max-age=300")

    return router
