"""A local SMTP server for ``duban run``: the notification service's mail lands in a
Maildir under the data directory instead of going nowhere."""

from __future__ import annotations

import socket
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


class MailSink:
    def __init__(self, mail_dir: Path, host: str = "127.0.0.1") -> None:
        self.mail_dir, self.host = mail_dir, host
        self._controller: Controller | None = None

    def start(self) -> int:
        """Starts listening on a free port and returns it."""
        for part in ("tmp", "new", "cur"):  # a Maildir (mail arrives in new/)
            (self.mail_dir / part).mkdir(parents=True, exist_ok=True)
        with socket.socket() as probe:
            probe.bind((self.host, 0))
            port = probe.getsockname()[1]
        self._controller = Controller(Mailbox(self.mail_dir), hostname=self.host, port=port)
        self._controller.start()
        return port

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
