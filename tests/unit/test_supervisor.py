"""``duban run``'s supervisor: back-off doubling from 1 s to 30 s, reset after a stable run (a moved clock)."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.cli.supervisor import RestartPolicy, Supervisor


@dataclass
class FakeChild:
    name: str = "ledger"
    code: int | None = None
    starts: int = 0
    refuse_starts: int = 0

    def start(self) -> str:
        self.starts += 1
        if self.refuse_starts:
            self.refuse_starts -= 1
            raise RuntimeError("port in use")
        self.code = None
        return f"start {self.starts}"

    def exit_code(self) -> int | None:
        return self.code

    def stop(self) -> None:
        self.code = 0


@dataclass
class Clock:
    now: float = 1000.0
    said: list[str] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now


def supervised(child: FakeChild) -> tuple[Supervisor, Clock]:
    clock = Clock()
    supervisor = Supervisor(clock.said.append, RestartPolicy(), clock)
    supervisor.watch(child)
    return supervisor, clock


def test_the_delay_doubles_up_to_thirty_seconds() -> None:
    assert [RestartPolicy().delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_crashed_child_is_restarted_after_its_back_off_and_it_is_said() -> None:
    child = FakeChild()
    supervisor, clock = supervised(child)
    delays = []
    for _ in range(3):  # crashing right after each start: 1 s, 2 s, 4 s
        clock.now += 5
        child.code = -9
        supervisor.check()
        waited = 0.0
        while child.code is not None:
            clock.now += 0.5
            waited += 0.5
            supervisor.check()
        delays.append(waited)
    assert delays == [1.0, 2.0, 4.0]
    assert clock.said[0] == "ledger exited with -9 after 5s; restarting in 1s (crash 1 in a row)"
    assert clock.said[1] == "ledger restarted (start 1)"
    assert "crash 3 in a row" in clock.said[4]


def test_after_a_stable_run_the_back_off_starts_again_at_one_second() -> None:
    child = FakeChild()
    supervisor, clock = supervised(child)
    for _ in range(4):
        child.code = 1
        supervisor.check()
        clock.now += 60
        supervisor.check()
    assert "restarting in 8s (crash 4 in a row)" in clock.said[-2]
    clock.now += 120  # it has run a while now
    child.code = 1
    supervisor.check()
    assert clock.said[-1] == "ledger exited with 1 after 120s; restarting in 1s (crash 1 in a row)"


def test_a_child_that_cannot_start_is_tried_again_later() -> None:
    child = FakeChild(refuse_starts=1)
    supervisor, clock = supervised(child)
    child.code = -9
    supervisor.check()
    clock.now += 1
    supervisor.check()
    assert clock.said[-1] == "ledger did not start (port in use) after 0s; restarting in 2s (crash 2 in a row)"
    clock.now += 2
    supervisor.check()
    assert (child.starts, child.code, clock.said[-1]) == (2, None, "ledger restarted (start 2)")
