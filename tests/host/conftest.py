"""Fixtures for the host's own tests: in-process apps with custom settings (e.g. a clock)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.host import HostHandle, host_settings
from tracker_host import create_app


class FakeClock:
    """Wall clock the test moves by hand (candidate-token expiry, rate-limit refill)."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_host() -> Iterator[Callable[..., HostHandle]]:
    """``make_host(dev=False, rate_limit=2, clock=clock, ...)`` → an in-process `HostHandle`."""
    handles: list[HostHandle] = []

    def factory(**overrides: Any) -> HostHandle:
        app = create_app(host_settings(**overrides))
        client = TestClient(app, base_url="http://testserver")
        handle = HostHandle(client, url="http://testserver")
        handles.append(handle)
        return handle

    yield factory
    for handle in handles:
        handle.close()
