"""Settings of the notification service (environment prefix ``DUBAN_NOTIFICATION_``, then ``DUBAN_``)."""

from typing import ClassVar

from pydantic import Field, field_validator

from shared.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    service: ClassVar[str] = "notification"
    port: int = 8003
    # a backlog of events is recorded up to 100 per transaction (Runtime.consume with a batch handler)
    fetch_batch: int = 100
    # e-mail (SMTP)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_sender: str = Field("duban@example.gov.cn", pattern=r"^[^@\s]+@[^@\s]+$")
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False  # upgrade the connection with STARTTLS (the server must offer it)
    smtp_timeout: float = Field(10.0, gt=0)
    # webhooks (SMS gateways, IM robots)
    webhook_timeout: float = Field(5.0, gt=0)
    # links in messages point into the web console
    console_url: str = "http://127.0.0.1:8080"
    # delivery of e-mail and webhook messages: attempts, then back-off between them
    delivery_max_attempts: int = Field(5, ge=1)
    delivery_backoff_seconds: list[float] = Field(default_factory=lambda: [60.0, 300.0, 900.0, 3600.0],
                                                  min_length=1)
    delivery_batch: int = Field(50, ge=1)  # deliveries sent by one dispatch round at most
    delivery_workers: int = Field(4, ge=1, le=64)  # deliveries in flight at once (each sent, then recorded)
    dispatch_interval_seconds: float = Field(5.0, gt=0)  # how often due retries are looked for

    @field_validator("smtp_username", "smtp_password")
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        """An empty variable (as compose passes an unset one) means no login."""
        return value or None
