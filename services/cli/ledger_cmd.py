"""`duban ledger rebuild`: replay every event into an empty ledger read model.

    duban ledger rebuild              # stop the ledger service first
    duban ledger rebuild --batch 1000

Uses the ledger's settings (``DUBAN_LEDGER_*``, ``DUBAN_*``, ``NATS_URL``, ``DATABASE_URL``).
Exit codes: 0 rebuilt, 1 failed (NATS or the database unreachable, the stream incomplete).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from services.ledger.adapters.store import LedgerStore
from services.ledger.config import LedgerSettings
from services.ledger.entrypoints.rebuild import RebuildReport, rebuild
from services.ledger.service import projection_for
from shared.bus.connection import connect
from shared.bus.topology import Topology
from shared.calendar import load_calendar
from shared.clock import SystemClock
from shared.identity import load_directory
from shared.storage.database import create_engine
from shared.storage.migrations import upgrade


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ledger", help="the supervision ledger (台帐)",
                            description="Maintenance of the ledger service's read model.")
    commands = parser.add_subparsers(dest="ledger_command", required=True, metavar="SUBCOMMAND")
    replay = commands.add_parser("rebuild", help="replay the events stream from its start into an empty ledger",
                                 description="Empties the ledger tables and replays every stored event. "
                                             "Stop the ledger service while it runs.")
    replay.add_argument("--batch", type=int, default=500, metavar="N", help="events per transaction (default 500)")
    replay.set_defaults(handler=_rebuild)


async def run_rebuild(settings: LedgerSettings, batch: int) -> RebuildReport:
    await asyncio.to_thread(upgrade, settings.db_url, settings.service)
    store = LedgerStore(projection_for(load_directory(settings.org_file), load_calendar(settings.calendar_dir)))
    db = create_engine(settings.db_url)
    connection = await connect(settings, "duban-ledger-rebuild")  # as the ledger's NATS user
    try:
        return await rebuild(db, connection.jetstream(), Topology(root=settings.bus_root), store, SystemClock(),
                             batch_size=batch)
    finally:
        await connection.close()
        await db.dispose()


def _rebuild(args: argparse.Namespace) -> int:
    if not 1 <= args.batch <= 10_000:
        print("duban ledger rebuild: error: --batch must be between 1 and 10000", file=sys.stderr)
        return 2
    try:
        report = asyncio.run(run_rebuild(LedgerSettings(), args.batch))
    except Exception as error:  # the CLI's edge: say what failed, exit 1
        print(f"duban ledger rebuild: error: {error}", file=sys.stderr)
        return 1
    print(f"ledger rebuilt: {report.read} events read, {report.applied} applied, {report.malformed} malformed "
          f"skipped, in {report.seconds:.1f}s ({report.rate:.0f} events/s)")
    return 0
