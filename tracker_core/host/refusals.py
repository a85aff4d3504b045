"""Turning a host's refusal into one typed ``HostError`` with a one-line message.

The envelope is read tolerantly (``wire.ErrorEnvelope``); a code this client does
not know falls back on the HTTP status. What the host said (its ``message`` or
``guidance``) is kept beside the tool's own sentence and fix, as cleaned text.

A stale code (``binding_not_found``, ``mapping_deleted``, ``mapping_disabled``,
``project_mismatch``, ``provider_mismatch``) becomes ``StaleBindingError`` only when
the request was routed by a ``binding_ref``. Routed by ``project_slug`` alone there
is no ref to call stale: it is a ``HostRequestError`` carrying the code
(``error_code``) and a message about the slug.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from tracker_core.errors import (
    AlreadyBoundError,
    AuthError,
    ForbiddenError,
    HostError,
    HostRequestError,
    HostUnavailableError,
    IdempotencyError,
    InvalidCandidateTokenError,
    NoInstallationError,
    ProtocolError,
    RateLimitedError,
    StaleBindingError,
    TeamForbiddenError,
    UnknownProviderError,
)
from tracker_core.host.answers import content_type, envelope, json_body
from tracker_core.host.call import TEAM_SETTING, URL_SETTING, Call
from tracker_core.host.retry import RetryBudget
from tracker_core.host.wire import ErrorEnvelope

# The status path answers binding_not_found for deleted and never-issued refs alike;
# bind-validate tells them apart (its reasons come through ValidateResult).
_STALE_REASONS = {
    "binding_not_found": "mapping_deleted",
    "mapping_deleted": "mapping_deleted",
    "mapping_disabled": "mapping_disabled",
    "project_mismatch": "project_mismatch",
    "provider_mismatch": "provider_mismatch",
}
_SLUG_STALE_TEXT = {
    "mapping_deleted": "the host has no mapping for project slug '{slug}'",
    "mapping_disabled": "the mapping for project slug '{slug}' is disabled on the host",
    "project_mismatch": "the mapping for project slug '{slug}' belongs to another project",
    "provider_mismatch": "the mapping for project slug '{slug}' is of another provider",
}
_IDEMPOTENCY_CODES = frozenset({"idempotency_key_required", "idempotency_key_reused"})
# An unknown (or absent) code is read by the HTTP status.
_STATUS_CODES = {401: "unauthorized", 403: "forbidden", 429: "rate_limited"}
_TEAM_HINT = re.compile(r"\bteam\b|x-team-slug", re.IGNORECASE)
_KNOWN_CODES = frozenset(
    {
        "unauthorized",
        "forbidden",
        "no_installation",
        "unknown_provider",
        "rate_limited",
        "invalid_candidate_token",
        "already_bound",
        *_STALE_REASONS,
        *_IDEMPOTENCY_CODES,
    }
)


def _host_says(env: ErrorEnvelope | None, call: Call) -> str:
    if env is None:
        return ""
    return call.host_text(env.guidance or env.message, max_len=200)


def unavailable(
    base_url: str, budget: RetryBudget, reason: str, *, status_code: int | None = None
) -> HostUnavailableError:
    attempts = budget.attempts
    return HostUnavailableError(
        f"host unavailable at {base_url} after {attempts} "
        f"attempt{'s' if attempts != 1 else ''}: {reason}",
        status_code=status_code,
        retryable=True,
    )


def rate_limited(
    base_url: str, response: httpx.Response, call: Call, budget: RetryBudget, asked: float | None
) -> RateLimitedError:
    env = envelope(response)
    detail = call.host_text(env.message, max_len=120) if env else ""
    when = f"; the host asks to wait {asked:g}s" if asked is not None else ""
    return RateLimitedError(
        f"rate limited by the host at {base_url} after {budget.attempts} "
        f"attempt{'s' if budget.attempts != 1 else ''}{when}" + (f" ({detail})" if detail else ""),
        retry_after=asked,
        status_code=429,
        error_code="rate_limited",
        retryable=True,
    )


def auth_error(base_url: str, response: httpx.Response, call: Call, token_fix: str) -> AuthError:
    env = envelope(response)
    detail = call.host_text(env.message, max_len=120) if env else ""
    return AuthError(
        f"the host at {base_url} did not accept the token"
        + (f" ({detail})" if detail else "")
        + f": {token_fix}",
        status_code=response.status_code,
        error_code=(env.error_code if env else "") or "unauthorized",
        user_action_required=True,
    )


def server_reason(response: httpx.Response, call: Call) -> str:
    env = envelope(response)
    if env is not None and env.message:
        return f"HTTP {response.status_code}: {call.host_text(env.message, max_len=120)}"
    if env is None:
        return f"HTTP {response.status_code} ({content_type(response, call)} body)"
    return f"HTTP {response.status_code} {env.error_code}"


def network_reason(exc: httpx.HTTPError, call: Call, timeout: float | None) -> str:
    detail = call.host_text(str(exc), max_len=120)
    after = f" after {timeout:g}s" if timeout is not None else ""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timed out{after}"
    if isinstance(exc, httpx.ReadTimeout):
        return f"no response{after} (read timeout)"
    if isinstance(exc, httpx.WriteTimeout):
        return f"sending the request timed out{after}"
    if isinstance(exc, httpx.PoolTimeout):
        return f"no free connection{after}"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({detail or 'connection failed'})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"connection closed unexpectedly ({detail or 'protocol error'})"
    return f"{type(exc).__name__}" + (f" ({detail})" if detail else "")


def error_for(
    base_url: str, team: str, response: httpx.Response, call: Call, token_fix: str
) -> HostError:
    """The error for a non-2xx answer that is not retried."""
    status = response.status_code
    if 300 <= status < 400:
        location = call.host_text(response.headers.get("location", "?"), max_len=120)
        return ProtocolError(
            f"HTTP {status} from {call.endpoint} redirects to {location}; redirects are "
            f"not followed with a token: set {URL_SETTING} to the host's own origin",
            status_code=status,
        )
    env = envelope(response)
    if env is None:
        is_json = json_body(response) is not None
        what = "body is not the error envelope" if is_json else "body is not JSON"
        hint = "; is the URL the host's origin?" if status == 404 else ""
        return ProtocolError(
            f"HTTP {status} from {call.endpoint}: {what} ({content_type(response, call)}){hint}",
            status_code=status,
        )
    return from_envelope(base_url, team, status, env, call, token_fix)


def _effective_code(status: int, env: ErrorEnvelope, call: Call) -> str:
    code = env.error_code
    if code in _KNOWN_CODES:
        return code
    if status == 404 and call.binding_ref:
        return "binding_not_found"
    return _STATUS_CODES.get(status, code)


def from_envelope(
    base_url: str, team: str, status: int, env: ErrorEnvelope, call: Call, token_fix: str
) -> HostError:
    code = _effective_code(status, env, call)
    message = call.host_text(env.message) or f"HTTP {status}"
    says = _host_says(env, call)
    provider = call.provider or "the"
    common: dict[str, Any] = {
        "status_code": status,
        "error_code": env.error_code or code,
        "retryable": env.retryable,
        "user_action_required": env.user_action_required,
    }
    if code == "unauthorized":
        return AuthError(
            f"the host at {base_url} did not accept the token ({message}): {token_fix}",
            **common,
        )
    if code == "forbidden":
        category = (env.error_category or "").lower()
        if category == "team" or _TEAM_HINT.search(env.message):
            return TeamForbiddenError(
                f"the host refused team '{team}' for this token; "
                f"set {TEAM_SETTING} to the team the token belongs to",
                host_says=says,
                **common,
            )
        return ForbiddenError("not allowed by the host", host_says=says or message, **common)
    if code == "no_installation":
        return NoInstallationError(
            f"no {provider} installation for team '{team}': connect the "
            f"{provider} tracker in the SaaS dashboard",
            provider=call.provider,
            host_says=says,
            **common,
        )
    if code == "unknown_provider":
        return UnknownProviderError(
            f"the host does not support provider '{provider}' ({message})", **common
        )
    if code == "rate_limited":
        return RateLimitedError(
            f"rate limited by the host ({message})",
            retry_after=env.retry_after_seconds,
            **common,
        )
    if code == "invalid_candidate_token":
        return InvalidCandidateTokenError(
            f"the candidate token expired or was already used ({message}); "
            "resolve the project again",
            **common,
        )
    if code == "already_bound":
        return AlreadyBoundError(
            "the resource is already bound to another project; pick another resource "
            f"with: sk-tracker discover --provider {provider}",
            host_says=says or message,
            **common,
        )
    if code in _STALE_REASONS:
        reason = _STALE_REASONS[code]
        if call.binding_ref:
            return StaleBindingError(
                binding_ref=call.binding_ref,
                reason=reason,
                provider=call.provider or "",
                status_code=status,
                error_code=env.error_code or code,
                host_says=says,
            )
        if call.project_slug:
            what = _SLUG_STALE_TEXT[reason].format(slug=call.host_text(call.project_slug))
            return HostRequestError(
                f"{what}; bind it with: sk-tracker bind --provider {provider}",
                host_says=says,
                **{**common, "user_action_required": True},
            )
    if code in _IDEMPOTENCY_CODES:
        return IdempotencyError(f"{call.endpoint}: {message} ({code})", **common)
    return HostRequestError(
        f"{call.endpoint} refused (HTTP {status} {call.host_text(code or 'error', max_len=60)}): "
        f"{message}",
        **common,
    )
