"""bounded_map: input order, at most N in flight, errors captured per item."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.core.host.test_client_fakes import MAPPINGS, envelope, make_client, ok
from tracker_core.errors import HostUnavailableError, NoInstallationError, UsageError
from tracker_core.host.concurrency import Outcome, bounded_map


def test_results_keep_input_order_even_when_finishing_out_of_order():
    def slow_for_small(n: int) -> int:
        time.sleep(0.002 * (10 - n))
        return n * n

    outcomes = bounded_map(slow_for_small, range(10), max_workers=5)
    assert [o.value for o in outcomes] == [n * n for n in range(10)]
    assert all(o.ok and o.error is None for o in outcomes)


def test_never_more_than_max_workers_in_flight_and_actually_concurrent():
    lock = threading.Lock()
    in_flight = 0
    peak = 0

    def work(n: int) -> int:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.01)
        with lock:
            in_flight -= 1
        return n

    bounded_map(work, range(24), max_workers=3)
    assert peak == 3


def test_one_failure_does_not_sink_the_batch():
    def fetch(n: int) -> int:
        if n == 2:
            raise NoInstallationError("no jira installation", provider="jira")
        return n

    outcomes = bounded_map(fetch, range(5))
    assert [o.ok for o in outcomes] == [True, True, False, True, True]
    assert isinstance(outcomes[2].error, NoInstallationError)
    assert outcomes[2].value is None
    assert outcomes[3].unwrap() == 3
    with pytest.raises(NoInstallationError):
        outcomes[2].unwrap()


def test_a_bug_is_not_swallowed():
    def broken(n: int) -> int:
        if n == 1:
            raise KeyError("bug")
        return n

    with pytest.raises(KeyError):
        bounded_map(broken, range(4), max_workers=2)


def test_empty_input_and_bad_bound():
    assert bounded_map(lambda n: n, []) == []
    with pytest.raises(UsageError, match="max_workers"):
        bounded_map(lambda n: n, [1], max_workers=0)


def test_outcome_is_a_plain_value():
    assert Outcome(value=3) == Outcome(value=3, error=None)


def test_one_client_shared_across_threads_across_providers():
    """Discovery across providers: one failing provider is reported, the others parse."""

    def handler(request: httpx.Request) -> httpx.Response:
        provider = request.url.params["provider"]
        if provider == "azure_devops":
            return envelope(403, "no_installation", "none")
        if provider == "gitlab":
            return httpx.Response(503, text="down")
        return ok({**MAPPINGS, "provider": provider})

    client = make_client(handler)  # type: ignore[arg-type]
    providers = ["linear", "jira", "github", "gitlab", "azure_devops"]
    outcomes = bounded_map(client.mappings, providers, max_workers=5)
    assert [o.value.provider for o in outcomes[:3]] == ["linear", "jira", "github"]  # type: ignore[union-attr]
    assert isinstance(outcomes[3].error, HostUnavailableError)
    assert isinstance(outcomes[4].error, NoInstallationError)
    assert client.request_count == 3 + 4 + 1  # gitlab retried 4 times in all
