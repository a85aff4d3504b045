"""Run many host calls at once, with a bound, without one failure sinking the batch.

Discovery across providers and audits of many repos are latency-bound: the calls
are independent, so they run on a small thread pool (the sync ``httpx.Client`` is
thread-safe). Each item gets an ``Outcome`` in input order; a ``TrackerError`` is
captured in its outcome, while any other exception is a bug and propagates.

A ``Throttle`` makes a batch respect the host's rate limit as a whole. The client
already honours ``Retry-After`` within one call, but each worker only learns of the
limit from its own 429s, and a call whose retries run out would be reported as
failed although the host only asked for patience. With a throttle, such a call
pauses every worker for the time the host asked, the batch continues with half as
many calls in flight (growing back by one per window of successes), and the item
is tried again, within a bounded total wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from tracker_core.errors import RateLimitedError, TrackerError, UsageError

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[R]):
    """The result of one item: a ``value``, or the ``error`` that replaced it."""

    value: R | None = None
    error: TrackerError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def unwrap(self) -> R:
        """The value, or the captured error raised again."""
        if self.error is not None:
            raise self.error
        return cast(R, self.value)


class Throttle:
    """Pacing shared by the workers of one batch (or of several batches in a row).

    ``limit`` calls may be in flight (at most the pool's size). A rate-limited call
    pauses everyone for its ``retry_after`` (``default_wait`` when the host named no
    time) and halves ``limit`` once per pause; every ``limit`` successes in a row add
    one back. An item is tried again at most ``max_retries`` times, and no pause
    starts that would take the batch's total waiting past ``max_wait`` seconds: then
    the rate-limit error becomes the item's outcome.
    """

    def __init__(
        self,
        max_in_flight: int = 8,
        *,
        max_wait: float = 30.0,
        max_retries: int = 6,
        default_wait: float = 1.0,
    ) -> None:
        if max_in_flight < 1:
            raise UsageError(f"max_in_flight must be at least 1, got {max_in_flight}")
        self.max_in_flight = max_in_flight
        self.max_wait = max_wait
        self.max_retries = max_retries
        self.default_wait = default_wait
        self._cond = threading.Condition()
        self._limit = max_in_flight
        self._in_flight = 0
        self._streak = 0
        self._paused_until = 0.0
        self._waited = 0.0  # seconds of pause started so far
        self.pauses = 0  # how many times the batch paused (for tests and benchmarks)

    @property
    def limit(self) -> int:
        return self._limit

    def acquire(self) -> None:
        """Wait for the pause to end and for a free slot under the current limit."""
        with self._cond:
            while True:
                delay = self._paused_until - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                elif self._in_flight >= self._limit:
                    self._cond.wait()
                else:
                    self._in_flight += 1
                    return

    def release(self, *, ok: bool) -> None:
        with self._cond:
            self._in_flight -= 1
            if ok:
                self._streak += 1
                if self._streak >= self._limit and self._limit < self.max_in_flight:
                    self._limit += 1
                    self._streak = 0
            self._cond.notify_all()

    def rate_limited(self, retry_after: float | None) -> bool:
        """The host refused for now: pause the batch. False when the wait budget is
        spent (the caller then reports the error)."""
        wait = self.default_wait if retry_after is None else max(retry_after, 0.0)
        with self._cond:
            now = time.monotonic()
            until = now + wait
            if until <= self._paused_until:
                return True  # another worker already paused the batch long enough
            extra = until - max(self._paused_until, now)
            if self._waited + extra > self.max_wait:
                return False
            if self._paused_until <= now:  # a new pause, not an extension of this one
                self.pauses += 1
                self._limit = max(1, self._limit // 2)
            self._waited += extra
            self._paused_until = until
            self._streak = 0
            self._cond.notify_all()
            return True

    def run(self, fn: Callable[[T], R], item: T) -> R:
        """``fn(item)`` under the throttle, again after each pause it asked for."""
        retries = 0
        while True:
            self.acquire()
            try:
                value = fn(item)
            except RateLimitedError as exc:
                # Pause first, then free the slot: no other worker slips in between.
                again = retries < self.max_retries and self.rate_limited(exc.retry_after)
                self.release(ok=False)
                if not again:
                    raise
                retries += 1
                continue
            except BaseException:
                self.release(ok=False)
                raise
            self.release(ok=True)
            return value


def bounded_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    max_workers: int = 8,
    throttle: Throttle | None = None,
) -> list[Outcome[R]]:
    """``fn`` over ``items`` with at most ``max_workers`` calls in flight; one
    ``Outcome`` per item, in input order. With a ``throttle``, a rate-limited item
    pauses the whole batch and is tried again (see ``Throttle``)."""
    if max_workers < 1:
        raise UsageError(f"max_workers must be at least 1, got {max_workers}")
    work = list(items)
    if not work:
        return []
    task: Callable[[T], R] = fn
    if throttle is not None:
        paced = throttle

        def task(item: T) -> R:
            return paced.run(fn, item)

    with ThreadPoolExecutor(
        max_workers=min(max_workers, len(work)), thread_name_prefix="sk-tracker"
    ) as pool:
        futures = [pool.submit(task, item) for item in work]
        try:
            return [outcome_of(future) for future in futures]
        except BaseException:
            # A bug in fn (not a TrackerError): stop queued work, then re-raise.
            for future in futures:
                future.cancel()
            raise


def outcome_of(future: Future[R]) -> Outcome[R]:
    """Wait for ``future``: its value, or the ``TrackerError`` it raised, as an
    ``Outcome``; any other exception (a bug) propagates."""
    try:
        return Outcome(value=future.result())
    except TrackerError as exc:
        return Outcome(error=exc)
