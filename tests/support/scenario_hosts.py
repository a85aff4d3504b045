"""One fixture, two hosts: the seed scenarios run against the reference host and
against the second, minimal host, both loaded with ``scenario_state.STATE``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import pytest

from tests.support.host import ADMIN_TOKEN, TEAM, VIEWER_TOKEN, HostHandle
from tests.support.scenario_state import STATE
from tests.support.second_host import SecondHost, running_second_host

HOST_KINDS = ["reference", "second"]


class _Controls(Protocol):
    def disable(self, ref: str) -> None: ...
    def revoke_candidate_tokens(self) -> None: ...
    def mapping_status(self, provider: str, ref: str) -> str | None: ...


@dataclass
class ScenarioHost:
    """What a scenario needs of a host: where it is, who may call it, dev controls."""

    kind: str
    url: str
    team: str
    admin_token: str
    viewer_token: str
    controls: _Controls


class _ReferenceControls:
    def __init__(self, handle: HostHandle) -> None:
        self.handle = handle

    def disable(self, ref: str) -> None:
        self.handle.disable(ref)

    def revoke_candidate_tokens(self) -> None:
        self.handle.revoke_candidate_tokens()

    def mapping_status(self, provider: str, ref: str) -> str | None:
        found = [m["status"] for m in self.handle.mappings(provider) if m["binding_ref"] == ref]
        return found[0] if found else None


class _SecondControls:
    def __init__(self, second: SecondHost) -> None:
        self.second = second

    def disable(self, ref: str) -> None:
        self.second.set_status(ref, "disabled")

    def revoke_candidate_tokens(self) -> None:
        self.second.revoke_candidate_tokens()

    def mapping_status(self, provider: str, ref: str) -> str | None:
        return self.second.mapping_status(ref)


@pytest.fixture(scope="session")
def second_host_server() -> Iterator[SecondHost]:
    with running_second_host(TEAM, ADMIN_TOKEN, VIEWER_TOKEN) as second:
        yield second


@pytest.fixture(params=HOST_KINDS)
def any_host(request: pytest.FixtureRequest) -> ScenarioHost:
    if request.param == "reference":
        handle: HostHandle = request.getfixturevalue("host")
        handle.load(STATE)
        return ScenarioHost(
            "reference", handle.url, TEAM, ADMIN_TOKEN, VIEWER_TOKEN, _ReferenceControls(handle)
        )
    second: SecondHost = request.getfixturevalue("second_host_server")
    second.load(STATE)
    return ScenarioHost(
        "second", second.url, TEAM, ADMIN_TOKEN, VIEWER_TOKEN, _SecondControls(second)
    )
