"""`duban bpmn check FILE...`: validate BPMN files before they are loaded or deployed.

    duban bpmn check workflows/*.bpmn

The files are checked together (call activities reference processes in other files):
the BPMN and Spiff XSDs, the engine's parse, and the rules of workflows/README.md.
Each problem goes to stderr, ``OK <file>`` to stdout for each clean file.
Exit codes: 0 every file is clean, 1 at least one problem.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("bpmn", help="BPMN process files",
                            description="Checks on the BPMN files the workflow service runs.")
    commands = parser.add_subparsers(dest="bpmn_command", required=True, metavar="SUBCOMMAND")
    check = commands.add_parser("check", help="validate BPMN files (XSD, engine parse, project rules)")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE", help="the .bpmn files, checked together")
    check.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    from services.workflow.engine.checks import check_files  # SpiffWorkflow loads only for this command

    files = list(dict.fromkeys(args.files))
    problems = check_files(files)
    for problem in problems:
        print(problem, file=sys.stderr)
    failed = {problem.file for problem in problems}
    for path in files:
        if str(path) not in failed:
            print(f"OK {path}")
    return 1 if problems else 0
