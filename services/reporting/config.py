"""Settings of the reporting service (environment prefix ``DUBAN_REPORTING_``, then ``DUBAN_``)."""

from typing import ClassVar

from pydantic import Field

from shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service: ClassVar[str] = "reporting"
    port: int = 8004
    # a backlog of events is recorded up to 100 per transaction (shared.bus.consumer.BatchConsumer)
    fetch_batch: int = 100
    # the public board: one client address may leave this many pieces of feedback per window
    feedback_limit: int = Field(5, ge=1)
    feedback_window_seconds: int = Field(600, ge=1)
