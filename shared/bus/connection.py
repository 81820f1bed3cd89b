"""How a process connects to NATS: its user and password, TLS, and its own inbox prefix.

One place builds the options, for a service's connection (``BusConnection``: its
publishers and consumers share it) and for the CLI's (``connect``). The inbox prefix
matters: each NATS user may subscribe only to ``_INBOX.<user>.>`` (shared/bus/auth.py),
where JetStream's replies and pulled messages arrive; nats-py makes every inbox of the
connection from it.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import nats
import nats.errors
from nats.aio.client import Client
from nats.js.client import JetStreamContext

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


class BusConnection:
    """A process's one nats-py connection and its JetStream context, which its publishers and
    consumers share: opened at start (``open``), drained at stop (``close``).

    In between nats-py reconnects on its own (every 2 s, up to 60 attempts) and keeps the
    subscriptions; the log says when the connection breaks and when it is back. Publishes
    fail meanwhile and their callers retry (the outbox relay's next round; a message whose
    settling failed comes back after ``ack_wait``).
    """

    def __init__(self, connection: NatsConnection, *, drain_timeout: int = 10,
                 log: logging.Logger | None = None) -> None:
        self.connection = connection
        self.drain_timeout = drain_timeout
        self.log = log or logging.getLogger("duban.bus")
        self._client: Client | None = None
        self._js: JetStreamContext | None = None
        self._closing = False  # by ``close``: the disconnection it causes is no news

    @property
    def client(self) -> Client:
        if self._client is None:
            raise nats.errors.ConnectionClosedError
        return self._client

    @property
    def js(self) -> JetStreamContext:
        """The connection's JetStream context (one per connection: it holds the reply
        subscription of the async publishes)."""
        if self._js is None:
            raise nats.errors.ConnectionClosedError
        return self._js

    async def open(self) -> Client:
        client = await nats.connect(**self.connection.options(), drain_timeout=self.drain_timeout,
                                    error_cb=self._error, disconnected_cb=self._disconnected,
                                    reconnected_cb=self._reconnected, closed_cb=self._closed)
        self._client, self._js, self._closing = client, client.jetstream(), False
        return client

    async def close(self) -> None:
        """Drain (pending publishes are flushed, subscriptions let go), then close."""
        client, self._closing = self._client, True
        try:
            if client is not None and not client.is_closed:
                await client.drain()
        except (nats.errors.Error, OSError, TimeoutError) as error:  # the server is gone: nothing to drain
            self.log.warning("NATS connection did not drain", extra={"nats": self.connection.name,
                                                                       "error": repr(error)})
            await client.close()
        finally:
            self._client = self._js = None

    async def ping(self, timeout: float) -> bool:
        """Whether the server answers a ping within ``timeout`` (a reconnect that short is
        waited out); False when the connection is not open, an error when it times out."""
        if self._client is None or self._client.is_closed:
            return False
        await self._client.flush(timeout=timeout)
        return self._client.is_connected

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        await self.close()

    async def _error(self, error: Exception) -> None:
        self.log.warning("NATS connection error", extra={"nats": self.connection.name, "error": repr(error)})

    async def _disconnected(self) -> None:
        if not self._closing:
            self.log.warning("NATS disconnected; reconnecting", extra={"nats": self.connection.name})

    async def _reconnected(self) -> None:
        self.log.info("NATS reconnected", extra={"nats": self.connection.name})

    async def _closed(self) -> None:
        if not self._closing:
            self.log.error("NATS connection closed: no more reconnect attempts", extra={"nats": self.connection.name})


def bus_connection(settings: CommonSettings, name: str, **extra: Any) -> BusConnection:
    """The connection of a service (or of its relay thread), as its NATS user."""
    return BusConnection(nats_connection(settings, name), **extra)
