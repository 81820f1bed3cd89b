"""Base classes and field types of every message on the bus.

A message is an immutable, strictly typed pydantic model. Strict mode means Python
callers pass real types (``UUID``, ``date``, enum members); JSON input may carry ISO
strings and enum values, as pydantic's strict JSON rules allow.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit
from uuid import UUID, uuid4

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    field_validator,
)

from shared.contracts.subjects import COMMANDS_PREFIX, EVENTS_PREFIX, ROOT
from shared.contracts.text import NO_CONTROLS, TOKEN, VISIBLE, multi_line, one_line


# --- field types ------------------------------------------------------------------------
def _cleaned(clean: Callable[[str], str]) -> BeforeValidator:
    """Clean a string before its constraints are checked (anything else is left to be refused)."""
    return BeforeValidator(lambda value: clean(value) if isinstance(value, str) else value)


def _in_utc(value: dt.datetime) -> dt.datetime:
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+08:00: the year 0 does not exist
        raise ValueError("the time is out of range once converted to UTC") from None


UnitId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=TOKEN)]
"""A unit's id (单位), e.g. ``"fgw"``; no whitespace, no control characters."""
Username = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=TOKEN)]
"""A user's login name, or ``"system"``."""
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=TOKEN)]
"""A machine name: an item code, a task kind, a role."""
Title = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=VISIBLE), _cleaned(one_line)]
"""One line (it becomes an e-mail subject): line breaks and tabs become spaces, controls go, ends stripped."""
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000, pattern=VISIBLE), _cleaned(multi_line)]
"""Required free text (a reason, a report's content); lines end in ``\\n``, controls go, ends stripped."""
OptionalText = Annotated[str, StringConstraints(max_length=20_000), _cleaned(multi_line)]
"""Free text that may be empty (a description, a note); cleaned as ``Text``."""
Comment = Annotated[str, StringConstraints(max_length=2_000), _cleaned(multi_line)]
"""A reviewer's or leader's comment; may be empty; cleaned as ``Text``."""
FileRef = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=NO_CONTROLS)]
"""A reference to a stored attachment (a storage key or URL); no control characters."""
Round = Annotated[int, Field(ge=1)]
"""The 1-based round of reporting on an item (a returned report starts a new round)."""
Timestamp = Annotated[AwareDatetime, AfterValidator(_in_utc)]
"""A moment with its offset, kept in UTC; one that UTC cannot hold is refused."""


_WEB_LINK = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s\u0000-\u001f\u007f-\u009f]+$"


def _web_link(value: str) -> str:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (a port that is no number raises)
    except ValueError:
        raise ValueError("not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("only an absolute http(s) link is accepted")
    return value


WebLink = Annotated[str, StringConstraints(min_length=1, max_length=2_000, pattern=_WEB_LINK),
                    AfterValidator(_web_link)]
"""An absolute ``http://`` or ``https://`` link with a host; no whitespace or controls
(so no ``javascript:``, ``data:`` or relative links)."""


_SURROGATE = re.compile("[\ud800-\udfff]")


def _finite_json(value: dict[str, Any]) -> dict[str, Any]:
    pending: list[Any] = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, float) and not math.isfinite(node):
            raise ValueError("NaN and infinite numbers are not JSON")
        if isinstance(node, str) and _SURROGATE.search(node):
            raise ValueError("a string holds a lone surrogate, which UTF-8 cannot encode")
        if isinstance(node, dict):
            pending += [*node.keys(), *node.values()]
        elif isinstance(node, list):
            pending += node
    return value


JsonObject = Annotated[dict[str, JsonValue], AfterValidator(_finite_json)]
"""A JSON object (e.g. a submitted form) that serialises back to the same JSON."""

SYSTEM_ACTOR = "system"


# --- validation helpers used by several models ---------------------------------------------
def require_distinct(name: str, values: Iterable[Any]) -> None:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{name} lists {value!r} twice")
        seen.add(value)


def check_units(lead_unit: str, co_units: list[str]) -> None:
    """Co-units (协办单位) are distinct and never include the lead unit (牵头单位)."""
    require_distinct("co_units", co_units)
    if lead_unit in co_units:
        raise ValueError(f"co_units must not contain the lead unit {lead_unit!r}")


def check_period(start: dt.date, end: dt.date) -> None:
    if start > end:
        raise ValueError(f"period_start {start} is after period_end {end}")


# --- messages ---------------------------------------------------------------------------------
class Message(BaseModel):
    """Anything published on the bus.

    ``event_id`` is the message id, sent as the ``Nats-Msg-Id`` header for deduplication
    (commands use the same field name). ``occurred_at`` is required: pass ``clock.now()``.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    subject: ClassVar[str]
    """The canonical NATS subject (``duban.…``); set on each concrete model."""
    kind: ClassVar[str]
    """The subject without its prefix, e.g. ``"item.registered"``; derived from subject."""
    SCHEMA_VERSION: ClassVar[int] = 1
    SUBJECT_PREFIX: ClassVar[str] = f"{ROOT}."
    producers: ClassVar[frozenset[str]] = frozenset()
    """The services that may publish this message (NATS permissions and consumers check it)."""

    event_id: UUID = Field(default_factory=uuid4)
    occurred_at: Timestamp
    actor: Username
    schema_version: int = 1

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for reserved in ("subject", "kind"):
            if reserved in cls.model_fields:
                raise TypeError(f"{cls.__name__}: field {reserved!r} shadows the ClassVar")
        if "subject" in cls.__dict__:
            if not cls.subject.startswith(cls.SUBJECT_PREFIX):
                raise TypeError(f"{cls.__name__}.subject must start with {cls.SUBJECT_PREFIX!r}")
            cls.kind = cls.subject[len(cls.SUBJECT_PREFIX):]
        default = cls.model_fields["schema_version"].default
        if default != cls.SCHEMA_VERSION:
            raise TypeError(
                f"{cls.__name__}: redeclare `schema_version: int = {cls.SCHEMA_VERSION}` "
                f"to match SCHEMA_VERSION (the field default is {default})"
            )

    @field_validator("schema_version")
    @classmethod
    def _check_schema_version(cls, value: int) -> int:
        if value != cls.SCHEMA_VERSION:
            raise ValueError(
                f"{cls.__name__} schema_version {value} is not supported; "
                f"this build reads version {cls.SCHEMA_VERSION}"
            )
        return value

    @property
    def msg_id(self) -> str:
        """The value for the ``Nats-Msg-Id`` header."""
        return str(self.event_id)

    def to_json(self) -> bytes:
        """UTF-8 JSON (Chinese text unescaped); ``model_validate_json`` reads it back."""
        return self.model_dump_json().encode("utf-8")


class Event(Message):
    """Something that happened; published on ``duban.events.<entity>.<verb>``.

    The workflow service produces every event unless a model says otherwise.
    """

    SUBJECT_PREFIX: ClassVar[str] = EVENTS_PREFIX
    producers: ClassVar[frozenset[str]] = frozenset({"workflow"})


class ItemEvent(Event):
    """An event about one supervised item (督办事项)."""

    item_id: UUID


class Command(Message):
    """A request to one service; published on ``duban.cmd.<service>.<verb>``."""

    SUBJECT_PREFIX: ClassVar[str] = COMMANDS_PREFIX
