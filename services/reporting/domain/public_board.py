"""The public board (公开挂牌督办) as plain data: what the public may see of an item. Pure.

The read model keeps, for every item, only fields fit for the public plus those the light
needs; the ledger's projection (``services.ledger.domain.projection``) and its light rule
(``services.ledger.domain.light``) are reused, never copied. Nobody's name, no comment, no
report text, no finding and no accountability is ever stored here, so none can be shown.

- An item is on the board when the office flagged it public at registration and it has been
  assigned (交办): a registration awaiting approval or rejected (不予立项) is not shown.
- The progress text is only the one the office approved (``PUT /public/items/{id}/progress``);
  nothing from the units' reports is shown by itself.
- Hidden feedback is never shown and does not count in the average rating or the count: the
  office hides abuse, spam and floods, which should not move the item's score.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from services.ledger.domain.light import light_of
from services.ledger.domain.projection import Projection
from services.ledger.domain.state import ItemState
from shared.contracts.base import Message
from shared.contracts.enums import ItemStatus

STORED_FIELDS: tuple[str, ...] = (
    "item_id", "placeholder", "public", "code", "title", "lead_unit", "units_at", "registered_at", "status",
    "status_at", "due_date", "overdue", "overdue_deadline", "yellow_from", "sign_reminded", "reminded_for",
    "reopened", "closed_on", "closed_at", "last_event_at")
"""The fields of the ledger's ``ItemState`` the board keeps (the rest stay at their defaults)."""

LISTED = frozenset({ItemStatus.ASSIGNED, ItemStatus.IN_PROGRESS, ItemStatus.REPORTED, ItemStatus.REVISITING,
                    ItemStatus.CLOSED})
"""The statuses an item flagged public is shown in."""


def state_of(row: dict[str, Any]) -> ItemState:
    return ItemState(**{name: row[name] for name in STORED_FIELDS})


def row_of(state: ItemState) -> dict[str, Any]:
    return {name: getattr(state, name) for name in STORED_FIELDS}


def apply(projection: Projection, state: ItemState, message: Message) -> ItemState:
    """The event applied by the ledger's projection, then cut down to the stored fields."""
    new, _ = projection.apply(state, message)
    return state_of(row_of(new))


def on_board(state: ItemState) -> bool:
    return state.public and not state.placeholder and state.status in LISTED


@dataclass(frozen=True)
class PublicText:
    text: str
    approved_at: dt.datetime


@dataclass(frozen=True)
class Rating:
    """The visible feedback's average rating (one decimal) and count."""

    average: float | None = None
    count: int = 0


def item_view(state: ItemState, text: PublicText | None, rating: Rating, today: dt.date,
              unit_name: str) -> dict[str, Any]:
    """The board's view of an item: exactly the fields of ``PublicItem`` (entrypoints/public.py)."""
    light = light_of(state, today)
    times = [t for t in (state.last_event_at, text.approved_at if text else None) if t is not None]
    return {
        "id": state.item_id, "code": state.code, "title": state.title,
        "unit": state.lead_unit, "unit_name": unit_name,
        "due_date": state.due_date, "status": state.status, "status_label": ItemStatus(state.status).label,
        "light": light.value if light else None, "light_label": light.label if light else "",
        "progress": text.text if text else "", "progress_at": text.approved_at if text else None,
        "updated_at": max(times) if times else None,
        "average_rating": rating.average, "feedback_count": rating.count,
    }


class PublicItemNotFound(LookupError):
    def __init__(self, item_id: UUID) -> None:
        super().__init__(f"公开督办事项 {item_id} 不存在")
        self.detail = str(self)


class NotOnBoardYet(LookupError):
    """The office approves a text for an item that is not (yet) flagged public."""

    def __init__(self, item_id: UUID) -> None:
        super().__init__(f"事项 {item_id} 不存在或未公开挂牌督办")
