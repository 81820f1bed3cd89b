"""``duban run``: the whole platform on this machine, one process per service.

Starts an embedded NATS server (unless ``NATS_URL``/``DUBAN_NATS_URL`` is set) with one user
per service (passwords generated once, kept in ``<data dir>/nats/passwords.json``, mode 0600)
on a port chosen once and remembered, uses SQLite under ``./var`` (unless ``DATABASE_URL``
is set), a local SMTP server that keeps mail in ``./var/mail`` (unless
``DUBAN_NOTIFICATION_SMTP_HOST`` is set), starts the four services, waits until they answer,
prints where they are, restarts whatever crashes (services and NATS) with back-off, and
stops everything on Ctrl-C.

``--simulated-clock [--clock-start 2026-12-20T09:00+08:00]`` runs every service on the
platform's one shared simulated clock (``DUBAN_CLOCK=simulated``, shared/bus/clock_kv.py),
standing still until ``duban clock set/advance`` moves it; the embedded NATS then also has
the user ``clock`` (its password in the same ``passwords.json``) that ``duban clock`` logs in
as. Refused in production.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import httpx

from services.cli.clock_cmd import ClockCommandSettings, beijing, on_clock, parse_time
from services.cli.mail_sink import MailSink
from services.cli.supervisor import NatsProcess, ServiceProcess, Supervisor
from shared.bus.auth import SERVICES, hashed, load_or_create_passwords, password_variable, server_config, user_for
from shared.bus.clock_kv import read_clock
from shared.bus.embedded import EmbeddedNats, remembered_ports
from shared.bus.topology import Topology
from shared.identity import load_directory
from shared.settings import CommonSettings

START_TIMEOUT = 60.0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("run", help="run the whole platform locally (embedded NATS, SQLite)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=8001,
                        help="workflow gets this port, ledger the next, then notification and reporting")
    parser.add_argument("--console-port", type=int, default=8080, metavar="PORT",
                        help="the console (web application and /api proxy) on this port, when console/dist "
                             "is built (0: no console)")
    parser.add_argument("--simulated-clock", action="store_true",
                        help="run every service on one shared simulated clock, moved by `duban clock` "
                             "(DUBAN_CLOCK=simulated; refused in production)")
    parser.add_argument("--clock-start", metavar="TIME",
                        help="where a new simulated clock starts, e.g. 2026-12-20T09:00+08:00 (default: now)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = CommonSettings()
    say(f"{settings.env} mode (DUBAN_ENV)" + (": for a laptop, not for a city's data (deploy/README.md)"
                                             if settings.env != "production" else ""))
    simulated = args.simulated_clock or settings.clock == "simulated"
    if (problem := simulated_clock_problem(args, settings.env)) is not None:
        say(f"error: {problem}")
        return 2
    directory = load_directory(settings.org_file)  # the demo city; fail early if it is broken
    say(f"org directory: {settings.org_file} ({len(directory.units)} units, {len(directory.users)} users)")
    env = dict(os.environ)
    nats: NatsProcess | None = None
    mail: MailSink | None = None
    children: dict[str, ServiceProcess] = {}
    credentials: dict[str, dict[str, str]] = {name: {} for name in SERVICES}
    if simulated:
        env["DUBAN_CLOCK"] = "simulated"
        if args.clock_start:
            env["DUBAN_CLOCK_START"] = parse_time(args.clock_start).isoformat()
    try:
        if not (os.environ.get("NATS_URL") or os.environ.get("DUBAN_NATS_URL")):
            server, credentials = platform_nats(settings.data_dir / "nats", settings.bus_root, simulated)
            nats = NatsProcess(server)
            say(f"embedded NATS with JetStream at {nats.start()}; a user per service "
                f"(passwords in {server.data_dir / 'passwords.json'})")
            env["DUBAN_NATS_URL"] = server.url
        else:
            say(f"using NATS at {settings.nats_url}")
        say("database: " + (f"{settings.database_url}" if settings.database_url
                             else f"SQLite files under {settings.data_dir}/"))
        if not os.environ.get("DUBAN_NOTIFICATION_SMTP_HOST"):
            mail = MailSink(settings.data_dir / "mail")
            env["DUBAN_NOTIFICATION_SMTP_HOST"], env["DUBAN_NOTIFICATION_SMTP_PORT"] = "127.0.0.1", str(mail.start())
            say(f"e-mail goes to a local SMTP server on port {env['DUBAN_NOTIFICATION_SMTP_PORT']}: "
                f"Maildir {mail.mail_dir}")
        ports = {name: args.base_port + i for i, name in enumerate(SERVICES)}
        if args.console_port:  # the notices' links open this console
            env.setdefault("DUBAN_NOTIFICATION_CONSOLE_URL", f"http://{args.host}:{args.console_port}")
        for name in SERVICES:
            child_env = {**env, **credentials[name], f"DUBAN_{name.upper()}_PORT": str(ports[name]),
                         f"DUBAN_{name.upper()}_HOST": args.host}
            children[name] = ServiceProcess(name, [sys.executable, "-m", f"services.{name}"], child_env)
            say(f"{name} started ({children[name].start()})")
        urls = {name: f"http://{args.host}:{port}" for name, port in ports.items()}
        if (console := console_process(args, env, urls)) is not None:
            children["console"] = console
            say(f"console started ({console.start()})")
            urls["console"] = f"http://{args.host}:{args.console_port}"
        if not wait_until_healthy(urls, children):
            return 1
        if simulated:
            say_clock(args.clock_start)
        print_banner(urls, settings.env)
        supervise([*([nats] if nats else []), *children.values()])
        return 0
    finally:
        stop(children)
        if nats:
            nats.stop()
        if mail:
            mail.stop()
        say("stopped")


def console_process(args: argparse.Namespace, env: dict[str, str], urls: dict[str, str]) -> ServiceProcess | None:
    """The console server in front of the services, when its web application is built."""
    if args.console_port == 0:
        return None
    dist = Path(env.get("DUBAN_CONSOLE_DIST_DIR", "console/dist"))
    if not (dist / "index.html").is_file():
        say(f"console: not built ({dist}/index.html missing), so nothing answers on port {args.console_port}. "
            "Build it with Node.js 20 or later: cd console && npm ci && npm run build (or `make run`); "
            "Node.js: https://nodejs.org/ or your system's package (apt-get install nodejs npm)")
        return None
    console_env = {**env, "DUBAN_CONSOLE_PORT": str(args.console_port), "DUBAN_CONSOLE_HOST": args.host,
                   **{f"DUBAN_CONSOLE_{name.upper()}_URL": url for name, url in urls.items()}}
    return ServiceProcess("console", [sys.executable, "-m", "services.console"], console_env)


def simulated_clock_problem(args: argparse.Namespace, env: str) -> str | None:
    """Why these clock options cannot run (None when they can)."""
    if args.clock_start and not args.simulated_clock:
        return "--clock-start goes with --simulated-clock"
    if args.simulated_clock and env == "production":
        return "DUBAN_ENV=production runs on the system clock: --simulated-clock is refused"
    if args.clock_start:
        try:
            parse_time(args.clock_start)
        except ValueError as error:
            return f"--clock-start: {error}"
    return None


def say_clock(clock_start: str | None) -> None:
    """Where the shared clock stands (read as the ``clock`` user, as `duban clock show` does)."""
    try:
        reading = asyncio.run(on_clock(ClockCommandSettings(), read_clock))
    except Exception as error:  # only a message: the platform runs either way
        say(f"simulated clock: could not read it ({error or type(error).__name__})")
        return
    say(f"simulated clock: {beijing(reading.now)}, standing still until moved: "
        "duban clock show | set 2026-12-20T09:00+08:00 | advance 3d (2h, 30m, 10wd)")
    if clock_start and reading.start != parse_time(clock_start):
        say(f"--clock-start ignored: this platform's clock already started at {beijing(reading.start)} "
            "(move it with `duban clock set`)")


def platform_nats(data_dir: Path, root: str, simulated_clock: bool = False,
                  ) -> tuple[EmbeddedNats, dict[str, dict[str, str]]]:
    """The embedded server with the platform's users, and each service's own user and password
    (``DUBAN_<SERVICE>_NATS_USER``/``_NATS_PASSWORD``: a service never sees another's). With
    ``simulated_clock`` the services may follow the shared clock and the user ``clock``
    (``duban clock``, its password in the same file) may move it."""
    passwords = load_or_create_passwords(data_dir / "passwords.json")
    credentials = {service: {f"DUBAN_{service.upper()}_NATS_USER": user_for(service),
                             password_variable(service): passwords[service]} for service in SERVICES}
    port, monitor_port = remembered_ports(data_dir)
    server = EmbeddedNats(data_dir, port=port, monitor_port=monitor_port,
                          config=server_config(Topology(root=root), hashed(passwords),
                                               simulated_clock=simulated_clock))
    return server, credentials


def wait_until_healthy(urls: dict[str, str], children: dict[str, ServiceProcess]) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    pending = dict(urls)
    with httpx.Client(timeout=2.0) as client:
        while pending and time.monotonic() < deadline:
            for name, url in list(pending.items()):
                if (code := children[name].exit_code()) is not None:
                    say(f"{name} exited with {code} while starting")
                    return False
                try:
                    ready = client.get(f"{url}/readyz")
                except httpx.HTTPError:
                    continue
                if ready.status_code != 200:
                    say(f"{name} is up but not ready: {ready.json().get('detail')}")
                del pending[name]
            time.sleep(0.2)  # polling child processes that start on their own time
    if pending:
        say(f"did not come up within {START_TIMEOUT:.0f}s: {', '.join(pending)}")
    return not pending


def print_banner(urls: dict[str, str], env: str = "development") -> None:
    lines = ["", f"Duban is running ({env} mode):"]
    lines += [f"  {name:<13} {url}   (API docs: {url}/docs)" for name, url in urls.items() if name != "console"]
    if "console" in urls:
        lines += ["", f"  console       {urls['console']}   (web application; sign in as a demo user)"]
    lines += [
        "",
        "Get a token and call an API:",
        "  TOKEN=$(.venv/bin/duban token --user office)      # users: duban token --list",
        f"  curl -H \"Authorization: Bearer $TOKEN\" {urls['workflow']}/units",
        "",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)


def supervise(children: list[NatsProcess | ServiceProcess]) -> None:
    """Restart what crashes until Ctrl-C or SIGTERM."""
    stopping = {"signal": 0}

    def on_signal(signum: int, _frame: object) -> None:
        stopping["signal"] = signum

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    supervisor = Supervisor(say)
    for child in children:
        supervisor.watch(child)
    supervisor.run(lambda: bool(stopping["signal"]))


def stop(children: dict[str, ServiceProcess]) -> None:
    for child in children.values():
        child.stop()
    for name, child in children.items():
        if not child.wait(timeout=15):
            say(f"{name} did not stop in time; killed it")


def say(text: str) -> None:
    print(f"duban run: {text}", file=sys.stderr, flush=True)


