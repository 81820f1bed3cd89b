"""Keeping ``duban run``'s processes up: a crashed one is started again with back-off.

A child that dies is restarted after 1 s, then 2, 4, … up to 30 s while it keeps dying;
once it has run for a minute its next crash starts from 1 s again. Every exit and restart
is said in the log. Time is the monotonic clock of the supervising process, passed in, so
the policy is tested by moving a clock.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from shared.bus.embedded import EmbeddedNats


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0
    max_delay: float = 30.0
    stable_after: float = 60.0  # a child that ran this long crashed afresh: back to first_delay

    def delay(self, failures: int) -> float:
        """The wait before restart number ``failures`` (1-based) of a run of crashes."""
        return min(self.first_delay * 2 ** (failures - 1), self.max_delay)


class Child(Protocol):
    name: str

    def start(self) -> str:
        """Start the process; say where it is (raises if it cannot start)."""

    def exit_code(self) -> int | None:
        """None while it runs."""

    def stop(self) -> None: ...


@dataclass
class ServiceProcess:
    """A service as ``python -m services.<name>`` in its own session (Ctrl-C goes to ``duban run`` only)."""

    name: str
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        self.process = subprocess.Popen(self.command, env=self.env, start_new_session=True)
        return f"pid {self.process.pid}"

    def exit_code(self) -> int | None:
        return self.process.poll() if self.process else None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> bool:
        """Wait for it to end; kill it past ``timeout`` (then False)."""
        if not self.process:
            return True
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return False
        return True


@dataclass
class NatsProcess:
    """The embedded NATS server; restarted on its remembered port and data directory."""

    server: EmbeddedNats
    name: str = "embedded NATS"

    def start(self) -> str:
        return f"{self.server.start()}, data in {self.server.data_dir}"

    def exit_code(self) -> int | None:
        process = self.server.process
        return None if process is None else process.poll()

    def stop(self) -> None:
        self.server.stop()


@dataclass
class _Watch:
    child: Child
    started_at: float
    failures: int = 0
    restart_at: float | None = None


@dataclass
class Supervisor:
    """Watches started children; ``check`` restarts those that died once their back-off is over."""

    say: Callable[[str], None]
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    clock: Callable[[], float] = time.monotonic
    watches: list[_Watch] = field(default_factory=list)

    def watch(self, child: Child) -> None:
        """Supervise a child that has just been started."""
        self.watches.append(_Watch(child, self.clock()))

    def check(self) -> None:
        now = self.clock()
        for watch in self.watches:
            if watch.restart_at is None:
                code = watch.child.exit_code()
                if code is not None:
                    self._schedule(watch, now, f"exited with {code}")
            elif now >= watch.restart_at:
                self._restart(watch, now)

    def _schedule(self, watch: _Watch, now: float, what: str) -> None:
        ran = now - watch.started_at
        if ran >= self.policy.stable_after:
            watch.failures = 0
        watch.failures += 1
        delay = self.policy.delay(watch.failures)
        watch.restart_at = now + delay
        self.say(f"{watch.child.name} {what} after {ran:.0f}s; restarting in {delay:.0f}s "
                 f"(crash {watch.failures} in a row)")

    def _restart(self, watch: _Watch, now: float) -> None:
        watch.restart_at = None
        watch.started_at = now
        try:
            where = watch.child.start()
        except Exception as error:  # e.g. NATS could not bind its port yet: try again later
            self._schedule(watch, now, f"did not start ({error})")
        else:
            self.say(f"{watch.child.name} restarted ({where})")

    def run(self, stopping: Callable[[], bool], interval: float = 0.5) -> None:
        while not stopping():
            self.check()
            time.sleep(interval)  # a supervisor's heartbeat, not business time
