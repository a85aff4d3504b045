"""The one error envelope every non-2xx answer of the host carries (DESIGN §4).

`HostError` is raised anywhere in the host; `error_response` turns it into JSON with
all six keys. Categories let a client tell apart the kinds of 403 and 4xx:
auth, team, permission, installation, validation, rate_limit, server.

Errors about the state of a binding (invalid_candidate_token, already_bound,
binding_not_found, mapping_disabled, project_mismatch) carry their own code as
category: the published spec-kitty CLI reads ``error_category`` before
``error_code`` and must see e.g. ``binding_not_found`` to detect a stale binding.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict


class ErrorEnvelope(BaseModel):
    """Error body: the same six keys on every error, nullable ones present as null."""

    model_config = ConfigDict(extra="forbid")

    error_code: str
    message: str
    error_category: str | None
    retryable: bool
    user_action_required: bool
    retry_after_seconds: int | None


class HostError(Exception):
    """An error the host answers with; ``str()`` is the one-line message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        category: str | None,
        *,
        retryable: bool = False,
        user_action_required: bool = False,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.category = category
        self.retryable = retryable
        self.user_action_required = user_action_required
        self.retry_after_seconds = retry_after_seconds

    def body(self) -> dict[str, Any]:
        return {
            "error_code": self.code,
            "message": self.message,
            "error_category": self.category,
            "retryable": self.retryable,
            "user_action_required": self.user_action_required,
            "retry_after_seconds": self.retry_after_seconds,
        }


def error_response(error: HostError, headers: dict[str, str] | None = None) -> JSONResponse:
    merged = dict(headers or {})
    if error.retry_after_seconds is not None:
        merged["Retry-After"] = str(error.retry_after_seconds)
    return JSONResponse(error.body(), status_code=error.status, headers=merged or None)


# -- the errors of the contract, one factory each so messages stay consistent --


def unauthorized() -> HostError:
    return HostError(
        401,
        "unauthorized",
        "Missing or invalid bearer token; sign in again.",
        "auth",
        user_action_required=True,
    )


def team_missing() -> HostError:
    return HostError(
        403,
        "forbidden",
        "The X-Team-Slug header is missing; send the team this token belongs to.",
        "team",
        user_action_required=True,
    )


def _shown(sent: str) -> str:
    """What the client sent, cut to 64 characters for an error message."""
    return sent if len(sent) <= 64 else sent[:61] + "..."


def team_mismatch(sent: str) -> HostError:
    shown = _shown(sent)
    return HostError(
        403,
        "forbidden",
        f"Team {shown!r} (X-Team-Slug) is not the team of this token.",
        "team",
        user_action_required=True,
    )


def role_forbidden(role: str, action: str) -> HostError:
    return HostError(
        403,
        "forbidden",
        f"Role {role!r} may not {action}; an admin must do this.",
        "permission",
    )


def unknown_provider(provider: str, known: tuple[str, ...]) -> HostError:
    shown = _shown(provider)
    return HostError(
        400,
        "unknown_provider",
        f"Unknown provider {shown!r}; expected one of: {', '.join(known)}.",
        "validation",
    )


def no_installation(provider: str, team: str) -> HostError:
    return HostError(
        403,
        "no_installation",
        f"Team {team!r} has no {provider} installation; "
        "connect the tracker in the SaaS dashboard first.",
        "installation",
        user_action_required=True,
    )


def invalid_request(detail: str) -> HostError:
    return HostError(400, "invalid_request", f"Invalid request: {detail}", "validation")


def idempotency_key_required() -> HostError:
    return HostError(
        400,
        "idempotency_key_required",
        "The Idempotency-Key header is required for bind-confirm.",
        "validation",
    )


def idempotency_key_reused() -> HostError:
    return HostError(
        422,
        "idempotency_key_reused",
        "This Idempotency-Key was already used with a different request body; "
        "use a new key for a new request.",
        "validation",
    )


def invalid_candidate_token() -> HostError:
    return HostError(
        400,
        "invalid_candidate_token",
        "The candidate token is expired, already used or not valid here; resolve again.",
        "invalid_candidate_token",
    )


def already_bound(display_label: str) -> HostError:
    return HostError(
        409,
        "already_bound",
        f"Resource {display_label!r} is already bound to another project.",
        "already_bound",
    )


def binding_not_found(binding_ref: str) -> HostError:
    return HostError(
        404,
        "binding_not_found",
        f"Binding {binding_ref!r} does not exist (deleted or unknown).",
        "binding_not_found",
    )


def mapping_disabled(binding_ref: str) -> HostError:
    return HostError(
        409,
        "mapping_disabled",
        f"Binding {binding_ref!r} is disabled.",
        "mapping_disabled",
    )


def project_mismatch(binding_ref: str) -> HostError:
    return HostError(
        403,
        "project_mismatch",
        f"Binding {binding_ref!r} belongs to another project.",
        "project_mismatch",
    )


def rate_limited(retry_after_seconds: int) -> HostError:
    return HostError(
        429,
        "rate_limited",
        f"Too many requests; retry after {retry_after_seconds} s.",
        "rate_limit",
        retryable=True,
        retry_after_seconds=retry_after_seconds,
    )


def payload_too_large(limit: int) -> HostError:
    return HostError(
        413,
        "payload_too_large",
        f"Request body exceeds {limit} bytes.",
        "validation",
    )


def internal_error() -> HostError:
    return HostError(
        500,
        "internal_error",
        "The host failed to handle this request.",
        "server",
        retryable=True,
    )


SERVER_ERROR_CODES: dict[int, str] = {
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def server_error(status: int, message: str) -> HostError:
    return HostError(
        status, SERVER_ERROR_CODES.get(status, "server_error"), message, "server", retryable=True
    )


def http_error(status: int, detail: str) -> HostError:
    """Routing errors raised by Starlette itself (unknown path, wrong method...)."""
    if status == 404:
        return HostError(404, "not_found", "No such endpoint.", None)
    if status == 405:
        return HostError(405, "method_not_allowed", "Method not allowed on this endpoint.", None)
    if status >= 500:
        return server_error(status, detail or "Server error.")
    return HostError(status, "http_error", detail or f"HTTP {status}", "validation")
