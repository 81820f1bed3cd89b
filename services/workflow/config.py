"""Settings of the workflow service (environment prefix ``DUBAN_WORKFLOW_``, then ``DUBAN_``)."""

from typing import ClassVar

from shared.settings import ServiceSettings


class WorkflowSettings(ServiceSettings):
    service: ClassVar[str] = "workflow"
    port: int = 8001
