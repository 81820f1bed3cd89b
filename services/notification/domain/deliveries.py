"""Deliveries: one per (event or command, recipient, channel), and what a sender is given.

An ``inbox`` delivery is the in-app message itself (站内信): sent when it is written, read
when its recipient marks it. ``email`` and ``webhook`` deliveries wait for the dispatcher,
which tries each until it is sent or its attempts are spent (then it is failed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from uuid import UUID

from services.notification.domain.clean import one_line, served
from services.notification.domain.messages import Rendered
from services.notification.domain.rules import Directory, ItemInfo, Notice
from shared.contracts.base import Message
from shared.identity.directory import User

INBOX, EMAIL, WEBHOOK = "inbox", "email", "webhook"
PENDING, SENT, FAILED = "pending", "sent", "failed"
FREE_MESSAGE = "free_message"
"""The template of a ``SendNotification`` (a free message to named users)."""

Render = Callable[[str, Message, ItemInfo | None, User], Rendered]
"""(template, message, item, recipient) → the message as the recipient reads it."""


@dataclass(frozen=True, kw_only=True)
class NewDelivery:
    event_id: UUID
    recipient: str
    channel: str
    address: str | None  # the e-mail address or webhook URL when the event arrived
    event_kind: str
    template: str
    item_id: UUID | None
    item_code: str | None
    title: str
    body: str
    link: str | None
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    read_at: dt.datetime | None


@dataclass(frozen=True, kw_only=True)
class Delivery(NewDelivery):
    """A stored delivery; ``id`` is also the order of arrival."""

    id: int


@dataclass(frozen=True, kw_only=True)
class Attempt:
    """How one attempt of a delivery went: sent at ``sent_at``; or failed with ``error``, to be
    tried again at ``retry_at`` (failed for good when that is None)."""

    delivery_id: int
    attempts: int  # the delivery's attempts so far, this one included
    sent_at: dt.datetime | None = None
    error: str | None = None
    retry_at: dt.datetime | None = None

    @property
    def status(self) -> str:
        return SENT if self.sent_at is not None else PENDING if self.retry_at is not None else FAILED


@dataclass(frozen=True)
class Planned:
    deliveries: list[NewDelivery]
    unknown: list[str]  # recipients the directory does not know (nobody to tell)


def plan(message: Message, item: ItemInfo | None, notices: Iterable[Notice], directory: Directory,
         render: Render, now: dt.datetime) -> Planned:
    """One delivery per (recipient, channel) from each recipient's channels in the directory."""
    planned, unknown = [], []
    for notice in notices:
        user = directory.user(notice.recipient)
        if user is None:
            unknown.append(notice.recipient)
            continue
        text = render(notice.template, message, item, user)
        addresses = {INBOX: None, EMAIL: user.email, WEBHOOK: user.webhook}
        for channel in user.channels:
            inbox = channel == INBOX
            planned.append(NewDelivery(
                event_id=message.event_id, recipient=user.username, channel=channel, address=addresses[channel],
                event_kind=message.kind, template=notice.template, item_id=getattr(message, "item_id", None),
                item_code=item.code if item else None, title=text.title, body=text.body, link=text.link,
                status=SENT if inbox else PENDING, attempts=0, next_attempt_at=None if inbox else now,
                last_error=None, created_at=now, sent_at=now if inbox else None, read_at=None))
    return Planned(planned, unknown)


@dataclass(frozen=True)
class Outgoing:
    """One claimed delivery, as a sender needs it."""

    id: int
    event_id: UUID
    channel: str
    address: str | None
    recipient: str
    event_kind: str
    item_code: str | None
    title: str
    body: str
    link: str | None

    @classmethod
    def of(cls, delivery: Delivery) -> Outgoing:
        """The stored delivery, cleaned as it may be sent (rows stored before the rules too)."""
        title, body, link = served(delivery.title, delivery.body, delivery.link)
        code = one_line(delivery.item_code) if delivery.item_code else None
        return cls(delivery.id, delivery.event_id, delivery.channel, delivery.address, delivery.recipient,
                   delivery.event_kind, code, title, body, link)
