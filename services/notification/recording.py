"""Consuming an event: one transaction records it, updates the item and writes its deliveries.

The ``SendNotification`` command (a free message to named users) is consumed the same way:
recorded once by its id, one delivery per (command, recipient, channel).

The inbox channel is delivered right there (its row is the message); e-mail and webhook
rows wait for the dispatcher, which is woken after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.notification import store, tables
from services.notification.messages import Renderer, clean_item
from services.notification.rules import ItemInfo, Notice, item_after, notices_for
from shared.clock import Clock
from shared.contracts.base import Event, Message
from shared.contracts.commands import SendNotification
from shared.identity.directory import OrgDirectory
from shared.storage.inbox import record_once

log = logging.getLogger("duban.notification")


FREE_MESSAGE = "free_message"


def plan_deliveries(event: Message, item: ItemInfo | None, notices: list[Notice], directory: OrgDirectory,
                    renderer: Renderer, now: dt.datetime) -> list[dict[str, Any]]:
    """One row per (recipient, channel) from each recipient's channels in the directory."""
    rows = []
    for notice in notices:
        user = directory.user(notice.recipient)
        if user is None:
            log.warning("recipient not in the directory",
                        extra={"recipient": notice.recipient, "event": str(event.event_id), "kind": event.kind})
            continue
        message = renderer.render(notice.template, event, item, user)
        addresses = {"inbox": None, "email": user.email, "webhook": user.webhook}
        for channel in user.channels:
            inbox = channel == "inbox"
            rows.append({
                "event_id": event.event_id, "recipient": user.username,
                "channel": channel, "address": addresses[channel], "event_kind": event.kind,
                "template": notice.template, "item_id": getattr(event, "item_id", None),
                "item_code": item.code if item else None, "title": message.title, "body": message.body,
                "link": message.link, "status": store.SENT if inbox else store.PENDING, "attempts": 0,
                "next_attempt_at": None if inbox else now, "last_error": None, "created_at": now,
                "sent_at": now if inbox else None, "read_at": None,
            })
    return rows


class NotificationRecorder:
    """The consumer's handler (idempotent: a redelivered event changes nothing)."""

    def __init__(self, engine: AsyncEngine, clock: Clock, directory: OrgDirectory, renderer: Renderer,
                 wake: Callable[[], None]) -> None:
        self.engine, self.clock, self.directory, self.renderer = engine, clock, directory, renderer
        self.wake = wake

    async def __call__(self, message: Message) -> None:
        await self.record_batch([message])

    async def record_batch(self, messages: list[Message]) -> None:
        """Events fetched together, recorded in one transaction, in stream order."""
        now, rows = self.clock.now(), []
        async with self.engine.begin() as connection:
            for message in messages:
                if isinstance(message, Event):
                    rows += await self._record(connection, message, now)
        self._woken_for(rows)

    async def _record(self, connection: AsyncConnection, message: Event, now: dt.datetime) -> list[dict[str, Any]]:
        if not await record_once(connection, tables.inbox, message, now):
            return []
        item_id = getattr(message, "item_id", None)
        known = await store.load_item(connection, item_id) if item_id else None
        after = item_after(message, known)
        item = clean_item(after) if after is not None else None  # one line, and no NUL for PostgreSQL
        if item is not None and item != known:
            await store.save_item(connection, item, now)
        notices = notices_for(message, item, self.directory)
        rows = plan_deliveries(message, item, notices, self.directory, self.renderer, now)
        await store.add_deliveries(connection, rows)
        return rows

    async def send(self, message: Message) -> None:
        """The ``SendNotification`` handler: the free message to each recipient the directory
        knows (an unknown one is skipped with a warning; the others still get it)."""
        if not isinstance(message, SendNotification):
            return
        now = self.clock.now()
        notices = [Notice(name, FREE_MESSAGE) for name in message.recipients]
        async with self.engine.begin() as connection:
            if not await record_once(connection, tables.inbox, message, now):
                return
            rows = plan_deliveries(message, None, notices, self.directory, self.renderer, now)
            await store.add_deliveries(connection, rows)
        self._woken_for(rows)

    def _woken_for(self, rows: list[dict[str, Any]]) -> None:
        if any(row["status"] == store.PENDING for row in rows):
            self.wake()
