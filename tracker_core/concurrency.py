"""Run many host calls at once, with a bound, without one failure sinking the batch.

Discovery across providers and audits of many repos are latency-bound: the calls
are independent, so they run on a small thread pool (the sync ``httpx.Client`` is
thread-safe). Each item gets an ``Outcome`` in input order; a ``TrackerError`` is
captured in its outcome, while any other exception is a bug and propagates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from .errors import TrackerError, UsageError

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


def bounded_map(
    fn: Callable[[T], R], items: Iterable[T], *, max_workers: int = 8
) -> list[Outcome[R]]:
    """``fn`` over ``items`` with at most ``max_workers`` calls in flight; one
    ``Outcome`` per item, in input order."""
    if max_workers < 1:
        raise UsageError(f"max_workers must be at least 1, got {max_workers}")
    work = list(items)
    if not work:
        return []
    with ThreadPoolExecutor(
        max_workers=min(max_workers, len(work)), thread_name_prefix="sk-tracker"
    ) as pool:
        futures = [pool.submit(fn, item) for item in work]
        try:
            return [_outcome(future) for future in futures]
        except BaseException:
            # A bug in fn (not a TrackerError): stop queued work, then re-raise.
            for future in futures:
                future.cancel()
            raise


def _outcome(future: Future[R]) -> Outcome[R]:
    try:
        return Outcome(value=future.result())
    except TrackerError as exc:
        return Outcome(error=exc)
