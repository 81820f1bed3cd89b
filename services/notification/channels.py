"""The channels that leave the service: e-mail over SMTP and webhooks.

A sender's ``send`` returns when the message was accepted and raises on any failure;
the dispatcher decides about retries.

Webhook body (a JSON POST, UTF-8; an SMS gateway or IM robot adapts it)::

    {"delivery_id": 42,         # the same on every retry of this delivery: dedupe on it
     "recipient": "zjj-liaison",
     "event": "item.assigned",   # the event kind ("notification.send" for a free message)
     "item_code": "督办〔2026〕1号", # null when the event concerns no item
     "title": "【督办交办】…", "text": "…", "link": "http://…/items/…"}

Any 2xx answer is success; anything else (or no answer within the timeout) is retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any, Protocol
from uuid import UUID

import aiosmtplib
import httpx


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
    def from_row(cls, row: Any) -> Outgoing:
        return cls(row.id, row.event_id, row.channel, row.address, row.recipient, row.event_kind, row.item_code,
                   row.title, row.body, row.link)


class Sender(Protocol):
    async def send(self, outgoing: Outgoing) -> None: ...


class NoAddress(ValueError):
    """The recipient had no address for the channel when the event arrived."""


@dataclass(frozen=True)
class SmtpSender:
    host: str
    port: int
    sender: str
    timeout: float
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    sender_name: str = "督查督办平台"

    def message(self, outgoing: Outgoing) -> EmailMessage:
        if not outgoing.address:
            raise NoAddress(f"{outgoing.recipient} has no e-mail address")
        mail = EmailMessage()
        mail["From"] = formataddr((self.sender_name, self.sender))
        mail["To"] = outgoing.address
        mail["Subject"] = outgoing.title
        mail["Message-ID"] = f"<{outgoing.event_id}.{outgoing.id}@{self.sender.split('@', 1)[1]}>"  # same on retries
        mail.set_content(outgoing.body, charset="utf-8")
        return mail

    async def send(self, outgoing: Outgoing) -> None:
        await aiosmtplib.send(self.message(outgoing), hostname=self.host, port=self.port,
                              username=self.username, password=self.password, start_tls=self.starttls,
                              timeout=self.timeout)


def webhook_body(outgoing: Outgoing) -> dict[str, Any]:
    return {"delivery_id": outgoing.id, "recipient": outgoing.recipient, "event": outgoing.event_kind,
            "item_code": outgoing.item_code, "title": outgoing.title, "text": outgoing.body,
            "link": outgoing.link}


@dataclass(frozen=True)
class WebhookSender:
    timeout: float

    async def send(self, outgoing: Outgoing) -> None:
        if not outgoing.address:
            raise NoAddress(f"{outgoing.recipient} has no webhook URL")
        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
            answer = await client.post(outgoing.address, json=webhook_body(outgoing))
        if not answer.is_success:
            raise WebhookRefused(f"webhook answered HTTP {answer.status_code}: {answer.text[:200]}")


class WebhookRefused(RuntimeError):
    """The webhook answered with a status other than 2xx."""
