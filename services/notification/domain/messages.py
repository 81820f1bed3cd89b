"""What a message is made of, before and after its template (pure: no I/O, no clock).

A template (``adapters/templates.py``) renders plain text whose first line is the title.
It is given the event, the item as this service keeps it (``clean_item``), the recipient,
the console ``link_for`` the event, ``task_label`` and ``date_cn``; what it prints becomes a
``Rendered`` message: a one-line title of at most ``TITLE_MAX`` characters, a body without
control characters, an http(s) link or none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from services.notification.domain.clean import one_line, plain_text, web_link
from services.notification.domain.rules import ItemInfo
from shared.chinese_dates import chinese_date
from shared.contracts.base import Message
from shared.contracts.commands import SendNotification

TITLE_MAX = 300
"""The longest title kept (the deliveries' title column)."""


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    link: str | None

    @classmethod
    def of(cls, text: str, link: str | None) -> Rendered:
        """A template's output: the first line is the title, the rest the body."""
        title, _, body = text.strip().partition("\n")
        return cls(title=short_title(title), body=plain_text(body).strip(), link=link)


def date_cn(value: dt.date | None) -> str:
    """``2026-03-09`` → ``2026年3月9日``; nothing for no date."""
    return "" if value is None else chinese_date(value)


def clean_item(item: ItemInfo) -> ItemInfo:
    """The item with a one-line title and code, as this service keeps and shows it."""
    return dataclasses.replace(item, title=one_line(item.title), code=one_line(item.code))


def short_title(title: str) -> str:
    title = one_line(title)
    return title if len(title) <= TITLE_MAX else title[:TITLE_MAX - 1] + "…"


def link_for(console_url: str, message: Message) -> str | None:
    """Where the console shows what the message is about (a free message: its own link, if http(s))."""
    if isinstance(message, SendNotification):
        return web_link(message.link)
    base = console_url.rstrip("/")
    task_id: UUID | None = getattr(message, "task_id", None)
    if task_id is not None:
        return f"{base}/tasks/{task_id}"
    item_id: UUID | None = getattr(message, "item_id", None)
    if item_id is not None:
        return f"{base}/items/{item_id}"
    for attribute, path in (("bulletin_id", "bulletins"), ("case_id", "accountability")):
        value = getattr(message, attribute, None)
        if value is not None:
            return f"{base}/{path}/{value}"
    return None
