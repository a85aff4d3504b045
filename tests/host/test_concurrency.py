"""Concurrent requests against the threaded server keep the binding invariants."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.host.util import CONFIRM, identity, resolve
from tests.support.host import HostHandle

WORKERS = 8


def _confirm_all(
    host: HostHandle, requests: list[tuple[dict[str, Any], str]]
) -> list[httpx.Response]:
    def send(item: tuple[dict[str, Any], str]) -> httpx.Response:
        body, key = item
        with httpx.Client(base_url=host.url, timeout=60) as client:
            return client.post(
                CONFIRM, json=body, headers={**host.headers(), "Idempotency-Key": key}
            )

    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(send, requests))


def test_parallel_retries_of_one_confirm_make_one_mapping(host: HostHandle) -> None:
    ident = identity("mobile-app")
    token = resolve(host, "linear", ident)["candidates"][0]["candidate_token"]
    body = {"provider": "linear", "candidate_token": token, "project_identity": ident}
    responses = _confirm_all(host, [(body, "same-key")] * WORKERS)
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["binding_ref"] for r in responses}) == 1
    assert host.mapping_counts("linear")["active"] == 4


def test_parallel_projects_racing_for_one_resource_one_wins(host: HostHandle) -> None:
    requests = []
    for n in range(WORKERS):
        ident = identity(f"racer-{n}")
        token = next(
            c["candidate_token"]
            for c in resolve(host, "linear", ident)["candidates"]
            if c["display_label"] == "Mobile App (LINEAR-789)"
        )
        body = {"provider": "linear", "candidate_token": token, "project_identity": ident}
        requests.append((body, f"key-{n}"))
    responses = _confirm_all(host, requests)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (WORKERS - 1)
    assert {r.json()["error_code"] for r in responses if r.status_code == 409} == {"already_bound"}
    assert host.mapping_counts("linear")["active"] == 4


def test_parallel_rebinds_of_one_project_leave_one_live_mapping(host: HostHandle) -> None:
    ident = identity("hopper")
    candidates = resolve(host, "github", ident)["candidates"][:WORKERS]
    requests = [
        (
            {
                "provider": "github",
                "candidate_token": c["candidate_token"],
                "project_identity": ident,
            },
            f"k{n}",
        )
        for n, c in enumerate(candidates)
    ]
    responses = _confirm_all(host, requests)
    assert {r.status_code for r in responses} == {200}
    mine = [m for m in host.mappings("github") if m["project_uuid"] == ident["uuid"]]
    assert [m["status"] for m in mine].count("active") == 1
    assert [m["status"] for m in mine].count("deleted") == WORKERS - 1
