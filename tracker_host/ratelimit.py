"""Per-token rate limit: a token bucket per caller, off unless configured."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable


class RateLimiter:
    def __init__(self, rate: float, burst: int | None, clock: Callable[[], float]) -> None:
        self._rate = rate
        self._capacity = float(burst if burst is not None else max(1, math.ceil(rate)))
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def acquire(self, caller: str) -> int | None:
        """Take one request from the caller's bucket; None if allowed, else seconds to wait."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(caller, (self._capacity, now))
            tokens = min(self._capacity, tokens + (now - last) * self._rate)
            if tokens >= 1.0:
                self._buckets[caller] = (tokens - 1.0, now)
                return None
            self._buckets[caller] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self._rate))

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()
