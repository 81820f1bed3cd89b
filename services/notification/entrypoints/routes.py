"""The inbox and the delivery list over HTTP: each route decodes, calls one use case, encodes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from services.notification.domain.clean import one_line, served
from services.notification.domain.deliveries import Delivery
from services.notification.service import DeliveryNotFailed, NoSuchDelivery, NoSuchMessage, NotificationService
from shared.errors import errors
from shared.identity import PrincipalDep, Role, require_roles
from shared.params import RowId

ERROR_STATUS = {NoSuchMessage: 404, NoSuchDelivery: 404, DeliveryNotFailed: 409}
"""The use cases' refusals and their HTTP status (``service_app`` answers ``{"detail": …}``)."""
OFFICE_ONLY = "仅限督察室 (the office only)"


def the_service(request: Request) -> NotificationService:
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[NotificationService, Depends(the_service)]


def message_view(message: Delivery) -> dict[str, Any]:
    title, text, link = served(message.title, message.body, message.link)
    return {"id": message.id, "event": message.event_kind, "item_id": message.item_id,
            "item_code": message.item_code, "title": title, "text": text, "link": link,
            "created_at": message.created_at, "read": message.read_at is not None, "read_at": message.read_at}


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    return {"id": delivery.id, "event_id": delivery.event_id, "event": delivery.event_kind,
            "recipient": delivery.recipient, "channel": delivery.channel, "address": delivery.address,
            "item_code": delivery.item_code, "title": one_line(delivery.title), "status": delivery.status,
            "attempts": delivery.attempts, "last_error": delivery.last_error,
            "next_attempt_at": delivery.next_attempt_at, "created_at": delivery.created_at,
            "sent_at": delivery.sent_at}


def inbox_router() -> APIRouter:
    router = APIRouter(tags=["inbox"])

    @router.get("/inbox", responses=errors(described={422: "参数不合法 (limit or unread_only is invalid)"}))
    async def my_inbox(principal: PrincipalDep, service: ServiceDep, unread_only: bool = False,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
        """The caller's own messages (站内信), newest first, and how many are unread."""
        inbox = await service.inbox(principal.username, unread_only=unread_only, limit=limit)
        return {"items": [message_view(m) for m in inbox.messages], "unread": inbox.unread}

    @router.post("/inbox/{message_id}/read",
                 responses=errors(described={404: "没有这条消息 (no such message of the caller)",
                                   422: "消息编号不合法 (the id is not a positive 64-bit integer)"}))
    async def read(message_id: RowId, principal: PrincipalDep, service: ServiceDep) -> dict[str, Any]:
        """Mark one of the caller's messages read; someone else's is not found."""
        return message_view(await service.mark_read(message_id, principal.username))

    return router


def deliveries_router() -> APIRouter:
    router = APIRouter(tags=["deliveries"])
    office = [Depends(require_roles(Role.office))]

    @router.get("/deliveries", dependencies=office,
                responses=errors(described={403: OFFICE_ONLY, 422: "参数不合法 (status or limit is invalid)"}))
    async def deliveries(service: ServiceDep, status: Literal["pending", "sent", "failed"] = "failed",
                         limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
        """E-mail and webhook deliveries by status (督察室 only): ``failed`` ones need a look."""
        found = await service.deliveries(status, limit)
        return {"items": [delivery_view(d) for d in found], "total": len(found)}

    @router.post("/deliveries/{delivery_id}/retry", dependencies=office,
                 responses=errors(described={403: OFFICE_ONLY, 404: "没有这条投递 (no such e-mail or webhook delivery)",
                                   409: "投递未失败，不能重发 (the delivery is pending or sent, not failed)",
                                   422: "投递编号不合法 (the id is not a positive 64-bit integer)"}))
    async def retry(delivery_id: RowId, service: ServiceDep) -> dict[str, Any]:
        """Send a failed delivery again (e.g. once the mail relay or the address is fixed),
        with a fresh retry budget; only a failed one can be retried."""
        return delivery_view(await service.retry_delivery(delivery_id))

    return router
