"""Paths and small request builders shared by the host tests."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

import httpx

from tests.support.host import HostHandle

ME = "/api/v1/me/"
RESOURCES = "/api/v1/tracker/resources/"
RESOLVE = "/api/v1/tracker/bind-resolve/"
CONFIRM = "/api/v1/tracker/bind-confirm/"
VALIDATE = "/api/v1/tracker/bind-validate/"
STATUS = "/api/v1/tracker/status/"
MAPPINGS = "/api/v1/tracker/mappings/"


def identity(
    slug: str, uuid: str | None = None, repo_slug: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "uuid": uuid or str(uuidlib.uuid4()),
        "slug": slug,
        "node_id": "d036a097a835",
        "repo_slug": repo_slug,
        **extra,
    }


def resolve(host: HostHandle, provider: str, ident: dict[str, Any]) -> dict[str, Any]:
    response = host.post(RESOLVE, {"provider": provider, "project_identity": ident})
    assert response.status_code == 200, response.text
    return response.json()


def confirm(
    host: HostHandle,
    provider: str,
    token: str,
    ident: dict[str, Any],
    key: str | None = None,
    role: str = "admin",
) -> httpx.Response:
    headers = {"Idempotency-Key": key or uuidlib.uuid4().hex}
    body = {"provider": provider, "candidate_token": token, "project_identity": ident}
    return host.post(CONFIRM, body, role=role, headers=headers)


def resources(host: HostHandle, provider: str) -> list[dict[str, Any]]:
    response = host.get(RESOURCES, {"provider": provider})
    assert response.status_code == 200, response.text
    return response.json()["resources"]


def token_for(host: HostHandle, provider: str, display_label: str) -> str:
    for resource in resources(host, provider):
        if resource["display_label"] == display_label:
            return resource["candidate_token"]
    raise AssertionError(f"no resource {display_label!r} on {provider}")


def error_code(response: httpx.Response) -> str:
    return response.json()["error_code"]
