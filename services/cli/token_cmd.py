"""`duban token`: issue a bearer token for a user of the organisation file, or list them.

    duban token --user office            # the token alone on stdout
    duban token --user office --ttl-minutes 30
    duban token --list                   # who can I be?
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from datetime import timedelta

from shared.clock import SystemClock
from shared.identity.directory import DirectoryError, OrgDirectory, load_directory
from shared.identity.tokens import TokenIssuer
from shared.settings import DEV_JWT_SECRET, CommonSettings

USAGE_ERROR = 2


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "token",
        help="issue a bearer token for a user of the org file (签发令牌)",
        description="Issue an HS256 bearer token for a user of the organisation file, or list the users.",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--user", metavar="NAME", help="username from the organisation file")
    what.add_argument("--list", action="store_true", help="list the users (username, name, roles, unit)")
    parser.add_argument("--ttl-minutes", type=_positive_int, metavar="N", help="lifetime (default: token_ttl_minutes)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = CommonSettings()
    try:
        directory = load_directory(settings.org_file)
    except DirectoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    if args.list:
        print(_table(directory))
        return 0
    if directory.user(args.user) is None:
        print(f"error: no user {args.user!r} in {settings.org_file} (see `duban token --list`)", file=sys.stderr)
        return USAGE_ERROR
    _warn_about(settings)
    ttl = timedelta(minutes=args.ttl_minutes) if args.ttl_minutes else None
    issuer = TokenIssuer.from_settings(settings, ttl=ttl)
    print(issuer.issue(args.user, now=SystemClock().now()))
    return 0


def _warn_about(settings: CommonSettings) -> None:
    if settings.jwt_secret == DEV_JWT_SECRET:
        print("warning: signed with the development secret; set DUBAN_JWT_SECRET outside development", file=sys.stderr)
    if settings.jwt_jwks_url:
        print("warning: DUBAN_JWT_JWKS_URL is set, so services expect tokens from that issuer", file=sys.stderr)


def _table(directory: OrgDirectory) -> str:
    rows = [("USERNAME", "NAME", "ROLES", "UNIT", "TITLE")]
    for user in directory.users:
        unit = directory.unit(user.unit) if user.unit else None
        roles = ",".join(str(role) for role in user.roles) + (" (秘书长)" if user.secretary_general else "")
        unit_text = f"{unit.id} {unit.display_name}" if unit else "-"
        rows.append((user.username, user.name, roles, unit_text, user.title or "-"))
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
