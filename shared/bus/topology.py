"""The JetStream streams, declared here and nowhere else.

A topology is named by a root (``duban`` in production). Tests sharing one NATS server
use their own root, which gives them their own subjects and streams.
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from shared.contracts.subjects import ROOT, canonical, namespaced

DAY = 24 * 3600.0
MAX_DELIVERIES_ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"


@dataclass(frozen=True)
class Topology:
    root: str = ROOT
    duplicate_window: float = 600.0  # an outbox relay that crashed after publishing re-sends within this
    # -1: no limit and no reservation. The events are the ledger's source of truth for a
    # rebuild, so none is discarded by default; a byte limit is also reserved up front on
    # the server, and JetStream refuses streams beyond its storage (75% of free disk).
    events_max_bytes: int = -1

    def subject(self, canonical: str) -> str:
        """The subject a canonical ``duban.…`` name has under this root."""
        return namespaced(canonical, self.root)

    def canonical(self, subject: str) -> str:
        """Back from this root's subject to the canonical ``duban.…`` name."""
        return canonical(subject, self.root)

    @property
    def events_stream(self) -> str:
        return f"{self.root.upper()}_EVENTS"

    @property
    def commands_stream(self) -> str:
        return f"{self.root.upper()}_COMMANDS"

    @property
    def dead_letter_stream(self) -> str:
        return f"{self.root.upper()}_DLQ"

    @staticmethod
    def dead_letter_subject(canonical: str) -> str:
        """``duban.dlq.<rest of the original canonical subject>``."""
        return f"{ROOT}.dlq.{canonical.split('.', 1)[1]}"

    def stream_for(self, subject: str) -> str:
        kind = subject.split(".")[1]
        return {"events": self.events_stream, "cmd": self.commands_stream, "dlq": self.dead_letter_stream}[kind]

    def streams(self) -> list[StreamConfig]:
        return [
            StreamConfig(
                name=self.events_stream,
                description="Duban domain events; kept for ledger rebuilds",
                subjects=[f"{self.root}.events.>"],
                retention=RetentionPolicy.LIMITS,
                storage=StorageType.FILE,
                discard=DiscardPolicy.OLD,
                max_age=0,
                max_bytes=self.events_max_bytes,
                max_msg_size=1024 * 1024,
                duplicate_window=self.duplicate_window,
            ),
            StreamConfig(
                name=self.commands_stream,
                description="Duban commands: each is taken by one consumer",
                subjects=[f"{self.root}.cmd.>"],
                retention=RetentionPolicy.WORK_QUEUE,
                storage=StorageType.FILE,
                max_age=30 * DAY,
                max_msg_size=1024 * 1024,
                duplicate_window=self.duplicate_window,
            ),
            StreamConfig(
                name=self.dead_letter_stream,
                description="Messages no consumer could handle, and max-deliveries advisories",
                subjects=[
                    f"{self.root}.dlq.>",
                    f"{MAX_DELIVERIES_ADVISORY}.{self.events_stream}.*",
                    f"{MAX_DELIVERIES_ADVISORY}.{self.commands_stream}.*",
                ],
                retention=RetentionPolicy.LIMITS,
                storage=StorageType.FILE,
                max_age=180 * DAY,
                duplicate_window=self.duplicate_window,
            ),
        ]


async def ensure_streams(js: JetStreamContext, topology: Topology) -> None:
    """Create the streams, or bring an existing one to this declaration."""
    for config in topology.streams():
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)


async def delete_streams(js: JetStreamContext, topology: Topology) -> None:
    """Remove the streams of a topology (tests clean up after themselves)."""
    for config in topology.streams():
        try:
            await js.delete_stream(config.name)
        except NotFoundError:
            pass
