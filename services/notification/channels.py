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

Both channels send the same cleaned values (``clean.served``: a one-line title, a body
without control characters, an http(s) link or none), and every mail header is one line.
A mail's ``Message-ID`` is made from the delivery id (and its event id, unique across
databases), so every retry of one delivery carries the same one and a mail client that
got the first copy drops the repeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any, Protocol
from uuid import UUID

import aiosmtplib
import httpx

from services.notification.clean import one_line, served


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
        """The stored delivery, cleaned as it may be sent (rows stored before the rules too)."""
        title, body, link = served(row.title, row.body, row.link)
        code = one_line(row.item_code) if row.item_code else None
        return cls(row.id, row.event_id, row.channel, row.address, row.recipient, row.event_kind, code,
                   title, body, link)


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
        address = one_line(outgoing.address or "")
        if not address or " " in address:
            raise NoAddress(f"{outgoing.recipient} has no usable e-mail address")
        mail = EmailMessage()
        mail["From"] = formataddr((one_line(self.sender_name), one_line(self.sender)))
        mail["To"] = address
        mail["Subject"] = one_line(outgoing.title)
        mail["Message-ID"] = message_id(outgoing, self.sender)
        mail.set_content(outgoing.body, charset="utf-8")
        return mail

    async def send(self, outgoing: Outgoing) -> None:
        await aiosmtplib.send(self.message(outgoing), hostname=self.host, port=self.port,
                              username=self.username, password=self.password, start_tls=self.starttls,
                              timeout=self.timeout)


def message_id(outgoing: Outgoing, sender: str) -> str:
    """``<delivery-42.<event uuid>@sender.domain>``: the same on every attempt of delivery 42."""
    domain = one_line(sender).rpartition("@")[2] or "duban.invalid"
    return f"<delivery-{outgoing.id}.{outgoing.event_id}@{domain}>"


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
