"""Attachments over HTTP: upload (multipart, streamed), download, metadata."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from services.workflow.adapters.attachment_rows import view
from services.workflow.attachments import Attachments
from services.workflow.domain.file_types import MEDIA_TYPES
from services.workflow.entrypoints.upload_stream import file_part
from shared.errors import errors
from shared.identity import PrincipalDep, Role, require_roles
from shared.web import content_disposition

UPLOAD_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "the file, with its name"}}}}}}


def attachments_router(attachments: Attachments) -> APIRouter:
    router = APIRouter(tags=["attachments"])
    acting = Depends(require_roles(Role.liaison, Role.head, Role.office, Role.leader))

    @router.post("/attachments", status_code=201, dependencies=[acting], openapi_extra={"requestBody": UPLOAD_BODY},
                 responses=errors(400, 403, 413, 415, 422))
    async def upload(request: Request, principal: PrincipalDep) -> dict[str, Any]:
        """Upload a file (``multipart/form-data``, one part named ``file``) to name in a form
        (``attachments`` of a report, a revisit, an explanation) by the id answered. The type is
        told from the content: PDF, JPEG, PNG, GIF, Office documents, OFD or UTF-8 text (415
        otherwise); larger than the limit is 413. Until a form names it, only the uploader may
        download it."""
        part = await file_part(request)
        assert part.name is not None
        return await attachments.upload(part.name, part.chunks(), principal)

    @router.get("/items/{item_id}/attachments", responses=errors(404))
    async def of_item(item_id: uuid.UUID, principal: PrincipalDep) -> dict[str, Any]:
        """The files the item's reports, revisits and explanations carry (404 for an item the caller
        may not see)."""
        found = await attachments.of_item(item_id, principal)
        return {"items": found, "total": len(found)}

    @router.get("/attachments/{attachment_id}/meta", responses=errors(404))
    async def meta(attachment_id: uuid.UUID, principal: PrincipalDep) -> dict[str, Any]:
        """The attachment's name, size, SHA-256 and media type (404 for one the caller may not see)."""
        return view((await attachments.meta(attachment_id, principal))._mapping)

    @router.get("/attachments/{attachment_id}", response_class=StreamingResponse, responses={
        **errors(404), 200: {"description": "the file's bytes, of the type its content showed at upload",
                             "content": {media_type: {} for media_type in MEDIA_TYPES}}})
    async def download(attachment_id: uuid.UUID, principal: PrincipalDep) -> StreamingResponse:
        """The file, for those who see the item its form belongs to (or its uploader, before)."""
        row, chunks = await attachments.download(attachment_id, principal)
        return StreamingResponse(chunks, media_type=row.media_type, headers={
            "Content-Disposition": content_disposition(row.name), "Content-Length": str(row.size),
            "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})

    return router
