"""Messages in Chinese, rendered from one Jinja2 template per kind (``templates/<kind>.j2``).

A template renders plain text: its first line is the title, the rest is the body. It sees
``event`` (the contract model: an event, or the ``SendNotification`` command for
``free_message``), ``item`` (``ItemInfo`` or None), ``recipient`` (the directory
``User``), ``link``, the filters ``date_cn`` and ``oneline``, ``unit_name`` (a function and
a filter giving a unit's short name) and ``task_name`` (a task kind's Chinese name).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

import jinja2

from services.notification.rules import ItemInfo, task_name
from shared.contracts.base import Message
from shared.contracts.commands import SendNotification
from shared.identity.directory import OrgDirectory, User


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    link: str | None


def date_cn(value: dt.date | None) -> str:
    """``2026-03-09`` → ``2026年3月9日``."""
    return "" if value is None else f"{value.year}年{value.month}月{value.day}日"


def oneline(value: str) -> str:
    """Whitespace runs (line breaks too) as one space: a title is one line (and an e-mail subject)."""
    return " ".join(value.split())


class Renderer:
    def __init__(self, directory: OrgDirectory, console_url: str) -> None:
        self.directory = directory
        self.console_url = console_url.rstrip("/")
        self.env = jinja2.Environment(
            loader=jinja2.PackageLoader("services.notification", "templates"),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # plain text for the inbox, e-mail and webhooks
            keep_trailing_newline=False,
        )
        self.env.filters["date_cn"] = date_cn
        self.env.filters["oneline"] = oneline
        self.env.filters["unit_name"] = self.unit_name
        self.env.globals["unit_name"] = self.unit_name
        self.env.globals["task_name"] = task_name

    def unit_name(self, unit_id: str | None) -> str:
        unit = self.directory.unit(unit_id) if unit_id else None
        return unit.display_name if unit else (unit_id or "")

    def link_for(self, event: Message) -> str | None:
        """Where the console shows what the event is about (a free message: its own link)."""
        if isinstance(event, SendNotification):
            return event.link
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
            event=event, item=item, recipient=recipient, link=link).strip()
        title, _, body = text.partition("\n")
        return Rendered(title=title.strip(), body=body.strip(), link=link)
