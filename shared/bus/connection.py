"""How a process connects to NATS: its user and password, TLS, and its own inbox prefix.

One place builds the options, for the services' broker (``nats_broker``) and for plain
nats-py connections of the CLI (``connect``). The inbox prefix matters: each NATS user may
subscribe only to ``_INBOX.<user>.>`` (shared/bus/auth.py), where JetStream's replies and
pulled messages arrive; nats-py makes every inbox of the connection from it.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

import nats
from faststream.nats import NatsBroker
from faststream.nats.security import NatsSecurity, NatsUserPassword

from shared.bus.auth import inbox_prefix
from shared.settings import CommonSettings


class NatsSettingsError(ValueError):
    """NATS credentials or TLS files that cannot make a connection."""


@dataclass(frozen=True)
class NatsConnection:
    url: str
    name: str
    user: str | None = None
    password: str | None = None
    tls: ssl.SSLContext | None = None

    @property
    def inbox_prefix(self) -> str:
        return inbox_prefix(self.user)

    def options(self) -> dict[str, Any]:
        """Keyword arguments of ``nats.connect``."""
        options: dict[str, Any] = {"servers": self.url, "name": self.name, "inbox_prefix": self.inbox_prefix}
        if self.user:
            options.update(user=self.user, password=self.password)
        if self.tls:
            options["tls"] = self.tls
        return options

    def security(self) -> NatsSecurity | None:
        if self.user:
            return NatsUserPassword(self.user, self.password or "", ssl_context=self.tls)
        return NatsSecurity(ssl_context=self.tls) if self.tls else None


def nats_connection(settings: CommonSettings, name: str) -> NatsConnection:
    """The connection ``settings`` describe (``nats_user``/``nats_password``, ``nats_tls_*``)."""
    if bool(settings.nats_user) != bool(settings.nats_password):
        raise NatsSettingsError("set both the NATS user and its password (DUBAN_<SERVICE>_NATS_USER and "
                                "DUBAN_<SERVICE>_NATS_PASSWORD), or neither")
    return NatsConnection(url=settings.nats_url, name=name, user=settings.nats_user,
                          password=settings.nats_password, tls=tls_context(settings))


def tls_context(settings: CommonSettings) -> ssl.SSLContext | None:
    """TLS when a CA or a client certificate is configured: the server is verified against
    ``nats_tls_ca`` (the system's CAs without it) and its host name; the client certificate
    is presented where the server asks for one."""
    if not (settings.nats_tls_ca or settings.nats_tls_cert):
        return None
    if bool(settings.nats_tls_cert) != bool(settings.nats_tls_key):
        raise NatsSettingsError("a NATS client certificate needs its key (DUBAN_NATS_TLS_CERT and DUBAN_NATS_TLS_KEY)")
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=settings.nats_tls_ca)
        if settings.nats_tls_cert:
            context.load_cert_chain(settings.nats_tls_cert, settings.nats_tls_key)
    except (OSError, ssl.SSLError) as error:
        raise NatsSettingsError(f"NATS TLS files: {error}") from error
    return context


async def connect(settings: CommonSettings, name: str, **extra: Any) -> nats.NATS:
    """A nats-py connection with this process's credentials (the CLI's)."""
    return await nats.connect(**nats_connection(settings, name).options(), **extra)


def nats_broker(settings: CommonSettings, name: str, **extra: Any) -> NatsBroker:
    """The FastStream broker a service publishes through, connected as its NATS user (its
    consumers pull on the same connection: ``shared.bus.consumer``)."""
    connection = nats_connection(settings, name)
    return NatsBroker(connection.url, name=name, inbox_prefix=connection.inbox_prefix,
                      security=connection.security(), **extra)
