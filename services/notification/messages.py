"""Messages in Chinese, rendered from one Jinja2 template per kind (``templates/<kind>.j2``).

A template renders plain text: its first line is the title, the rest is the body. It sees
``event`` (the contract model: an event, or the ``SendNotification`` command for
``free_message``), ``item`` (``ItemInfo`` or None), ``recipient`` (the directory
``User``), ``link``, the filters ``date_cn`` and ``oneline``, ``unit_name`` (a function and
a filter giving a unit's short name) and ``task_name`` (a task kind's Chinese name).

Whatever a template prints is cleaned (``clean.plain_text``: no control characters), the
item's title and code are one line, the title is one line of at most the column's length,
and a link is there only when it is http(s) (``clean.web_link``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import jinja2

from services.notification.clean import one_line, plain_text, web_link
from services.notification.rules import ItemInfo, task_name
from services.notification.tables import deliveries
from shared.contracts.base import Message
from shared.contracts.commands import SendNotification
from shared.identity.directory import OrgDirectory, User


TITLE_MAX = deliveries.c.title.type.length


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    link: str | None


def date_cn(value: dt.date | None) -> str:
    """``2026-03-09`` → ``2026年3月9日``."""
    return "" if value is None else f"{value.year}年{value.month}月{value.day}日"


def clean_item(item: ItemInfo) -> ItemInfo:
    """The item with a one-line title and code, as this service keeps and shows it."""
    return dataclasses.replace(item, title=one_line(item.title), code=one_line(item.code))


def short_title(title: str) -> str:
    title = one_line(title)
    return title if len(title) <= TITLE_MAX else title[:TITLE_MAX - 1] + "…"


def _printed(value: Any) -> Any:
    """Jinja's ``finalize``: every printed string without control characters."""
    return plain_text(value) if isinstance(value, str) else value


class Renderer:
    def __init__(self, directory: OrgDirectory, console_url: str) -> None:
        self.directory = directory
        self.console_url = console_url.rstrip("/")
        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader("services.notification", "templates"),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # plain text for the inbox, e-mail and webhooks
            keep_trailing_newline=False,
            finalize=_printed,
        )
        self.env.filters["date_cn"] = date_cn
        self.env.filters["oneline"] = one_line  # a title is one line (and an e-mail subject)
        self.env.filters["unit_name"] = self.unit_name
        self.env.globals["unit_name"] = self.unit_name
        self.env.globals["task_name"] = task_name

    def unit_name(self, unit_id: str | None) -> str:
        unit = self.directory.unit(unit_id) if unit_id else None
        return unit.display_name if unit else (unit_id or "")

    def link_for(self, event: Message) -> str | None:
        """Where the console shows what the event is about (a free message: its own link)."""
        if isinstance(event, SendNotification):
            return web_link(event.link)
        task_id: UUID | None = getattr(event, "task_id", None)
        if task_id is not None:
            return f"{self.console_url}/tasks/{task_id}"
        item_id: UUID | None = getattr(event, "item_id", None)
        if item_id is not None:
            return f"{self.console_url}/items/{item_id}"
        for attribute, path in (("bulletin_id", "bulletins"), ("case_id", "accountability")):
            value = getattr(event, attribute, None)
            if value is not None:
                return f"{self.console_url}/{path}/{value}"
        return None

    def render(self, template: str, event: Message, item: ItemInfo | None, recipient: User) -> Rendered:
        link = self.link_for(event)
        text = self.env.get_template(f"{template}.j2").render(
            event=event, item=clean_item(item) if item else None, recipient=recipient, link=link).strip()
        title, _, body = text.partition("\n")
        return Rendered(title=short_title(title), body=plain_text(body).strip(), link=link)
