"""The console server's settings (``DUBAN_CONSOLE_…``)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from shared.settings import ServiceSettings

UPSTREAMS = ("workflow", "ledger", "notification", "reporting")


class ConsoleSettings(ServiceSettings):
    service: ClassVar[str] = "console"
    port: int = 8080
    # the built web application (`npm ci && npm run build` in console/)
    dist_dir: Path = Path("console/dist")
    # where /api/<service>/… goes
    workflow_url: str = "http://127.0.0.1:8001"
    ledger_url: str = "http://127.0.0.1:8002"
    notification_url: str = "http://127.0.0.1:8003"
    reporting_url: str = "http://127.0.0.1:8004"
    proxy_timeout_seconds: float = 60.0

    def upstreams(self) -> dict[str, str]:
        return {name: getattr(self, f"{name}_url").rstrip("/") for name in UPSTREAMS}
