"""Messages in Chinese, rendered from one Jinja2 template per kind (``services/notification/templates/<kind>.j2``).

A template renders plain text: its first line is the title, the rest is the body. It sees
``event`` (the contract model: an event, or the ``SendNotification`` command for
``free_message``), ``item`` (``ItemInfo`` or None), ``recipient`` (the directory
``User``), ``link``, the filters ``date_cn`` and ``oneline``, ``unit_name`` (a function and
a filter giving a unit's short name) and ``task_label`` (what people call a task: its BPMN
name, else its kind's label).

Whatever a template prints is cleaned (``clean.plain_text``: no control characters), the
item's title and code are one line, the title is one line of at most ``TITLE_MAX``
characters, and a link is there only when it is http(s) (``domain.messages``).
"""

from __future__ import annotations

from typing import Any

import jinja2

from services.notification.domain.clean import one_line, plain_text
from services.notification.domain.messages import Rendered, clean_item, date_cn, link_for
from services.notification.domain.rules import ItemInfo, task_label
from shared.contracts.base import Message
from shared.identity.directory import OrgDirectory, User


def _printed(value: Any) -> Any:
    """Jinja's ``finalize``: every printed string without control characters."""
    return plain_text(value) if isinstance(value, str) else value


class Renderer:
    def __init__(self, directory: OrgDirectory, console_url: str) -> None:
        self.directory = directory
        self.console_url = console_url
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
        self.env.globals["task_label"] = task_label

    def unit_name(self, unit_id: str | None) -> str:
        unit = self.directory.unit(unit_id) if unit_id else None
        return unit.display_name if unit else (unit_id or "")

    def render(self, template: str, event: Message, item: ItemInfo | None, recipient: User) -> Rendered:
        link = link_for(self.console_url, event)
        text = self.env.get_template(f"{template}.j2").render(
            event=event, item=clean_item(item) if item else None, recipient=recipient, link=link)
        return Rendered.of(text, link)
