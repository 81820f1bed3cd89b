"""Settings of the reporting service (environment prefix ``DUBAN_REPORTING_``, then ``DUBAN_``)."""

from typing import ClassVar

from shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service: ClassVar[str] = "reporting"
    port: int = 8004
    # a backlog of events is recorded up to 100 per transaction (shared.bus.consumer.BatchConsumer)
    fetch_batch: int = 100
