"""The public's feedback on a board item: the flood limit, hiding and answering. Pure.

A client address may leave ``limit`` pieces of feedback within ``window``; the next is
refused until the oldest of them leaves the window (``Retry-After``). The verbs check, then
change: hidden feedback stays hidden (with the office's reason) and can no longer be answered.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from uuid import UUID


class TooMuchFeedback(Exception):
    """A client address sent more than the limit within the window (HTTP 429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"提交过于频繁，请在 {retry_after} 秒后再试")
        self.detail = str(self)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class FeedbackNotFound(LookupError):
    def __init__(self, feedback_id: UUID) -> None:
        super().__init__(f"反馈 {feedback_id} 不存在")


class FeedbackHidden(Exception):
    """Hidden feedback is neither hidden again nor answered (HTTP 409)."""

    def __init__(self, feedback_id: UUID) -> None:
        super().__init__(f"反馈 {feedback_id} 已隐藏")


@dataclass(frozen=True)
class FloodLimit:
    limit: int
    window: dt.timedelta

    def check(self, recent: Sequence[dt.datetime], now: dt.datetime) -> None:
        """``recent``: when this client's feedback was stored within the window, oldest first."""
        inside = [t for t in recent if t > now - self.window]
        if len(inside) < self.limit:
            return
        free_at = inside[-self.limit] + self.window  # the moment one fewer than the limit is inside
        raise TooMuchFeedback(max(1, math.ceil((free_at - now).total_seconds())))


@dataclass(frozen=True)
class Feedback:
    id: UUID
    item_id: UUID
    rating: int
    text: str
    contact: str | None
    client: str
    created_at: dt.datetime
    hidden: bool = False
    hidden_reason: str | None = None
    hidden_by: str | None = None
    hidden_at: dt.datetime | None = None
    answer: str | None = None
    answered_by: str | None = None
    answered_at: dt.datetime | None = None

    def hide(self, reason: str, by: str, now: dt.datetime) -> Feedback:
        if self.hidden:
            raise FeedbackHidden(self.id)
        return replace(self, hidden=True, hidden_reason=reason, hidden_by=by, hidden_at=now)

    def answered(self, text: str, by: str, now: dt.datetime) -> Feedback:
        """The office's answer (a later answer replaces an earlier one)."""
        if self.hidden:
            raise FeedbackHidden(self.id)
        return replace(self, answer=text, answered_by=by, answered_at=now)

    def public_view(self) -> dict[str, object]:
        """What the public sees: rating, words, time and the office's answer; never the contact or address."""
        return {"id": self.id, "rating": self.rating, "text": self.text, "created_at": self.created_at,
                "answer": self.answer, "answered_at": self.answered_at}

    def office_view(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in Feedback.__dataclass_fields__ if name != "client"}
