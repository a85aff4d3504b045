"""Fixtures: tracker_core services talking to the reference host over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.host import HostHandle
from tracker_core import AccessPolicy, HostClient, TrackerService
from tracker_core.host.retry import RetryPolicy

# Fast retries so fault tests finish quickly; the real budget logic still applies.
FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05, max_total=5.0)


def make_service(
    host: HostHandle,
    token: str | None = None,
    *,
    policy: AccessPolicy | None = None,
    upgrade_on_read: bool = True,
    timeout: float = 5.0,
) -> TrackerService:
    client = HostClient(
        host.url, token or host.admin_token, host.team, retry=FAST_RETRY, timeout=timeout
    )
    return TrackerService(client, policy=policy or AccessPolicy(), upgrade_on_read=upgrade_on_read)


@pytest.fixture
def service(host: HostHandle) -> Iterator[TrackerService]:
    with make_service(host) as svc:
        yield svc
