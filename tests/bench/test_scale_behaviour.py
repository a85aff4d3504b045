"""What the scale work changes for users: a rate-limited host slows an audit down
instead of failing rows, and the scan keeps out of Python environments whatever
their name. (Speed itself is measured by ``make bench``, not here.)"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.host import ADMIN_TOKEN, host_settings
from tests.support.repos import COMMON, make_repo, project_section, tracker_section
from tracker_core import HostClient
from tracker_core.config.identity import ProjectIdentity
from tracker_core.errors import RateLimitedError
from tracker_core.flows.audit import audit
from tracker_core.host.concurrency import Throttle, bounded_map
from tracker_core.host.retry import RetryPolicy
from tracker_core.local.scan import find_repos, scan_roots
from tracker_host.server import RunningHost, run_in_thread

# --- the throttle on its own --------------------------------------------------------


@pytest.mark.serial
def test_a_rate_limited_item_pauses_every_worker_and_is_tried_again() -> None:
    """The eighth call is refused while the seven others are still in flight (they
    wait for the pause to begin). After that no call may start before the pause the
    host asked for is over: a lower bound, which a slow machine cannot break."""
    cond = threading.Condition()
    starts: list[float] = []
    tries: dict[int, int] = {}
    refused: list[tuple[int, float]] = []
    wait = 0.3

    def call(n: int) -> int:
        with cond:
            starts.append(time.monotonic())
            tries[n] = tries.get(n, 0) + 1
            first_wave = len(starts) <= 8
            if len(starts) == 8:
                refused.append((n, time.monotonic()))
                raise RateLimitedError("slow down", retry_after=wait)
            if first_wave:  # hold the slot until the batch has paused
                while throttle.pauses == 0:
                    cond.wait(0.01)
        time.sleep(0.005)
        return n

    throttle = Throttle(8)
    outcomes = bounded_map(call, range(40), max_workers=8, throttle=throttle)

    assert [o.unwrap() for o in outcomes] == list(range(40))  # nothing lost
    [(item, refused_at)] = refused
    assert tries[item] == 2 and throttle.pauses == 1
    assert len(starts) == 41
    # Every call after the first wave, the refused item's retry included, started
    # once the pause was over.
    assert min(starts[8:]) >= refused_at + wait


def test_halves_calls_in_flight_after_a_refusal_and_grows_back() -> None:
    throttle = Throttle(8, default_wait=0.0)
    assert throttle.rate_limited(None)
    assert throttle.limit == 4
    for _ in range(4):
        throttle.acquire()
        throttle.release(ok=True)
    assert throttle.limit == 5


def test_a_wait_beyond_the_budget_fails_the_item_at_once() -> None:
    def refused(n: int) -> int:
        raise RateLimitedError("come back in two minutes", retry_after=120)

    throttle = Throttle(4, max_wait=30)
    [outcome] = bounded_map(refused, [1], throttle=throttle)
    assert isinstance(outcome.error, RateLimitedError)
    assert throttle.pauses == 0  # no pause began: the item failed without waiting


def test_retries_of_one_item_are_bounded() -> None:
    calls = 0

    def always_refused(n: int) -> int:
        nonlocal calls
        calls += 1
        raise RateLimitedError("no", retry_after=0.0)

    [outcome] = bounded_map(always_refused, [1], throttle=Throttle(2, max_retries=3))
    assert isinstance(outcome.error, RateLimitedError)
    assert calls == 4


# --- an audit against a rate-limited host -------------------------------------------


@dataclass
class Exchange:
    started: float
    finished: float
    status: int
    path: str


class RecordingTransport(httpx.BaseTransport):
    """The real HTTP transport, noting when each request left and how it was answered."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self._lock = threading.Lock()
        self.log: list[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        response = self._inner.handle_request(request)
        response.read()
        with self._lock:
            self.log.append(
                Exchange(started, time.monotonic(), response.status_code, request.url.path)
            )
        return response

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
def limited_host() -> Iterator[RunningHost]:
    # 20 requests per second, in bursts of at most 20: the audit below needs 35.
    with run_in_thread(host_settings(rate_limit=20)) as running:
        yield running


def _unknown_ref_repos(root: Path, count: int) -> None:
    """Repos whose refs the host never issued: only a bind-validate settles them."""
    for n in range(count):
        slug = f"elsewhere-{n}"
        config = project_section(slug, str(uuid.uuid4())) + COMMON
        config += tracker_section("linear", binding_ref=f"srm_01ZZZZZZZZZZZZZZZZZZZZZZ{n:02d}")
        make_repo(root, slug, config)


@pytest.mark.serial
def test_a_rate_limited_audit_slows_down_as_a_whole_and_verifies_every_repo(
    limited_host: RunningHost, tmp_path: Path
) -> None:
    _unknown_ref_repos(tmp_path, 30)
    transport = RecordingTransport()
    # One attempt per call: every 429 reaches the batch, which alone must cope with it.
    no_retry = RetryPolicy(max_attempts=1)
    with HostClient(
        limited_host.url, ADMIN_TOKEN, "acme", transport=transport, retry=no_retry, timeout=60
    ) as client:
        report = audit(client, [tmp_path])

    assert report.validate_calls == 30
    assert {r.state for r in report.rows} == {"stale:binding_not_found"}  # none unverified
    refused = [e for e in transport.log if e.status == 429]
    assert refused, "the host's rate limit was never reached: the test proves nothing"
    for e in refused:  # the host asks for 1 s: only calls already under way go out
        sent = [x for x in transport.log if e.finished < x.started < e.finished + 0.9]
        assert len(sent) < 8, f"{len(sent)} requests sent during the pause after a 429"
    # Each pause costs at most one refusal per worker in flight, not one per retry.
    assert len(refused) <= 2 * 8


def test_without_the_throttle_the_same_batch_loses_calls(
    limited_host: RunningHost,
) -> None:
    identity = ProjectIdentity(str(uuid.uuid4()), "x", "d036a097a835")
    with HostClient(
        limited_host.url, ADMIN_TOKEN, "acme", retry=RetryPolicy(max_attempts=1)
    ) as client:
        outcomes = bounded_map(
            lambda n: client.bind_validate(
                "linear", f"srm_01ZZZZZZZZZZZZZZZZZZZZZZ{n:02d}", identity
            ),
            range(35),
        )
    assert any(isinstance(o.error, RateLimitedError) for o in outcomes)


# --- the scan -----------------------------------------------------------------------


def test_scan_skips_python_environments_whatever_their_name(tmp_path: Path) -> None:
    make_repo(tmp_path, "app", COMMON)
    venv = tmp_path / "py311"
    (venv / "pyvenv.cfg").parent.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    make_repo(venv / "lib" / "python3.11" / "site-packages", "vendored", COMMON)
    conda = tmp_path / "envs" / "analysis"
    (conda / "conda-meta").mkdir(parents=True)
    make_repo(conda / "pkgs", "bundled", COMMON)
    assert [p.name for p in find_repos([tmp_path])] == ["app"]


def test_scan_never_follows_symlinks_even_inside_the_roots(tmp_path: Path) -> None:
    root = tmp_path / "root"
    make_repo(root / "team", "service", COMMON)
    (root / "shortcut").symlink_to(root / "team")
    outside = tmp_path / "outside"
    make_repo(outside, "private", COMMON)
    (root / "escape").symlink_to(outside)
    found = [p.relative_to(root).as_posix() for p in find_repos([root])]
    assert found == ["team/service"]
    assert [r.path.name for r in scan_roots([root])] == ["service"]
