"""Attachments: files a unit uploads (``POST /attachments``) and then names in a task's form
(a report, a revisit, an explanation); from then on whoever sees the item may download them.

The bytes go to the blob store first; the row is committed only once they are stored, and a
failed or refused upload leaves neither row nor blob.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.workflow.adapters import attachment_rows, queries
from services.workflow.adapters.blobs import BlobMissing, BlobStore, new_key
from services.workflow.domain.attachment_access import may_download
from services.workflow.domain.file_types import FileCheck, clean_file_name
from services.workflow.domain.refusals import NotFound
from shared.clock import Clock
from shared.identity import Principal
from shared.storage.database import reading
from shared.visibility import sees_item

UNBOUND_KEPT = dt.timedelta(days=7)  # an upload no form names within this is dropped
log = logging.getLogger("duban.workflow")


@dataclass
class Attachments:
    db: AsyncEngine
    clock: Clock
    blobs: BlobStore
    max_bytes: int

    async def upload(self, name: str, chunks: AsyncIterable[bytes], principal: Principal) -> dict[str, Any]:
        """Store the file and record it as the caller's: its id, name, size, SHA-256 and the
        media type its content shows (``AttachmentTooLarge``, ``UnsupportedFileType``)."""
        check, digest, key = FileCheck(clean_file_name(name), self.max_bytes), hashlib.sha256(), new_key()

        async def checked() -> AsyncIterator[bytes]:
            async for chunk in chunks:
                check.feed(chunk)
                digest.update(chunk)
                yield chunk

        await self.blobs.put(key, checked())
        try:
            values = dict(id=uuid.uuid4(), storage_key=key, name=check.name, media_type=check.finish(),
                          size=check.size, sha256=digest.hexdigest(), uploaded_by=principal.username,
                          uploader_unit=principal.unit, uploaded_at=self.clock.now())
            async with self.db.begin() as connection:
                await attachment_rows.record(connection, **values)
        except BaseException:
            await self.blobs.delete(key)
            raise
        return attachment_rows.view(values)

    async def drop_unbound(self, limit: int = 100) -> int:
        """Delete files uploaded more than ``UNBOUND_KEPT`` ago that no form named (the rows first,
        so a file is never named without its bytes; a blob left by a failed delete only takes room)."""
        async with self.db.begin() as connection:
            keys = await attachment_rows.drop_unbound(connection, self.clock.now() - UNBOUND_KEPT, limit)
        for key in keys:
            try:
                await self.blobs.delete(key)
            except Exception:
                log.warning("an unnamed attachment's file could not be deleted", extra={"key": key}, exc_info=True)
        if keys:
            log.info("unnamed attachments dropped", extra={"count": len(keys)})
        return len(keys)

    async def meta(self, attachment_id: uuid.UUID, principal: Principal) -> Any:
        """The attachment's row, if the caller may download it (``NotFound`` otherwise)."""
        async with reading(self.db) as connection:
            row = await attachment_rows.find(connection, attachment_id)
            item = await queries.item_parties(connection, row.item_id) if row and row.item_id else None
        units = [item.lead_unit, *item.co_units] if item is not None else None
        if row is None or not may_download(principal, row, units):
            raise NotFound(f"attachment {attachment_id} not found")
        return row

    async def of_item(self, item_id: uuid.UUID, principal: Principal) -> list[dict[str, Any]]:
        """The item's files, for those who see the item (``NotFound`` otherwise)."""
        async with reading(self.db) as connection:
            item = await queries.item_parties(connection, item_id)
            if item is None or not sees_item(principal, [item.lead_unit, *item.co_units]):
                raise NotFound(f"item {item_id} not found")
            return await attachment_rows.of_item(connection, item_id)

    async def download(self, attachment_id: uuid.UUID, principal: Principal) -> tuple[Any, AsyncIterator[bytes]]:
        """The row and the bytes of an attachment the caller may download."""
        row = await self.meta(attachment_id, principal)
        try:
            return row, await self.blobs.open(row.storage_key)
        except BlobMissing:
            raise NotFound(f"the file of attachment {attachment_id} is missing from the store") from None
