"""Injected faults (dev controls) and the per-token rate limit."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.host.conftest import FakeClock
from tests.host.util import CONFIRM, ME, RESOURCES, error_code, identity, resolve
from tests.support.host import HostHandle


def _raw(host: HostHandle, path: str = ME, **params: str) -> httpx.Response:
    """A request that skips the schema check: fault answers are broken on purpose."""
    return host.client.get(path, params=params, headers=host.headers())


def test_fail_next_answers_the_status_then_recovers(host: HostHandle) -> None:
    host.faults(fail_next=2, fail_status=502)
    first, second, third = (_raw(host) for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [502, 502, 200]
    assert first.json()["error_code"] == "bad_gateway"
    assert first.json()["error_category"] == "server"
    assert first.json()["retryable"] is True


def test_fail_next_401_simulates_an_expired_token(host: HostHandle) -> None:
    host.faults(fail_next=1, fail_status=401)
    assert _raw(host).status_code == 401
    assert _raw(host).status_code == 200


def test_burst_429_carries_retry_after(host: HostHandle) -> None:
    host.faults(burst_429=2, retry_after_seconds=3)
    for _ in range(2):
        response = _raw(host, RESOURCES, provider="linear")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "3"
        body = response.json()
        assert (body["error_code"], body["retry_after_seconds"]) == ("rate_limited", 3)
        assert body["error_category"] == "rate_limit"
    assert _raw(host, RESOURCES, provider="linear").status_code == 200


def test_malformed_bodies(host: HostHandle) -> None:
    host.faults(malformed_next=1)
    broken = _raw(host)
    assert broken.status_code == 200
    assert broken.headers["content-type"] == "application/json"
    with pytest.raises(ValueError):
        broken.json()
    host.faults(malformed_next=1, malformed_kind="html", malformed_status=502)
    html = _raw(host)
    assert (html.status_code, html.headers["content-type"]) == (502, "text/html")


def test_wrong_shape(host: HostHandle) -> None:
    host.faults(wrong_shape_next=1)
    response = _raw(host, RESOURCES, provider="linear")
    assert response.status_code == 200
    assert "resources" not in response.json()


def test_error_rate_is_reproducible_with_a_seed(host: HostHandle) -> None:
    def run() -> list[int]:
        host.faults(error_rate=0.5, error_status=503, seed=7)
        return [_raw(host).status_code for _ in range(40)]

    first = run()
    assert first == run()
    assert set(first) == {200, 503}


def test_latency_is_added(host: HostHandle) -> None:
    host.faults(latency_ms=150)
    started = time.perf_counter()
    assert _raw(host).status_code == 200
    assert time.perf_counter() - started >= 0.15


def test_path_filter_limits_faults(host: HostHandle) -> None:
    host.faults(fail_next=5, path="/api/v1/tracker/status/")
    assert _raw(host).status_code == 200
    assert _raw(host, "/api/v1/tracker/status/", provider="linear").status_code == 500


def test_dev_controls_are_never_faulted_and_clear_works(host: HostHandle) -> None:
    host.faults(fail_next=100)
    state = host.clear_faults()
    assert state["fail_next"] == 0
    assert _raw(host).status_code == 200


def test_reset_clears_faults(host: HostHandle) -> None:
    host.faults(burst_429=10)
    host.reset("demo")
    assert _raw(host).status_code == 200


def test_faults_answer_before_authentication(host: HostHandle) -> None:
    host.faults(fail_next=1, fail_status=503)
    assert host.client.get(ME).status_code == 503


def test_lost_bind_confirm_response_then_retry_leaves_exactly_one_mapping(
    host: HostHandle,
) -> None:
    ident = identity("mobile-app")
    token = resolve(host, "linear", ident)["candidates"][0]["candidate_token"]
    body = {"provider": "linear", "candidate_token": token, "project_identity": ident}
    key = str(uuid.uuid4())
    headers = {**host.headers(), "Idempotency-Key": key}
    # The commit must land inside the client's timeout even on a busy machine.
    host.faults(hang_after_commit_seconds=8)
    with pytest.raises(httpx.ReadTimeout):
        host.client.post(CONFIRM, json=body, headers=headers, timeout=3)
    # The binding was committed although the client never saw the answer.
    assert host.mapping_counts("linear")["active"] == 4
    retry = host.client.post(CONFIRM, json=body, headers=headers, timeout=60)
    assert retry.status_code == 200
    assert retry.json()["display_label"] == "Mobile App (LINEAR-789)"
    assert host.mapping_counts("linear") == {"active": 4, "disabled": 0, "deleted": 1}
    # The hang was one-shot.
    assert host.get("/api/v1/dev/faults").json()["hang_after_commit_seconds"] == 0


def test_rate_limit_is_off_by_default(host: HostHandle) -> None:
    assert all(_raw(host).status_code == 200 for _ in range(50))


def test_rate_limit_per_token(make_host: Callable[..., HostHandle], clock: FakeClock) -> None:
    limited = make_host(rate_limit=2, rate_burst=2, clock=clock)
    assert limited.get(ME).status_code == 200
    assert limited.get(ME).status_code == 200
    refused = limited.get(ME)
    assert refused.status_code == 429
    assert error_code(refused) == "rate_limited"
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["retry_after_seconds"] == 1
    # Another token has its own bucket.
    assert limited.get(ME, role="viewer").status_code == 200
    clock.advance(0.5)
    assert limited.get(ME).status_code == 200
    assert limited.get(ME).status_code == 429


def test_rate_limit_comes_after_authentication(
    make_host: Callable[..., HostHandle], clock: FakeClock
) -> None:
    limited = make_host(rate_limit=1, rate_burst=1, clock=clock)
    for _ in range(3):
        assert limited.get(ME, role=None).status_code == 401
    assert limited.get(ME).status_code == 200
