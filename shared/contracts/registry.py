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
PRODUCER_HEADER = "Duban-Producer"
"""The header naming the service that published a message (``JetStreamPublisher`` sets it)."""


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

    Raises ``MalformedMessage``, and nothing else, for whatever the bytes hold: an unknown
    subject, invalid JSON or UTF-8, invalid fields, a value no validator could handle.
    """
    return _validate(model_for(subject, root), subject, data)


def decode(subject: str, data: bytes | bytearray | str, headers: Mapping[str, str] | None,
           root: str = ROOT) -> Message:
    """The one door for a message received from the bus (consumers and the ledger rebuild).

    Its subject names the model, its ``Duban-Producer`` header must name one of the
    model's producers (``WrongProducer`` otherwise, before the bytes are read), and its
    bytes must make a valid message (``MalformedMessage``). Raises nothing else.
    """
    model = model_for(subject, root)
    check_producer(model, subject, (headers or {}).get(PRODUCER_HEADER))
    return _validate(model, subject, data)


class WrongProducer(MalformedMessage):
    """A message whose producer header is missing or names a service its contract does not."""


def check_producer(model: type[Message], subject: str, producer: str | None) -> None:
    allowed = ", ".join(sorted(model.producers)) or "no service"
    if producer is None:
        raise WrongProducer(subject, f"producer missing: {model.kind} is published by {allowed}")
    if producer not in model.producers:
        raise WrongProducer(subject, f"producer {producer!r} may not publish {model.kind} (only {allowed})")


def _validate(model: type[M], subject: str, data: bytes | bytearray | str) -> M:
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        errors = _describe(exc)
        fields = "; ".join(f"{field}: {problem}" for field, problem in errors)
        raise MalformedMessage(subject, f"{model.__name__} rejected: {fields}", errors) from exc
    except Exception as exc:  # the class of fault: Overflow-, Recursion-, Unicode-, TypeError … from any validator
        problem = f"{type(exc).__name__}: {exc}"
        raise MalformedMessage(subject, f"{model.__name__} could not be read: {problem}",
                               [("(message)", problem)]) from exc


def subject_of(message: Message | type[Message], root: str = ROOT) -> str:
    """The subject to publish ``message`` on under ``root``."""
    return namespaced(message.subject, root)
