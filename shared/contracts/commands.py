"""Commands: requests addressed to one service (``duban.cmd.<service>.<verb>``)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from pydantic import Field, model_validator

from shared.contracts import subjects
from shared.contracts.base import (
    Command,
    Comment,
    Text,
    Title,
    UnitId,
    Username,
    WebLink,
    check_period,
    require_distinct,
)
from shared.contracts.enums import BulletinKind


class OpenAccountability(Command):
    """Ask the workflow service to open an accountability case against ``unit``
    (e.g. reporting, for a bulletin's criticism). Names an item, a bulletin, or both."""

    subject = subjects.CMD_OPEN_ACCOUNTABILITY
    producers = frozenset({"reporting"})

    unit: UnitId
    item_id: UUID | None = None
    reason: Text
    bulletin_id: UUID | None = None

    @model_validator(mode="after")
    def _check(self) -> OpenAccountability:
        if self.item_id is None and self.bulletin_id is None:
            raise ValueError("name the item_id or the bulletin_id the case is about")
        return self


class ApproveBulletin(Command):
    """Ask the workflow service to run a bulletin draft through its approval process (the office
    writes its remarks, the leader approves or returns it); once per command. A returned draft
    is submitted again with a new command."""

    subject = subjects.CMD_APPROVE_BULLETIN
    producers = frozenset({"reporting"})

    bulletin_id: UUID
    bulletin_kind: BulletinKind
    number: Title
    title: Title
    period_start: dt.date
    period_end: dt.date
    leader: Username | None = None  # who approves it; None: any leader
    returned_comment: Comment = ""  # the leader's comment when an earlier submission came back

    @model_validator(mode="after")
    def _check(self) -> ApproveBulletin:
        check_period(self.period_start, self.period_end)
        return self


class SendNotification(Command):
    """Ask the notification service to send a free message to users (by username)."""

    subject = subjects.CMD_SEND_NOTIFICATION
    producers = frozenset({"workflow", "reporting"})

    recipients: list[Username] = Field(min_length=1)
    title: Title
    body: Text
    link: WebLink | None = None

    @model_validator(mode="after")
    def _check(self) -> SendNotification:
        require_distinct("recipients", self.recipients)
        return self


class GenerateBulletin(Command):
    """Ask the reporting service to generate a bulletin for a period (inclusive)."""

    subject = subjects.CMD_GENERATE_BULLETIN
    producers = frozenset({"reporting"})

    bulletin_kind: BulletinKind
    period_start: dt.date
    period_end: dt.date

    @model_validator(mode="after")
    def _check(self) -> GenerateBulletin:
        check_period(self.period_start, self.period_end)
        return self


ALL_COMMANDS: tuple[type[Command], ...] = (OpenAccountability, ApproveBulletin, SendNotification,
                                              GenerateBulletin)
