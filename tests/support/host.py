"""Pytest fixtures that run the reference host, and a small client that checks its answers.

Fixtures (registered for the whole suite from ``tests/conftest.py``):

- ``host_server`` (session): a `RunningHost` on 127.0.0.1 in a background thread, dev
  mode, demo seed, team ``acme``, tokens ``ADMIN_TOKEN`` / ``VIEWER_TOKEN``. Under
  pytest-xdist every worker gets its own.
- ``host`` (function): a `HostHandle` on that server, reset to the demo seed (faults
  cleared) before the test.

`HostHandle` talks plain httpx (never tracker_core, so it cannot hide a client bug)
and validates every answer against the schema `/openapi.json` gives for that route and
status (`OpenApiChecker`), so a test that passes also proves the documented shapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import jsonschema
import pytest
from pydantic import SecretStr

from tracker_host import seed as demo_seed
from tracker_host.server import RunningHost, run_in_thread
from tracker_host.settings import HostSettings

ADMIN_TOKEN = "sk-test-admin-7c1e5b2f9a0d4e83"
VIEWER_TOKEN = "sk-test-viewer-3f8a6d1c2b7e4905"
TEAM = demo_seed.TEAM


def host_settings(**overrides: Any) -> HostSettings:
    """Settings of the test host: dev mode, demo seed, the known tokens."""
    values: dict[str, Any] = {
        "admin_token": SecretStr(ADMIN_TOKEN),
        "viewer_token": SecretStr(VIEWER_TOKEN),
        "dev": True,
        "seed": "demo",
    }
    values.update(overrides)
    return HostSettings(**values)


class OpenApiChecker:
    """Validates a response body against the schema its route documents for its status."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._routes: list[tuple[re.Pattern[str], dict[str, Any]]] = []
        for template, operations in spec["paths"].items():
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            self._routes.append((re.compile(f"^{pattern}$"), operations))

    def _schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {**schema, "components": self.spec.get("components", {})}

    def check(self, method: str, path: str, status: int, body: Any) -> None:
        envelope = self._schema({"$ref": "#/components/schemas/ErrorEnvelope"})
        operations = next((ops for rx, ops in self._routes if rx.match(path)), None)
        if operations is None or method.lower() not in operations:
            # Unknown path or method: the host must still answer with the error envelope.
            assert status in (404, 405), f"{method} {path} is not documented but got {status}"
            jsonschema.validate(body, envelope)
            return
        responses = operations[method.lower()]["responses"]
        documented = responses.get(str(status))
        assert documented is not None, (
            f"{method} {path} answered {status}, which /openapi.json does not document "
            f"(documented: {sorted(responses)})"
        )
        schema = documented.get("content", {}).get("application/json", {}).get("schema")
        assert schema is not None, f"{method} {path} {status} has no JSON schema"
        try:
            jsonschema.validate(body, self._schema(schema))
        except jsonschema.ValidationError as error:
            raise AssertionError(
                f"{method} {path} {status} does not match /openapi.json: {error.message}"
            ) from error


class HostHandle:
    """A test's view of a reference host: its url, team, tokens, seed, and helpers."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        url: str,
        team: str = TEAM,
        admin_token: str = ADMIN_TOKEN,
        viewer_token: str = VIEWER_TOKEN,
        validate: bool = True,
        running: RunningHost | None = None,
    ) -> None:
        self.client = client
        self.url = url
        self.team = team
        self.admin_token = admin_token
        self.viewer_token = viewer_token
        self.seed: ModuleType = demo_seed
        self.running = running
        self.checker: OpenApiChecker | None = None
        if validate:
            response = client.get("/openapi.json")
            assert response.status_code == 200, response.text
            self.checker = OpenApiChecker(response.json())

    # -- plain requests ------------------------------------------------------------------

    def headers(self, role: str = "admin") -> dict[str, str]:
        token = {"admin": self.admin_token, "viewer": self.viewer_token}[role]
        return {"Authorization": f"Bearer {token}", "X-Team-Slug": self.team}

    def request(
        self,
        method: str,
        path: str,
        *,
        role: str | None = "admin",
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """A request with the role's headers (``role=None``: none), checked against the schema."""
        merged = self.headers(role) if role is not None else {}
        merged.update(headers or {})
        response = self.client.request(method, path, headers=merged, **kwargs)
        self.check(response)
        return response

    def check(self, response: httpx.Response) -> None:
        """Every answer: JSON with the documented shape (errors: the envelope)."""
        if self.checker is None:
            return
        assert response.headers.get("content-type", "").startswith("application/json"), (
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code} with content-type {response.headers.get('content-type')!r}"
        )
        self.checker.check(
            response.request.method,
            response.request.url.path,
            response.status_code,
            response.json(),
        )

    def get(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        role: str | None = "admin",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return self.request("GET", path, params=params, role=role, headers=headers)

    def post(
        self,
        path: str,
        json: Any = None,
        *,
        role: str | None = "admin",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return self.request("POST", path, json=json, role=role, headers=headers)

    def _ok(self, response: httpx.Response) -> Any:
        assert response.status_code == 200, (
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text}"
        )
        return response.json()

    # -- dev controls ------------------------------------------------------------------

    def disable(self, binding_ref: str) -> dict[str, Any]:
        return self._ok(self.post(f"/api/v1/dev/mappings/{binding_ref}/disable"))

    def enable(self, binding_ref: str) -> dict[str, Any]:
        return self._ok(self.post(f"/api/v1/dev/mappings/{binding_ref}/enable"))

    def delete(self, binding_ref: str) -> dict[str, Any]:
        return self._ok(self.post(f"/api/v1/dev/mappings/{binding_ref}/delete"))

    def faults(self, **spec: Any) -> dict[str, Any]:
        """Replace the injected faults, e.g. ``faults(burst_429=2, retry_after_seconds=1)``."""
        return self._ok(self.post("/api/v1/dev/faults", spec))

    def clear_faults(self) -> dict[str, Any]:
        return self._ok(self.request("DELETE", "/api/v1/dev/faults"))

    def reset(self, seed: str = "demo") -> dict[str, Any]:
        return self._ok(self.post("/api/v1/dev/reset", {"seed": seed}))

    def load(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Replace the whole state (see `tracker_host.state`); returns the counts."""
        return self._ok(self.post("/api/v1/dev/load", payload))

    def revoke_candidate_tokens(self) -> None:
        self._ok(self.post("/api/v1/dev/candidate-tokens/revoke"))

    def mappings(self, provider: str) -> list[dict[str, Any]]:
        """Every mapping of the provider (public endpoint; tombstones included)."""
        body = self._ok(self.get("/api/v1/tracker/mappings/", {"provider": provider}))
        return body["mappings"]

    def mapping_counts(self, provider: str | None = None) -> dict[str, int]:
        """``{"active": n, "disabled": n, "deleted": n}`` (all providers unless named)."""
        params = {"provider": provider} if provider else None
        body = self._ok(self.get("/api/v1/dev/mappings", params))
        return body["by_status"]

    def close(self) -> None:
        self.client.close()


@pytest.fixture(scope="session")
def host_server() -> Iterator[RunningHost]:
    with run_in_thread(host_settings()) as running:
        yield running


@pytest.fixture
def host(host_server: RunningHost) -> Iterator[HostHandle]:
    client = httpx.Client(base_url=host_server.url, timeout=10.0)
    handle = HostHandle(client, url=host_server.url, running=host_server)
    handle.reset("demo")
    try:
        yield handle
    finally:
        handle.close()
