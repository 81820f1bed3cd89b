"""Settings of the ledger service (environment prefix ``DUBAN_LEDGER_``, then ``DUBAN_``)."""

from typing import ClassVar

from shared.settings import ServiceSettings


class LedgerSettings(ServiceSettings):
    service: ClassVar[str] = "ledger"
    port: int = 8002
    # a backlog (after a restart, a burst) is applied up to 100 events per transaction
    fetch_batch: int = 100
