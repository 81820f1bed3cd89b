"""The ``duban`` console command. Each sub-command lives in its own module."""

from __future__ import annotations

import argparse
import sys

from services.cli import bpmn_cmd, calendar_cmd, clock_cmd, ledger_cmd, nats_cmd, run_cmd, token_cmd

COMMANDS = (run_cmd, clock_cmd, calendar_cmd, token_cmd, bpmn_cmd, ledger_cmd, nats_cmd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="duban", description="Duban supervision platform (政务督查督办)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(sub)
    args = parser.parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
