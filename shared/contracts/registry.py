"""Which model travels on which subject, and the one door where bytes become messages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from pydantic import ValidationError

from shared.contracts.base import Command, Event, Message
from shared.contracts.commands import ALL_COMMANDS
from shared.contracts.events import ALL_EVENTS
from shared.contracts.subjects import ROOT, canonical, check_root, namespaced

M = TypeVar("M", bound=Message)


def _index(models: Iterable[type[M]]) -> dict[str, type[M]]:
    index: dict[str, type[M]] = {}
    for model in models:
        if model.subject in index:
            raise TypeError(f"{model.__name__} and {index[model.subject].__name__} "
                            f"share the subject {model.subject!r}")
        index[model.subject] = model
    return index


EVENTS: Mapping[str, type[Event]] = _index(ALL_EVENTS)
COMMANDS: Mapping[str, type[Command]] = _index(ALL_COMMANDS)
MESSAGES: Mapping[str, type[Message]] = _index([*ALL_EVENTS, *ALL_COMMANDS])


class MalformedMessage(ValueError):
    """Bytes on a subject that do not make a valid message; reject them at the edge.

    ``errors`` lists ``(field, problem)`` pairs; the field is ``"(message)"`` when the
    whole payload is wrong (invalid JSON, a cross-field rule).
    """

    def __init__(self, subject: str, reason: str,
                 errors: Iterable[tuple[str, str]] = ()) -> None:
        self.subject = subject
        self.reason = reason
        self.errors = list(errors)
        super().__init__(f"malformed message on {subject!r}: {reason}")


def _describe(exc: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "(message)"
        problems.append((field, error["msg"]))
    return problems


def model_for(subject: str, root: str = ROOT) -> type[Message]:
    """The model for a (possibly namespaced) subject; ``MalformedMessage`` if unknown."""
    check_root(root)
    try:
        model = MESSAGES.get(canonical(subject, root))
    except ValueError as exc:
        raise MalformedMessage(subject, str(exc)) from exc
    if model is None:
        raise MalformedMessage(subject, "no message is defined for this subject")
    return model


def parse_message(subject: str, data: bytes | bytearray | str, root: str = ROOT) -> Message:
    """Decode ``data`` received on ``subject`` (under ``root``) into its model.

    Raises ``MalformedMessage`` for an unknown subject, invalid JSON or invalid fields.
    """
    model = model_for(subject, root)
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        errors = _describe(exc)
        fields = "; ".join(f"{field}: {problem}" for field, problem in errors)
        raise MalformedMessage(subject, f"{model.__name__} rejected: {fields}", errors) from exc


def subject_of(message: Message | type[Message], root: str = ROOT) -> str:
    """The subject to publish ``message`` on under ``root``."""
    return namespaced(message.subject, root)
