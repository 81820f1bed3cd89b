"""Settings of the notification service (environment prefix ``DUBAN_NOTIFICATION_``, then ``DUBAN_``)."""

from typing import ClassVar

from shared.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    service: ClassVar[str] = "notification"
    port: int = 8003
