"""The same faults at the library level: a transport that fails the first requests
(connection resets, timeouts, a dropped connection) in front of the real host, and a
401 that a refreshing token provider recovers from. Every flow either succeeds or
raises one typed error, and a failure changes no file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from tests.support.host import HostHandle
from tests.support.repos import COMMON, config_bytes, make_repo, mapped_repo, project_section
from tracker_core import (
    CallbackToken,
    HostClient,
    HostUnavailableError,
    TrackerError,
    TrackerService,
)
from tracker_core.host.retry import RetryPolicy
from tracker_host import seed

FAULTS: dict[str, Callable[[httpx.Request], Exception]] = {
    "connection reset": lambda r: httpx.ConnectError("connection reset by peer", request=r),
    "read timeout": lambda r: httpx.ReadTimeout("timed out", request=r),
    "dropped mid-response": lambda r: httpx.RemoteProtocolError("peer closed", request=r),
}


class FlakyTransport(httpx.BaseTransport):
    """Fails the first ``fail`` requests with ``make_error``, then forwards."""

    def __init__(self, fail: int, make_error: Callable[[httpx.Request], Exception]) -> None:
        self.inner = httpx.HTTPTransport()
        self.fail = fail
        self.make_error = make_error
        self.seen = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen += 1
        if self.fail > 0:
            self.fail -= 1
            raise self.make_error(request)
        return self.inner.handle_request(request)


RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, max_total=5.0)


def service_with(host: HostHandle, transport: httpx.BaseTransport) -> TrackerService:
    client = HostClient(host.url, host.admin_token, host.team, transport=transport, retry=RETRY)
    return TrackerService(client)


FLOWS: dict[str, Callable[[TrackerService, Path], object]] = {
    "discover": lambda s, root: s.discover("linear"),
    "discover all": lambda s, root: s.discover_all(),
    "bind (select)": lambda s, root: s.bind(root / "mobile-app", "linear", select=1),
    "bind (bind-ref)": lambda s, root: s.bind(
        root / "data-pipeline", "linear", bind_ref=seed.DATA_PIPELINE.binding_ref
    ),
    "status": lambda s, root: s.project_status(root / "my-project"),
    "status --all": lambda s, root: s.installation_status(),
    "audit": lambda s, root: s.audit([root]),
}


@pytest.fixture
def repos(tmp_path: Path) -> Iterator[Path]:
    mapped_repo(tmp_path, seed.MY_PROJECT)
    u = seed.UNBOUND_PROJECT
    make_repo(tmp_path, u.project_slug, project_section(u.project_slug, u.project_uuid) + COMMON)
    d = seed.DATA_PIPELINE
    make_repo(tmp_path, d.project_slug, project_section(d.project_slug, d.project_uuid) + COMMON)
    yield tmp_path


def digests(root: Path) -> dict[str, bytes]:
    return {p.name: config_bytes(p) for p in root.iterdir()}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("flow", list(FLOWS))
def test_transient_transport_faults_are_ridden_out(
    host: HostHandle, repos: Path, fault: str, flow: str
) -> None:
    transport = FlakyTransport(2, FAULTS[fault])
    with service_with(host, transport) as svc:
        result = FLOWS[flow](svc, repos)
    assert result is not None
    if flow in ("discover all", "status --all"):
        assert all(getattr(item, "failure", None) is None for item in result)  # type: ignore[attr-defined]
    if flow == "audit":
        assert not result.provider_errors  # type: ignore[attr-defined]


@pytest.mark.parametrize("flow", list(FLOWS))
def test_persistent_faults_end_in_one_typed_error_and_change_nothing(
    host: HostHandle, repos: Path, flow: str
) -> None:
    before = digests(repos)
    transport = FlakyTransport(10_000, FAULTS["connection reset"])
    with service_with(host, transport) as svc:
        try:
            result = FLOWS[flow](svc, repos)
        except TrackerError as exc:
            assert isinstance(exc, HostUnavailableError)
            assert "\n" not in str(exc)
        else:  # views across providers report the failure per provider instead
            failed = getattr(result, "provider_errors", None) or [
                i
                for i in result
                if getattr(i, "failure", None) is not None  # type: ignore[attr-defined]
            ]
            assert failed
    assert digests(repos) == before


def test_401_then_refresh_recovers(host: HostHandle, repos: Path) -> None:
    """An expired token gets a 401; the provider refreshes it once and the call goes on."""
    current = [SecretStr("expired-session-token")]
    refreshed: list[int] = []

    def refresh() -> SecretStr:
        refreshed.append(1)
        current[0] = SecretStr(host.admin_token)
        return current[0]

    token = CallbackToken(lambda: current[0], refresh)
    client = HostClient(host.url, token, host.team, retry=RETRY)
    with TrackerService(client) as svc:
        report = svc.project_status(repos / "my-project")
    assert report.status.binding_ref == seed.MY_PROJECT.binding_ref
    assert refreshed == [1]


def test_lost_confirm_response_is_retried_into_exactly_one_mapping(
    host: HostHandle, repos: Path
) -> None:
    # Calls that do not hang must answer inside the timeout even on a busy machine.
    host.faults(hang_after_commit_seconds=8)
    client = HostClient(host.url, host.admin_token, host.team, retry=RETRY, timeout=3)
    with TrackerService(client) as svc:
        outcome = svc.bind(repos / "mobile-app", "linear", select=1)
    host.clear_faults()
    active = [
        m
        for m in host.mappings("linear")
        if m["project_uuid"] == seed.UNBOUND_PROJECT.project_uuid and m["status"] == "active"
    ]
    assert [m["binding_ref"] for m in active] == [outcome.binding_ref]
