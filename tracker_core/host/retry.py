"""When and how long to wait before asking the host again.

A ``RetryPolicy`` is configuration; a ``RetryBudget`` is the state of one call
(attempts made, time spent). Time spent counts the waits as they were asked for,
so an injected no-op ``sleep`` (tests) still exhausts the budget exactly as a real
clock would.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tracker_core.errors import UsageError

_jitter_rng = random.Random()  # noqa: S311 - spreading retries, not security


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded in attempts and in total time.

    ``max_total`` bounds the whole call, waits included (also ``Retry-After``
    waits: a wait that would overrun it is not taken). ``jitter`` is the fraction
    of each backoff delay that is randomised: 0 gives the plain exponential delay,
    1 gives full jitter (anywhere between 0 and the delay).
    """

    max_attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_total: float = 30.0
    jitter: float = 0.5
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise UsageError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_total < 0:
            raise UsageError("retry delays and max_total must not be negative")
        if not 0.0 <= self.jitter <= 1.0:
            raise UsageError(f"jitter must be between 0 and 1, got {self.jitter}")

    def backoff(self, retry_number: int) -> float:
        """The wait before retry number ``retry_number`` (1 for the first retry)."""
        exponent = max(retry_number - 1, 0)
        # Cap the exponent so a huge attempt count cannot overflow the float.
        delay = min(self.max_delay, self.base_delay * (2.0 ** min(exponent, 64)))
        return delay * (1.0 - self.jitter * _jitter_rng.random())


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date);
    ``None`` when absent or unreadable. Never negative."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(seconds, 0.0)


class RetryBudget:
    """Attempts and time spent by one logical call (all its retries)."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.attempts = 0
        self._start = time.monotonic()
        self._slept_real = 0.0
        self._slept_asked = 0.0

    @property
    def spent(self) -> float:
        """Seconds used so far, counting each wait as long as it was asked to be."""
        return time.monotonic() - self._start - self._slept_real + self._slept_asked

    @property
    def remaining(self) -> float:
        return max(self.policy.max_total - self.spent, 0.0)

    def next_wait(self, asked: float | None = None) -> float | None:
        """The wait before the next attempt (``asked`` by the host, else backoff), or
        ``None`` when attempts or time are used up."""
        if self.attempts >= self.policy.max_attempts:
            return None
        wait = asked if asked is not None else self.policy.backoff(self.attempts)
        if self.spent + wait > self.policy.max_total:
            return None
        return wait

    def wait(self, seconds: float) -> None:
        started = time.monotonic()
        self.policy.sleep(seconds)
        self._slept_real += time.monotonic() - started
        self._slept_asked += seconds
