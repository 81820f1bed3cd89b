"""What a service runs on: its clock, calendar, directory, database and NATS connection.

``build_runtime`` makes the real ones from settings; tests build a ``Runtime`` with a
settable clock or their own calendar and pass it to ``create_app(settings, deps)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from nats.aio.client import Client as NatsClient
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.bus.clock_kv import ClockFollower
from shared.bus.connection import BusConnection, bus_connection
from shared.bus.consumer import BatchHandler, Fetch, Handler, PullConsumer
from shared.bus.publisher import JetStreamPublisher
from shared.bus.topology import Topology, ensure_streams
from shared.calendar import WorkingCalendar, load_calendar
from shared.clock import Clock, SharedClock, SystemClock
from shared.identity import Authenticator, OrgDirectory, TokenVerifier, load_directory
from shared.production import check_settings
from shared.retry import RetryPolicy
from shared.settings import ServiceSettings
from shared.storage.database import create_engine
from shared.storage.migrations import upgrade

log = logging.getLogger("duban.runtime")

BackgroundTask = Callable[[asyncio.Event], Awaitable[None]]  # runs until the event is set
StartupStep = Callable[[], Awaitable[None]]
ConnectedStep = Callable[[NatsClient], Awaitable[None]]


@dataclass
class Runtime:
    settings: ServiceSettings
    clock: Clock
    calendar: WorkingCalendar
    directory: OrgDirectory
    authenticator: Authenticator
    db: AsyncEngine
    bus: BusConnection  # the one NATS connection of its publishers and consumers
    topology: Topology
    background: list[BackgroundTask] = field(default_factory=list)
    startup: list[StartupStep] = field(default_factory=list)  # after migrations, before serving
    # as soon as NATS is connected, before any consumer starts (the shared clock's first value)
    connected: list[ConnectedStep] = field(default_factory=list)

    @property
    def publisher(self) -> JetStreamPublisher:
        """Publishes as this service (``Duban-Producer: <service>``)."""
        return JetStreamPublisher(self.bus, self.topology, self.settings.service)

    @property
    def retry(self) -> RetryPolicy:
        """How often a failing handler's message is delivered, and the back-off between deliveries."""
        return RetryPolicy(max_attempts=self.settings.max_deliver, delays=tuple(self.settings.retry_delays))

    def consume(self, durable: str, filter_subject: str, handler: Handler,
                batch_handler: BatchHandler | None = None) -> None:
        """Wire a handler (and, to apply a backlog in batches, a batch handler) to a durable pull
        consumer with this service's retry and fetch settings; the durable is created at start."""
        s = self.settings
        consumer = PullConsumer(self.topology, JetStreamPublisher(self.bus, self.topology, durable),
                                durable=durable, filter_subject=filter_subject, handler=handler,
                                batch_handler=batch_handler, retry=self.retry,
                                fetch=Fetch(batch_size=s.fetch_batch, max_wait=s.fetch_max_wait,
                                            ack_wait=s.ack_wait_seconds))

        async def open_durable() -> None:
            await consumer.open(self.bus.js)

        self.startup.insert(0, open_durable)  # the durable exists once the service is up
        self.background.append(consumer.run)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Migrate, connect, declare streams, start consumers and background tasks; undo on exit."""
        service = self.settings.service
        await asyncio.to_thread(upgrade, self.settings.db_url, service)
        client = await self.bus.open()
        for connected in self.connected:
            await connected(client)
        await ensure_streams(self.bus.js, self.topology)
        for step in self.startup:
            await step()
        stop = asyncio.Event()
        tasks = [asyncio.create_task(job(stop), name=f"{service}-background") for job in self.background]
        log.info("service started", extra={"service": service, "nats": self.settings.nats_url})
        try:
            yield
        finally:
            # let loops finish their current step (never cancel a transaction half-way)
            stop.set()
            if tasks:
                _, late = await asyncio.wait(tasks, timeout=15)
                for task in late:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            try:
                await self.bus.close()
            except Exception as error:  # NATS already gone: nothing left to drain
                log.warning("NATS connection did not close cleanly", extra={"error": repr(error)})
            await self.db.dispose()
            log.info("service stopped", extra={"service": service})


def clock_for(settings: ServiceSettings) -> Clock:
    """The wall clock, or (``DUBAN_CLOCK=simulated``) the platform's shared simulated clock: one
    time for every service, kept on the bus, standing still until ``duban clock`` moves it
    (shared/bus/clock_kv.py). ``build_runtime`` wires it to the bus."""
    if settings.clock == "simulated":
        return SharedClock()
    return SystemClock()


def follow_shared_clock(runtime: Runtime, clock: SharedClock) -> None:
    """Load the shared clock before any consumer starts, and follow its moves while running.
    A platform without one yet gets it from ``DUBAN_CLOCK_START``, else from the wall clock."""
    settings = runtime.settings
    start = settings.clock_start or SystemClock().now().replace(microsecond=0)
    follower = ClockFollower(clock, settings.bus_root, start)
    runtime.connected.append(follower.load)
    runtime.background.append(follower.run)


def build_runtime(settings: ServiceSettings, clock: Clock | None = None) -> Runtime:
    check_settings(settings)  # production refuses unsafe settings before anything starts
    directory = load_directory(settings.org_file)
    clock = clock or clock_for(settings)
    runtime = Runtime(
        settings=settings,
        clock=clock,
        calendar=load_calendar(settings.calendar_dir),
        directory=directory,
        authenticator=Authenticator(TokenVerifier.from_settings(settings), directory),
        db=create_engine(settings.db_url),
        bus=bus_connection(settings, f"duban-{settings.service}", log=logging.getLogger(f"duban.{settings.service}.bus")),
        topology=Topology(root=settings.bus_root, events_max_bytes=settings.bus_events_max_bytes),
    )
    if isinstance(clock, SharedClock):
        follow_shared_clock(runtime, clock)
    return runtime
