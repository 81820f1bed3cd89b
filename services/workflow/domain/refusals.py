"""The workflow service's refusals, in the domain's words, and the HTTP status of each.

Use cases raise these; ``ERROR_STATUS`` is the one place they meet HTTP (``service_app``
answers each with its status and ``{"detail": <the message>}``).
"""

from __future__ import annotations

from pydantic import ValidationError

from services.workflow.adapters.emitted import BadEmit
from services.workflow.adapters.store import ConcurrentUpdate
from services.workflow.domain.file_types import AttachmentTooLarge, UnsupportedFileType
from services.workflow.domain.forms import InvalidForm
from services.workflow.engine.checks import Problem
from services.workflow.engine.migration import MigrationRefused
from services.workflow.engine.runner import NotWaiting, ScriptFailed, TaskNotReady, UnknownTask


class NotFound(LookupError):
    pass


class NoDefinitions(RuntimeError):
    """No process definitions are deployed yet."""


class NotDeployed(ValueError):
    """A definition version that was never deployed (to move an item to)."""


class InvalidRegistration(ValueError):
    """The registration does not make a valid ``item.registered`` event."""

    def __init__(self, error: ValidationError) -> None:
        self.detail = [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                       for e in error.errors(include_url=False)]
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in self.detail))


class UnknownParty(ValueError):
    """A registration names a unit the org directory does not have, or a leader who is not one."""


class IdempotencyKeyReused(ValueError):
    """The Idempotency-Key was already used by this caller for a different request."""


class DeadlineInPast(ValueError):
    """A new deadline (an approved extension, a requested one) that is not after today and
    after the deadline it replaces."""


class DateInFuture(ValueError):
    """A record (an evaluation, a research note) dated after today: it cannot have happened yet."""


class BadDelegation(ValueError):
    """Not another leader, backwards, longer than a year or already over."""


class NotAssignee(PermissionError):
    """The caller may see the task but is not the one to complete it."""


class NotLeadUnit(PermissionError):
    """Only the item's lead unit (its liaison) may do this."""


class TaskClosed(RuntimeError):
    """The task was completed already (by the caller, or by whoever else could)."""


class ExtensionRefused(RuntimeError):
    """No extension can be asked now: one request per deadline, and only while a report is due."""

    def __str__(self) -> str:
        return "no extension can be asked now: one request per deadline, and only while a report is due"


class ExtensionAlreadyRequested(ExtensionRefused):
    """The unit's request for this deadline waits for the office's decision."""

    def __str__(self) -> str:
        return "an extension of this deadline was requested already and waits for the office's decision"


class RejectedDefinitions(ValueError):
    """A deployment failed the checks; nothing was stored."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems
        self.detail = [{"file": p.file, "element": p.element, "msg": p.message} for p in problems]


class DeploymentTooLarge(ValueError):
    """A file, the whole deployment or the number of files is past its limit."""


class StepFailed(RuntimeError):
    """The process could not take the step (a script failed, or it emitted an event its
    contract refuses): nothing changed, and an incident was recorded for the designers."""

    def __init__(self, failure: Exception, incident_id: int) -> None:
        self.incident_id = incident_id
        super().__init__(f"the process could not take this step: {failure} (incident {incident_id}; "
                         "nothing was changed)")


class UnreadableUpload(ValueError):
    """An upload that is not a multipart/form-data body, or a malformed or cut-off one."""


class NoFilePart(ValueError):
    """An upload without a ``file`` part that has a file name."""

    detail = [{"loc": ["body", "file"], "msg": "a multipart part named 'file', with a filename, is required"}]


STEP_FAILURES = (ScriptFailed, BadEmit)
"""What a broken process definition raises during a step."""

ERROR_STATUS: dict[type[BaseException], int] = {
    NotFound: 404, UnknownTask: 404,
    TaskNotReady: 409, TaskClosed: 409, NotWaiting: 409, ConcurrentUpdate: 409, ExtensionRefused: 409,
    InvalidForm: 422, InvalidRegistration: 422, IdempotencyKeyReused: 422, RejectedDefinitions: 422, StepFailed: 422,
    DeadlineInPast: 422, DateInFuture: 422, BadDelegation: 422, UnknownParty: 422, NotDeployed: 422,
    MigrationRefused: 422,
    NoFilePart: 422, NotAssignee: 403, NotLeadUnit: 403,
    DeploymentTooLarge: 413, AttachmentTooLarge: 413, UnsupportedFileType: 415, UnreadableUpload: 400,
    NoDefinitions: 503,
}


