"""The one retry rule: a bounded number of attempts, with a back-off between them.

Used by the bus consumers (a failing handler is redelivered after the delay, dead-lettered
once the attempts are spent) and by the notification dispatcher (a failed e-mail or webhook
is sent again after the delay, marked failed once the attempts are spent).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Up to ``max_attempts`` attempts; after the n-th failed one, wait ``delays[n-1]``
    seconds (the last delay repeats; no delays: try again at once)."""

    max_attempts: int = 5
    delays: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("a retry policy allows at least one attempt")
        if any(delay < 0 for delay in self.delays):
            raise ValueError("retry delays are not negative")

    def delay_after(self, attempts: int) -> float | None:
        """Seconds before the next attempt once ``attempts`` have failed; None once they are spent."""
        if attempts >= self.max_attempts:
            return None
        if not self.delays:
            return 0.0
        return self.delays[min(max(attempts, 1), len(self.delays)) - 1]
