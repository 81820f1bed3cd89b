"""Settings of the reporting service (environment prefix ``DUBAN_REPORTING_``, then ``DUBAN_``)."""

from typing import ClassVar

from shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service: ClassVar[str] = "reporting"
    port: int = 8004
