"""`duban nats config`: the NATS server configuration of the platform's users, for ops.

    duban nats config                      # passwords as $DUBAN_<SERVICE>_NATS_PASSWORD references
    duban nats config --passwords bcrypt   # bcrypt hashes of those variables' values, from this environment
    duban nats config --root duban --tls-cert server.pem --tls-key server.key [--tls-ca ca.pem --tls-verify]
    duban nats config --simulated-clock    # a training or demo platform: services follow the shared clock

Prints the ``authorization`` block (one user per service with its publish/subscribe
permissions, derived from the contracts by shared/bus/auth.py) and, with ``--tls-cert``,
a ``tls`` block. Include it in the server's config (deploy/nats/auth.conf is this output).
``--simulated-clock`` (never for production) adds the ``clock`` user that ``duban clock``
moves the shared simulated clock as, and lets every service read and watch it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from shared.bus.auth import SERVICES, USERS, ServerTls, env_passwords, hashed, password_variable, server_config
from shared.bus.topology import Topology
from shared.contracts.subjects import BadRoot, check_root
from shared.settings import CommonSettings


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("nats", help="the NATS server's users and permissions",
                            description="NATS server configuration for the platform's services.")
    commands = parser.add_subparsers(dest="nats_command", required=True, metavar="SUBCOMMAND")
    config = commands.add_parser("config", help="print the authorization (and tls) blocks of the server config",
                                 description="Prints one NATS user per service with the permissions its "
                                             "contracts allow, for the subject root of this platform.")
    config.add_argument("--root", help="subject root (default: DUBAN_BUS_ROOT or duban)")
    config.add_argument("--passwords", choices=("env", "bcrypt"), default="env",
                        help="env: $DUBAN_<SERVICE>_NATS_PASSWORD references the server resolves from its "
                             "environment (default); bcrypt: hashes of those variables' values here")
    config.add_argument("--tls-cert", type=Path, metavar="FILE", help="the server's certificate (PEM)")
    config.add_argument("--tls-key", type=Path, metavar="FILE", help="its private key (PEM)")
    config.add_argument("--tls-ca", type=Path, metavar="FILE", help="CA of the client certificates")
    config.add_argument("--tls-verify", action="store_true", help="require a client certificate")
    config.add_argument("--simulated-clock", action="store_true",
                        help="add the clock user and let the services follow the shared simulated clock "
                             "(DUBAN_CLOCK=simulated; demos and training, never production)")
    config.set_defaults(handler=_config)


def _config(args: argparse.Namespace) -> int:
    if bool(args.tls_cert) != bool(args.tls_key):
        return _fail("--tls-cert and --tls-key go together")
    if (args.tls_ca or args.tls_verify) and not args.tls_cert:
        return _fail("--tls-ca and --tls-verify need --tls-cert and --tls-key")
    if args.tls_verify and not args.tls_ca:
        return _fail("--tls-verify needs --tls-ca")
    users = USERS if args.simulated_clock else SERVICES
    if args.passwords == "env":
        passwords = env_passwords(users)
    else:
        missing = [password_variable(u) for u in users if not os.environ.get(password_variable(u))]
        if missing:
            return _fail(f"set {', '.join(missing)}")
        passwords = hashed({u: os.environ[password_variable(u)] for u in users})
    tls = ServerTls(args.tls_cert, args.tls_key, args.tls_ca, args.tls_verify) if args.tls_cert else None
    try:
        topology = Topology(root=check_root(args.root or CommonSettings().bus_root))
    except BadRoot as error:
        return _fail(str(error))
    sys.stdout.write(server_config(topology, passwords, tls, simulated_clock=args.simulated_clock))
    return 0


def _fail(text: str) -> int:
    print(f"duban nats config: error: {text}", file=sys.stderr)
    return 2
