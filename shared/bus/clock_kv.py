"""The platform's shared simulated clock, kept on the bus in a JetStream key-value bucket.

``DUBAN_CLOCK=simulated`` puts every service on one time, held in the bucket
``<root>_clock`` (stream ``KV_<root>_clock``, subjects ``$KV.<root>_clock.>``, file storage:
it survives a NATS restart):

- its **start** is written in the stream's description (``…; start=<ISO time>``; stream
  metadata would be neater but needs NATS 2.10, and this machine's server is 2.9), fixed by whoever creates the
  bucket first: the first service to start (from ``DUBAN_CLOCK_START``, else the wall clock),
  or ``duban clock set`` on a platform not started yet. A second creation with another start
  is refused by the server (same name, different configuration), and no service may update
  a stream, so two services starting together agree and the start is written once;
- its **moves** are the key ``now``, written only by the ``clock`` NATS user
  (``duban clock set`` / ``advance``, shared/bus/auth.py): services only read and watch;
- **the time** is the value of ``now`` (an ISO datetime), else the start. It stands still
  between moves, so what a demo or a test sets is exactly what every service reads.

A service reads it through ``ClockFollower``: ``load`` (before its consumers start: no
message is handled on a time the platform does not share) opens the bucket and watches
``now`` until the current value has arrived; ``run`` (a background task) applies each move
to the service's ``SharedClock``, which wakes whoever waits on ``clock.moves()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

import nats.js.errors
from nats.aio.client import Client
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.client import JetStreamContext
from nats.js.kv import KeyValue

from shared.clock import SharedClock, aware_utc

log = logging.getLogger("duban.bus.clock")

KEY = "now"
START_MARK = "; start="
STREAM_IN_USE = 10058  # JetStream: stream name already in use with a different configuration
UPDATE_ATTEMPTS = 5
Target = Callable[[dt.datetime], dt.datetime]  # the new time, from the current one


def clock_bucket(root: str) -> str:
    return f"{root}_clock"


def clock_stream(root: str) -> str:
    return f"KV_{clock_bucket(root)}"


def clock_subject(root: str) -> str:
    """The one subject that moves the clock (only the ``clock`` user may publish it)."""
    return f"$KV.{clock_bucket(root)}.{KEY}"


def stream_config(root: str, start: dt.datetime) -> StreamConfig:
    """A key-value bucket as nats-py makes one (``create_key_value``), with the start in its description."""
    bucket = clock_bucket(root)
    return StreamConfig(
        name=clock_stream(root), description=f"Duban's shared simulated clock (duban clock){START_MARK}{encode(start)}",
        subjects=[f"$KV.{bucket}.>"], storage=StorageType.FILE, num_replicas=1,
        max_msgs_per_subject=1, max_msgs=-1, max_bytes=-1, max_msg_size=-1, max_consumers=-1,
        discard=DiscardPolicy.NEW, allow_rollup_hdrs=True, deny_delete=True, allow_direct=True,
        duplicate_window=120.0)


def encode(when: dt.datetime) -> str:
    return aware_utc(when).isoformat()


def decode(text: str | bytes) -> dt.datetime:
    raw = text.decode() if isinstance(text, bytes) else text
    return aware_utc(dt.datetime.fromisoformat(raw), "shared clock's value")


class NoClock(LookupError):
    """No shared clock on this subject root yet: no service has started on ``DUBAN_CLOCK=simulated``."""

    def __init__(self, root: str) -> None:
        super().__init__(f"no shared simulated clock for the subject root {root!r} (no bucket {clock_bucket(root)})")


@dataclass(frozen=True)
class Reading:
    """The shared clock as it stands: its time, its start, and the revision of ``now``
    (0 while it was never moved)."""

    now: dt.datetime
    start: dt.datetime
    revision: int


class ClockBucket:
    """The bucket of one subject root, opened (and created if absent)."""

    def __init__(self, kv: KeyValue, start: dt.datetime) -> None:
        self.kv, self.start = kv, start

    @classmethod
    async def open(cls, js: JetStreamContext, root: str, start: dt.datetime | None) -> "ClockBucket":
        """The bucket; when there is none, created with ``start`` (another start may win a
        race: then that one counts), or ``NoClock`` without one."""
        stream = clock_stream(root)
        try:
            info = await js.stream_info(stream)
        except nats.js.errors.NotFoundError:
            if start is None:
                raise NoClock(root) from None
            try:
                info = await js.add_stream(stream_config(root, start))
            except nats.js.errors.BadRequestError as error:
                if error.err_code != STREAM_IN_USE:
                    raise
                info = await js.stream_info(stream)  # created meanwhile, with its own start
        _, mark, recorded = (info.config.description or "").rpartition(START_MARK)
        if not mark:
            raise RuntimeError(f"the stream {stream} is not a Duban clock (no start in its description)")
        return cls(await js.key_value(clock_bucket(root)), decode(recorded))

    async def read(self) -> Reading:
        try:
            entry = await self.kv.get(KEY)
        except nats.js.errors.KeyNotFoundError:
            return Reading(self.start, self.start, 0)
        return Reading(decode(entry.value or b""), self.start, entry.revision or 0)

    async def move(self, to: dt.datetime, expected: Reading) -> Reading:
        """Set the time to ``to`` if nobody moved it since ``expected`` was read
        (``nats.js.errors.KeyWrongLastSequenceError`` otherwise). The ``clock`` user's call."""
        value = encode(to).encode()
        if expected.revision:
            revision = await self.kv.update(KEY, value, last=expected.revision)
        else:
            revision = await self.kv.create(KEY, value)
        return Reading(aware_utc(to), self.start, revision)


