"""Settings of the workflow service (environment prefix ``DUBAN_WORKFLOW_``, then ``DUBAN_``)."""

from pathlib import Path
from typing import ClassVar

from shared.settings import ServiceSettings


class WorkflowSettings(ServiceSettings):
    service: ClassVar[str] = "workflow"
    port: int = 8001
    workflows_dir: Path = Path("workflows")  # the BPMN files loaded (and versioned) at start
    timer_sweep_seconds: float = 1.0  # how often due timers are looked for
