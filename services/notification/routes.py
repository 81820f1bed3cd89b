"""The inbox and the delivery list over HTTP: thin edges around the store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notification import store
from services.notification.clean import one_line, served
from shared.clock import Clock
from shared.errors import errors
from shared.identity import PrincipalDep, Role, require_roles
from shared.params import RowId


OFFICE_ONLY = "仅限督察室 (the office only)"


def message_view(row: Any) -> dict[str, Any]:
    title, text, link = served(row.title, row.body, row.link)
    return {"id": row.id, "event": row.event_kind, "item_id": row.item_id, "item_code": row.item_code,
            "title": title, "text": text, "link": link, "created_at": row.created_at,
            "read": row.read_at is not None, "read_at": row.read_at}


def delivery_view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "event_id": row.event_id, "event": row.event_kind, "recipient": row.recipient,
            "channel": row.channel, "address": row.address, "item_code": row.item_code,
            "title": one_line(row.title), "status": row.status, "attempts": row.attempts,
            "last_error": row.last_error, "next_attempt_at": row.next_attempt_at, "created_at": row.created_at,
            "sent_at": row.sent_at}


def inbox_router(engine: AsyncEngine, clock: Clock) -> APIRouter:
    router = APIRouter(tags=["inbox"])

    @router.get("/inbox", responses=errors(described={422: "参数不合法 (limit or unread_only is invalid)"}))
    async def my_inbox(principal: PrincipalDep, unread_only: bool = False,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
        """The caller's own messages (站内信), newest first, and how many are unread."""
        async with engine.connect() as connection:
            rows, unread = await store.inbox(connection, principal.username, unread_only=unread_only, limit=limit)
        return {"items": [message_view(row) for row in rows], "unread": unread}

    @router.post("/inbox/{message_id}/read",
                 responses=errors(described={404: "没有这条消息 (no such message of the caller)",
                                   422: "消息编号不合法 (the id is not a positive 64-bit integer)"}))
    async def read(message_id: RowId, principal: PrincipalDep) -> dict[str, Any]:
        """Mark one of the caller's messages read; someone else's is not found."""
        async with engine.begin() as connection:
            row = await store.mark_read(connection, message_id, principal.username, clock.now())
        if row is None:
            raise HTTPException(404, detail=f"消息 {message_id} 不存在")
        return message_view(row)

    return router


def deliveries_router(engine: AsyncEngine, clock: Clock, wake: Callable[[], None]) -> APIRouter:
    router = APIRouter(tags=["deliveries"])
    office = [Depends(require_roles(Role.office))]

    @router.get("/deliveries", dependencies=office,
                responses=errors(described={403: OFFICE_ONLY, 422: "参数不合法 (status or limit is invalid)"}))
    async def deliveries(status: Literal["pending", "sent", "failed"] = "failed",
                         limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
        """E-mail and webhook deliveries by status (督察室 only): ``failed`` ones need a look."""
        async with engine.connect() as connection:
            rows = await store.with_status(connection, status, limit)
        return {"items": [delivery_view(row) for row in rows], "total": len(rows)}

    @router.post("/deliveries/{delivery_id}/retry", dependencies=office,
                 responses=errors(described={403: OFFICE_ONLY, 404: "没有这条投递 (no such e-mail or webhook delivery)",
                                   409: "投递未失败，不能重发 (the delivery is pending or sent, not failed)",
                                   422: "投递编号不合法 (the id is not a positive 64-bit integer)"}))
    async def retry(delivery_id: RowId) -> dict[str, Any]:
        """Send a failed delivery again (e.g. once the mail relay or the address is fixed),
        with a fresh retry budget; only a failed one can be retried."""
        async with engine.begin() as connection:
            row = await store.retry_failed(connection, delivery_id, clock.now())
            if row is None:
                found = await store.delivery(connection, delivery_id)
        if row is None:
            if found is None:
                raise HTTPException(404, detail=f"投递 {delivery_id} 不存在")
            raise HTTPException(409, detail=f"投递 {delivery_id} 的状态是 {found.status}，未失败，不能重发")
        wake()
        return delivery_view(row)

    return router