async def read_clock(js: JetStreamContext, root: str) -> Reading:
    """The shared clock as it stands (``NoClock`` when there is none)."""
    return await (await ClockBucket.open(js, root, None)).read()


class MovesBackwards(ValueError):
    """A move to an earlier time, not asked for as one."""

    def __init__(self, now: dt.datetime, to: dt.datetime) -> None:
        super().__init__(f"{to.isoformat()} is before the shared clock's {now.isoformat()}")
        self.now, self.to = now, to


async def move_clock(js: JetStreamContext, root: str, target: Target, *, backwards: bool = False,
                     start: dt.datetime | None = None) -> tuple[Reading, Reading]:
    """Move the shared clock to ``target(current time)``: (before, after). Refuses an earlier
    time unless ``backwards`` (``MovesBackwards``). Retried when another move came in between
    (the target is computed again from the newer time). A platform without a clock yet gets
    one starting at ``start``; without ``start`` that is ``NoClock``."""
    bucket = await ClockBucket.open(js, root, start)
    for _ in range(UPDATE_ATTEMPTS):
        before = await bucket.read()
        to = aware_utc(target(before.now))
        if to < before.now and not backwards:
            raise MovesBackwards(before.now, to)
        try:
            return before, await bucket.move(to, before)
        except nats.js.errors.KeyWrongLastSequenceError:
            continue
    raise RuntimeError("the shared clock kept moving under this command; try again")


class ClockFollower:
    """Keeps a service's ``SharedClock`` on the bus's time (see the module's docstring)."""

    def __init__(self, clock: SharedClock, root: str, start: dt.datetime) -> None:
        self.clock, self.root, self.start = clock, root, aware_utc(start, "clock start")
        self._watcher: KeyValue.KeyWatcher | None = None

    async def load(self, connection: Client) -> None:
        """Open the bucket, watch ``now`` and take the current time; the first value is in
        the clock when this returns."""
        bucket = await ClockBucket.open(connection.jetstream(), self.root, self.start)
        self._watcher = await bucket.kv.watch(KEY)
        while (entry := await self._watcher.updates(timeout=10.0)) is not None:
            self._apply(entry)  # the current value; ``None`` marks that the watcher caught up
        if not self.clock.loaded:  # never moved: the start
            self.clock.follow(bucket.start)
        log.info("on the shared simulated clock", extra={"now": self.clock.now().isoformat(),
                                                        "bucket": clock_bucket(self.root)})

    async def run(self, stop: asyncio.Event) -> None:
        """Apply each move until ``stop`` is set."""
        watcher = self._watcher
        assert watcher is not None, "load() first"

        async def stop_watching() -> None:
            await stop.wait()
            with contextlib.suppress(Exception):  # NATS already gone: nothing left to unsubscribe
                await watcher.stop()  # ends the iteration below

        stopper = asyncio.create_task(stop_watching())
        try:
            async for entry in watcher:
                if entry is not None:
                    self._apply(entry)
        finally:
            stopper.cancel()

    def _apply(self, entry: KeyValue.Entry) -> None:
        if entry.operation is not None or not entry.value:  # a delete or purge: nobody moves time that way
            log.warning("ignored a removal of the shared clock's value", extra={"operation": entry.operation})
            return
        try:
            when = decode(entry.value)
        except ValueError as error:
            log.error("ignored an unreadable shared clock value", extra={"value": entry.value[:60], "error": str(error)})
            return
        before = self.clock.now() if self.clock.loaded else None
        self.clock.follow(when)
        if before is not None and before != when:
            log.info("the shared clock moved", extra={"from": before.isoformat(), "to": when.isoformat()})
