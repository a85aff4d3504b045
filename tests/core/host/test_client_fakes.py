"""A scripted host for the client contract tests (``httpx.MockTransport``), and
sample payloads shaped as DESIGN §4 says. No tests live here."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from tracker_core.config.identity import ProjectIdentity
from tracker_core.host.client import HostClient
from tracker_core.host.retry import RetryPolicy

TOKEN = "tok-S3CRET-9f8e7d6c5b4a"
NEW_TOKEN = "tok-R0TATED-1a2b3c4d5e6f"
TEAM = "acme"
BASE = "https://host.example"

IDENTITY = ProjectIdentity(
    uuid="8a4a7da6-a97c-4bb4-893a-b31664abfee4",
    slug="my-project",
    node_id="d036a097a835",
    repo_slug="acme/my-project",
)

Step = httpx.Response | type[Exception] | Callable[[httpx.Request], httpx.Response]


class ScriptedHost:
    """Answers each request with the next step: a response, an httpx exception type
    (raised as if the network failed), or a callable of the request. Records every
    request; a request beyond the script fails the test."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.steps:
            raise AssertionError(f"unexpected extra request: {request.method} {request.url}")
        step = self.steps.pop(0)
        if isinstance(step, type) and issubclass(step, Exception):
            raise step("simulated failure", request=request)  # type: ignore[call-arg]
        if isinstance(step, httpx.Response):
            return step
        return step(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


class Sleeps(list[float]):
    """Records the waits the client asked for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def policy(sleeps: Sleeps | None = None, **kw: Any) -> RetryPolicy:
    """No real waiting, no jitter (exact delays), unless a test says otherwise."""
    kw.setdefault("jitter", 0.0)
    return RetryPolicy(sleep=sleeps if sleeps is not None else Sleeps(), **kw)


def make_client(host: ScriptedHost, *, token: Any = TOKEN, **kw: Any) -> HostClient:
    kw.setdefault("retry", policy())
    return HostClient(
        kw.pop("base_url", BASE), token, TEAM, transport=httpx.MockTransport(host), **kw
    )


def ok(payload: Any, status: int = 200, **kw: Any) -> httpx.Response:
    return httpx.Response(status, json=payload, **kw)


def envelope(
    status: int,
    code: str,
    message: str = "",
    *,
    key: str = "error_code",
    category: str | None = None,
    retry_after_seconds: int | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = {
        key: code,
        "message": message,
        "error_category": category,
        "retryable": status == 429 or status >= 500,
        "user_action_required": status in (401, 403),
        "retry_after_seconds": retry_after_seconds,
    }
    return httpx.Response(status, json=body, headers=headers)


def html(
    status: int, text: str = "<html><body><h1>502 Bad Gateway</h1></body></html>"
) -> httpx.Response:
    return httpx.Response(status, text=text, headers={"content-type": "text/html"})


RESOURCE_BOUND = {
    "candidate_token": "ct_bound_1",
    "display_label": "Backend (ENG)",
    "provider": "linear",
    "provider_context": {"team_name": "Engineering", "workspace_name": "Acme Corp"},
    "binding_ref": "srm_01BOUND",
    "bound_project_slug": "backend",
    "bound_at": "2025-03-01T12:00:00Z",
}
RESOURCE_FREE = {
    "candidate_token": "ct_free_2",
    "display_label": "Frontend (WEB)",
    "provider": "linear",
    "provider_context": {"team_name": "Web", "workspace_name": "Acme Corp", "issue_count": 42},
    "binding_ref": None,
    "bound_project_slug": None,
    "bound_at": None,
}
RESOURCES = {
    "resources": [RESOURCE_BOUND, RESOURCE_FREE],
    "installation_id": "inst_linear_1",
    "provider": "linear",
}


def candidate(token: str, label: str, confidence: str, position: int) -> dict[str, Any]:
    return {
        "candidate_token": token,
        "display_label": label,
        "confidence": confidence,
        "match_reason": f"name similar to {label}",
        "sort_position": position,
    }


BIND_RESULT = {
    "binding_ref": "srm_01NEW",
    "display_label": "Frontend (WEB)",
    "provider": "linear",
    "provider_context": {"team_name": "Web", "workspace_name": "Acme Corp"},
    "bound_at": "2025-04-02T08:30:00+00:00",
}
PROJECT_STATUS = {
    "provider": "linear",
    "configured": True,
    "connected": True,
    "binding_ref": "srm_01BOUND",
    "display_label": "Backend (ENG)",
    "provider_context": {"workspace_name": "Acme Corp"},
    "project_slug": "backend",
    "sync_state": "idle",
    "identity_path": {"type": "binding_ref"},
}
INSTALLATION_STATUS = {
    "provider": "linear",
    "connected": True,
    "installation_id": "inst_linear_1",
    "resource_count": 12,
    "bindings": [
        {
            "binding_ref": "srm_01BOUND",
            "project_slug": "backend",
            "project_uuid": "0b8f6c8e-1111-4222-8333-444455556666",
            "display_label": "Backend (ENG)",
            "provider_context": {"workspace_name": "Acme Corp"},
            "status": "active",
            "bound_at": "2025-03-01T12:00:00Z",
        },
        {
            "binding_ref": "srm_01OFF",
            "project_slug": None,
            "project_uuid": None,
            "display_label": "Ops (OPS)",
            "provider_context": None,
            "status": "disabled",
            "bound_at": None,
        },
    ],
}
MAPPINGS = {
    "provider": "linear",
    "mappings": [
        {
            "binding_ref": "srm_01BOUND",
            "display_label": "Backend (ENG)",
            "provider_context": {"workspace_name": "Acme Corp"},
            "project_uuid": "0b8f6c8e-1111-4222-8333-444455556666",
            "project_slug": "backend",
            "status": "active",
            "bound_at": "2025-03-01T12:00:00Z",
            "updated_at": "2025-03-02T12:00:00Z",
        },
        {
            "binding_ref": "srm_01GONE",
            "display_label": "Old (OLD)",
            "provider_context": {"workspace_name": "Acme Corp"},
            "project_uuid": None,
            "project_slug": "old",
            "status": "deleted",
            "bound_at": "2024-01-01T00:00:00Z",
            "updated_at": "2025-01-01T00:00:00Z",
        },
    ],
}
