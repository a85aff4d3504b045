"""Retries: 429 (Retry-After / retry_after_seconds), 5xx, network failures, the total
budget, one token refresh on 401, and one Idempotency-Key per bind-confirm call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from pydantic import SecretStr

from tests.core.host.test_client_fakes import (
    BIND_RESULT,
    IDENTITY,
    MAPPINGS,
    NEW_TOKEN,
    RESOURCES,
    TOKEN,
    ScriptedHost,
    Sleeps,
    envelope,
    html,
    make_client,
    ok,
    policy,
)
from tracker_core.errors import (
    AuthError,
    HostRequestError,
    HostUnavailableError,
    RateLimitedError,
    UsageError,
)
from tracker_core.host.auth import CallbackToken
from tracker_core.host.retry import RetryBudget, RetryPolicy, parse_retry_after

# --- 429 ---------------------------------------------------------------------------


def test_429_waits_as_the_retry_after_header_says():
    sleeps = Sleeps()
    host = ScriptedHost(envelope(429, "rate_limited", headers={"Retry-After": "3"}), ok(RESOURCES))
    result = make_client(host, retry=policy(sleeps)).resources("linear")
    assert result.provider == "linear"
    assert sleeps == [3.0] and len(host.requests) == 2


def test_429_waits_retry_after_seconds_when_there_is_no_header():
    sleeps = Sleeps()
    host = ScriptedHost(envelope(429, "rate_limited", retry_after_seconds=2), ok(RESOURCES))
    make_client(host, retry=policy(sleeps)).resources("linear")
    assert sleeps == [2.0]


def test_429_header_wins_over_the_envelope():
    sleeps = Sleeps()
    answer = envelope(429, "rate_limited", retry_after_seconds=9, headers={"Retry-After": "1"})
    host = ScriptedHost(answer, ok(RESOURCES))
    make_client(host, retry=policy(sleeps)).resources("linear")
    assert sleeps == [1.0]


def test_429_without_any_hint_backs_off():
    sleeps = Sleeps()
    host = ScriptedHost(httpx.Response(429, text="slow down"), ok(RESOURCES))
    make_client(host, retry=policy(sleeps, base_delay=0.5)).resources("linear")
    assert sleeps == [0.5]


def test_429_that_outlasts_the_attempts_is_rate_limited():
    sleeps = Sleeps()
    answer = envelope(429, "rate_limited", "slow down", retry_after_seconds=1)
    host = ScriptedHost(*[answer] * 4)
    with pytest.raises(RateLimitedError) as info:
        make_client(host, retry=policy(sleeps)).resources("linear")
    assert len(host.requests) == 4 and sleeps == [1.0, 1.0, 1.0]
    assert info.value.retry_after == 1.0 and info.value.status_code == 429
    assert "after 4 attempts" in str(info.value) and "slow down" in str(info.value)


def test_429_asking_for_more_than_the_budget_gives_up_without_waiting():
    sleeps = Sleeps()
    host = ScriptedHost(envelope(429, "rate_limited", headers={"Retry-After": "120"}))
    with pytest.raises(RateLimitedError) as info:
        make_client(host, retry=policy(sleeps, max_total=30)).resources("linear")
    assert sleeps == [] and len(host.requests) == 1
    assert info.value.retry_after == 120.0 and "wait 120s" in str(info.value)


# --- 5xx and network failures --------------------------------------------------------


def test_5xx_then_success_backs_off_exponentially():
    sleeps = Sleeps()
    host = ScriptedHost(
        envelope(503, "unavailable", "maintenance"),
        html(500),
        envelope(502, "bad_gateway"),
        ok(MAPPINGS),
    )
    result = make_client(host, retry=policy(sleeps, base_delay=0.25)).mappings("linear")
    assert len(result.mappings) == 2
    assert sleeps == [0.25, 0.5, 1.0]


def test_backoff_is_capped_by_max_delay():
    sleeps = Sleeps()
    host = ScriptedHost(*[html(503)] * 5, ok(MAPPINGS))
    retry = policy(sleeps, max_attempts=6, base_delay=1.0, max_delay=3.0, max_total=100)
    make_client(host, retry=retry).mappings("linear")
    assert sleeps == [1.0, 2.0, 3.0, 3.0, 3.0]


def test_5xx_exhaustion_names_the_host_attempts_and_reason():
    host = ScriptedHost(*[envelope(503, "unavailable", "database is down")] * 4)
    with pytest.raises(HostUnavailableError) as info:
        make_client(host).resources("linear")
    assert str(info.value) == (
        "host unavailable at https://host.example after 4 attempts: HTTP 503: database is down"
    )
    assert info.value.status_code == 503


def test_read_timeout_then_success():
    sleeps = Sleeps()
    host = ScriptedHost(httpx.ReadTimeout, ok(RESOURCES))
    result = make_client(host, retry=policy(sleeps)).resources("linear")
    assert result.provider == "linear" and len(host.requests) == 2 and sleeps == [0.25]


def test_read_timeouts_exhaust_into_host_unavailable():
    host = ScriptedHost(*[httpx.ReadTimeout] * 4)
    client = make_client(host, timeout=5)
    with pytest.raises(HostUnavailableError) as info:
        client.resources("linear")
    text = str(info.value)
    assert text.startswith("host unavailable at https://host.example after 4 attempts")
    assert "read timeout" in text and "5s" in text
    assert client.request_count == 4


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        (httpx.ConnectError, "cannot connect"),
        (httpx.ConnectTimeout, "connect timed out"),
        (httpx.RemoteProtocolError, "connection closed unexpectedly"),
        (httpx.ReadError, "ReadError"),
    ],
)
def test_network_failures_are_retried_then_reported(failure, words):
    host = ScriptedHost(*[failure] * 4)
    with pytest.raises(HostUnavailableError) as info:
        make_client(host).mappings("linear")
    assert words in str(info.value) and len(host.requests) == 4


def test_connect_error_then_success():
    host = ScriptedHost(httpx.ConnectError, httpx.RemoteProtocolError, ok(MAPPINGS))
    assert make_client(host).mappings("linear").provider == "linear"
    assert len(host.requests) == 3


def test_4xx_are_not_retried():
    host = ScriptedHost(envelope(400, "bad_request", "no"))
    client = make_client(host)
    with pytest.raises(HostRequestError, match="bad_request"):
        client.resources("linear")
    assert client.request_count == 1


def test_total_time_bounds_the_retries():
    sleeps = Sleeps()
    host = ScriptedHost(*[html(503)] * 10)
    retry = policy(sleeps, max_attempts=10, base_delay=1.0, max_delay=8.0, max_total=5.0)
    with pytest.raises(HostUnavailableError, match="after 3 attempts"):
        make_client(host, retry=retry).resources("linear")
    # 1 + 2 = 3 s waited; the next wait (4 s) would pass the 5 s budget.
    assert sleeps == [1.0, 2.0] and sum(sleeps) <= 5.0


def test_a_single_attempt_policy_does_not_retry():
    host = ScriptedHost(html(503))
    with pytest.raises(HostUnavailableError, match="after 1 attempt:"):
        make_client(host, retry=policy(max_attempts=1)).resources("linear")


# --- bind-confirm idempotency ---------------------------------------------------------


def test_bind_confirm_keeps_one_idempotency_key_across_retries():
    host = ScriptedHost(
        html(502),
        httpx.ReadTimeout,
        envelope(429, "rate_limited", retry_after_seconds=1),
        ok(BIND_RESULT),
    )
    result = make_client(host).bind_confirm("linear", "ct_free_2", IDENTITY)
    assert result.binding_ref == "srm_01NEW"
    keys = {request.headers["idempotency-key"] for request in host.requests}
    assert len(host.requests) == 4 and len(keys) == 1
    bodies = {request.content for request in host.requests}
    assert len(bodies) == 1  # the very same request each time


def test_two_bind_confirm_calls_use_two_keys():
    host = ScriptedHost(ok(BIND_RESULT), ok(BIND_RESULT))
    client = make_client(host)
    client.bind_confirm("linear", "ct_1", IDENTITY)
    client.bind_confirm("linear", "ct_1", IDENTITY)
    first, second = (request.headers["idempotency-key"] for request in host.requests)
    assert first != second


def test_a_given_key_is_kept_across_retries():
    host = ScriptedHost(html(503), ok(BIND_RESULT))
    make_client(host).bind_confirm("linear", "ct", IDENTITY, idempotency_key="hash-0001")
    assert [r.headers["idempotency-key"] for r in host.requests] == ["hash-0001", "hash-0001"]


# --- 401 and token refresh ------------------------------------------------------------


class RotatingToken:
    """A provider whose refresh hands out a new token once."""

    def __init__(self, refreshed: str | None = NEW_TOKEN) -> None:
        self.current = SecretStr(TOKEN)
        self.refreshed = refreshed
        self.refresh_calls = 0

    def token(self) -> SecretStr:
        return self.current

    def refresh(self) -> SecretStr | None:
        self.refresh_calls += 1
        if self.refreshed is None:
            return None
        self.current = SecretStr(self.refreshed)
        return self.current


def test_401_refreshes_once_and_retries_with_the_new_token():
    tokens = RotatingToken()
    host = ScriptedHost(envelope(401, "unauthorized", "expired"), ok(RESOURCES))
    result = make_client(host, token=tokens).resources("linear")
    assert result.provider == "linear" and tokens.refresh_calls == 1
    assert [r.headers["authorization"] for r in host.requests] == [
        f"Bearer {TOKEN}",
        f"Bearer {NEW_TOKEN}",
    ]


def test_401_again_after_refresh_is_an_auth_error():
    tokens = RotatingToken()
    host = ScriptedHost(envelope(401, "unauthorized"), envelope(401, "unauthorized"))
    with pytest.raises(AuthError, match="SK_TRACKER_TOKEN"):
        make_client(host, token=tokens).resources("linear")
    assert tokens.refresh_calls == 1 and len(host.requests) == 2


def test_401_when_refresh_gives_nothing_new_is_an_auth_error_at_once():
    for tokens in (RotatingToken(refreshed=None), RotatingToken(refreshed=TOKEN)):
        host = ScriptedHost(envelope(401, "unauthorized"))
        with pytest.raises(AuthError, match="SK_TRACKER_TOKEN"):
            make_client(host, token=tokens).resources("linear")
        assert tokens.refresh_calls == 1 and len(host.requests) == 1


def test_401_refresh_on_bind_confirm_keeps_the_key():
    state = {"token": SecretStr(TOKEN)}

    def refresh() -> SecretStr:
        state["token"] = SecretStr(NEW_TOKEN)
        return state["token"]

    tokens = CallbackToken(lambda: state["token"], refresh)
    host = ScriptedHost(envelope(401, "unauthorized"), ok(BIND_RESULT))
    make_client(host, token=tokens).bind_confirm("linear", "ct", IDENTITY)
    keys = [r.headers["idempotency-key"] for r in host.requests]
    assert len(keys) == 2 and keys[0] == keys[1]


def test_401_when_the_refresh_itself_fails_is_an_auth_error():
    def broken_refresh() -> SecretStr:
        raise ConnectionError("identity provider down")

    tokens = CallbackToken(lambda: SecretStr(TOKEN), broken_refresh)
    host = ScriptedHost(envelope(401, "unauthorized"))
    with pytest.raises(
        AuthError, match=r"set SK_TRACKER_TOKEN \(or SK_TRACKER_TOKEN_FILE\) to a valid token"
    ):
        make_client(host, token=tokens).resources("linear")
    assert len(host.requests) == 1


def test_401_without_an_envelope_is_still_an_auth_error():
    host = ScriptedHost(httpx.Response(401, text="Unauthorized"))
    with pytest.raises(AuthError) as info:
        make_client(host).me()
    assert info.value.status_code == 401


# --- the policy itself ----------------------------------------------------------------


def test_jitter_stays_within_its_fraction_of_the_delay():
    retry = RetryPolicy(base_delay=1.0, max_delay=8.0, jitter=0.5)
    for attempt, full in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        waits = [retry.backoff(attempt) for _ in range(200)]
        assert all(full * 0.5 <= w <= full for w in waits)
        assert len(set(waits)) > 1  # actually spread out


def test_full_jitter_can_go_down_to_zero():
    retry = RetryPolicy(base_delay=1.0, jitter=1.0)
    waits = [retry.backoff(1) for _ in range(500)]
    assert min(waits) < 0.1 and max(waits) <= 1.0


@pytest.mark.parametrize(
    "kw", [{"max_attempts": 0}, {"base_delay": -1}, {"max_total": -0.1}, {"jitter": 1.5}]
)
def test_policy_rejects_nonsense(kw):
    with pytest.raises(UsageError):
        RetryPolicy(**kw)


def test_budget_counts_asked_waits_even_when_sleep_does_nothing():
    budget = RetryBudget(RetryPolicy(sleep=lambda _s: None, max_total=10))
    budget.attempts = 1
    budget.wait(7.0)
    assert 7.0 <= budget.spent < 7.5
    assert budget.next_wait(4.0) is None  # would pass the 10 s budget
    assert budget.next_wait(2.0) == 2.0


def test_parse_retry_after_forms():
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(later, now=now) == 30.0
    assert (
        parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    )
    assert parse_retry_after("-4") == 0.0
    for unreadable in (None, "", "soon", "nan", "inf"):
        assert parse_retry_after(unreadable) is None


def test_a_429_holds_every_call_of_the_client_until_the_pause_ends() -> None:
    """One call told to back off makes the client's other calls wait too, instead of
    each thread collecting its own 429."""
    import threading
    import time as time_mod

    import httpx

    from tracker_core import HostClient
    from tracker_core.host.retry import RetryPolicy

    first = threading.Event()
    lock = threading.Lock()
    arrivals: list[float] = []
    told_at: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            if not first.is_set():
                first.set()
                told_at.append(time_mod.monotonic())
                return httpx.Response(
                    429,
                    headers={"Retry-After": "1"},
                    json={
                        "error_code": "rate_limited",
                        "message": "slow down",
                        "error_category": "rate_limit",
                        "retryable": True,
                        "user_action_required": False,
                        "retry_after_seconds": 1,
                    },
                )
            arrivals.append(time_mod.monotonic())
        return httpx.Response(200, json={"user": "u", "team_slug": "acme", "role": "admin"})

    client = HostClient(
        "https://host.example",
        "tok",
        "acme",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_attempts=3, max_total=10),
    )
    told = threading.Thread(target=client.me)
    told.start()
    first.wait(60)
    others = [threading.Thread(target=client.me) for _ in range(3)]
    for t in others:
        t.start()
    for t in [told, *others]:
        t.join(60)  # a hang guard
    assert len(arrivals) == 4  # the retried call and the three others, no extra 429s
    assert min(arrivals) >= told_at[0] + 0.9
