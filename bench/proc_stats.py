"""What a process has spent, read from /proc: CPU seconds, resident memory, and the
PostgreSQL backends that serve a given set of connections.

CPU is ``utime + stime`` of ``/proc/<pid>/stat`` (all threads of the process), in clock
ticks (10 ms here), so a figure over a window of seconds is good to a few per cent.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (0.0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / TICK  # fields 14 and 15 of stat(5)


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def listening_pid(port: int) -> int | None:
    """The process that listens on a local TCP port (needs to see its /proc/<pid>/fd: root or owner)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(parts[9])
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in wanted:
                    return int(proc.name)
        except (PermissionError, FileNotFoundError, ProcessLookupError):
            continue
    return None


class BackendSampler:
    """PostgreSQL backends of connections whose ``application_name`` starts with a prefix,
    and the CPU each has spent, sampled every ``interval`` seconds on a thread.

    A backend lives as long as its connection; its last sample stands for its whole CPU, so
    a backend that ends between two samples loses at most ``interval`` of its time.
    ``mark()`` starts a window; ``spent()`` gives each application's CPU seconds since.
    """

    def __init__(self, admin_url: str, prefix: str, interval: float = 0.2) -> None:
        import psycopg  # only where PostgreSQL is measured

        self.prefix, self.interval = prefix, interval
        self._connection = psycopg.connect(admin_url, autocommit=True, application_name="bench-sampler")
        self._last: dict[int, tuple[str, float]] = {}
        self._start: dict[int, float] = {}
        self._lock = threading.Lock()
        self._query_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="pg-backend-sampler")
        self._sample()
        self._thread.start()

    def _sample(self) -> None:
        with self._query_lock:  # one connection, used by the thread and by mark/spent
            rows = self._connection.execute(
                "SELECT pid, application_name FROM pg_stat_activity WHERE application_name LIKE %s",
                (self.prefix + "%",)).fetchall()
        seen = {pid: (app, cpu_seconds(pid)) for pid, app in rows}
        with self._lock:
            for pid, (app, cpu) in seen.items():
                if cpu or pid not in self._last:
                    self._last[pid] = (app, cpu)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._sample()
            except Exception:  # the sampler must never stop the bench; the next sample tries again
                time.sleep(self.interval)

    def mark(self) -> None:
        self._sample()
        with self._lock:
            self._start = {pid: cpu for pid, (_, cpu) in self._last.items()}

    def spent(self) -> dict[str, float]:
        self._sample()
        totals: dict[str, float] = defaultdict(float)
        with self._lock:
            for pid, (app, cpu) in self._last.items():
                totals[app] += cpu - self._start.get(pid, 0.0)
        return dict(totals)

    def apps(self) -> dict[int, str]:
        """pid -> application of every backend seen so far."""
        with self._lock:
            return {pid: app for pid, (app, _) in self._last.items()}

    def backends(self) -> dict[str, int]:
        """How many distinct backends each application has had so far (connections opened)."""
        counts: dict[str, int] = defaultdict(int)
        with self._lock:
            for app, _ in self._last.values():
                counts[app] += 1
        return dict(counts)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._connection.close()


class StatementLog:
    """Counts the statements PostgreSQL logged (``log_statement=all``) per application, by
    the backend pid of each log line (the default ``log_line_prefix`` has ``[%p]``)."""

    LINE = re.compile(r"\[(\d+)\] .*?LOG:  (?:statement|execute [^:]*): (\w+)")

    def __init__(self, path: str, sampler: BackendSampler) -> None:
        self.path, self.sampler = Path(path), sampler
        self._offset = 0

    def mark(self) -> None:
        self._offset = self.path.stat().st_size

    def counted(self) -> dict[str, Counter[str]]:
        """app -> statement keyword -> count, since ``mark``."""
        apps = self.sampler.apps()
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        with self.path.open("rb") as log:
            log.seek(self._offset)
            for raw in log:
                found = self.LINE.search(raw.decode("utf-8", "replace"))
                if found and (app := apps.get(int(found.group(1)))):
                    counts[app][found.group(2).upper()] += 1
        return dict(counts)
