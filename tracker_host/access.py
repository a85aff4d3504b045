"""Who is calling, for which team and provider: the checks every API request passes first.

Order (DESIGN §4 error precedence): 401 bearer token → (429 rate limit, per token) →
403 team header → 400 unknown_provider / 403 no_installation. Request validation (400)
and the role check (403) come after, in the endpoints. The same `check_access` runs
from the request-validation error handler when FastAPI rejected the request before
this dependency could run (e.g. a body that is not JSON), so precedence holds there too.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from fastapi import Request
from fastapi.security import APIKeyHeader, HTTPBearer

from . import envelope
from .providers import PROVIDERS, normalize_provider

if TYPE_CHECKING:
    from .runtime import HostRuntime

Role = Literal["admin", "viewer"]
ProviderSource = Literal["query", "body"] | None

# Declared for /openapi.json only (both as security schemes, so fuzzers treat them as auth).
bearer_scheme = HTTPBearer(auto_error=False, description="Bearer token of a team member.")
team_scheme = APIKeyHeader(
    name="X-Team-Slug", auto_error=False, description="The team the token belongs to."
)


@dataclass(frozen=True)
class Caller:
    user: str
    role: Role
    team: str


@dataclass(frozen=True)
class Access:
    caller: Caller
    provider: str | None


def _token_from(header: str | None) -> bytes | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token.encode("utf-8", "surrogateescape")


def authenticate(runtime: HostRuntime, authorization: str | None) -> Caller:
    """The caller owning the bearer token; every token is compared in constant time."""
    given = _token_from(authorization)
    settings = runtime.settings
    users: list[tuple[str, Role, bytes]] = [
        (settings.admin_user, "admin", settings.admin_token.get_secret_value().encode()),
        (settings.viewer_user, "viewer", settings.viewer_token.get_secret_value().encode()),
    ]
    found: Caller | None = None
    for user, role, token in users:
        # Compare against every user even after a match, so timing tells nothing.
        if hmac.compare_digest(given or b"\x00", token) and given is not None:
            found = Caller(user=user, role=role, team=settings.team)
    if found is None:
        raise envelope.unauthorized()
    return found


def require_admin(access: Access, action: str) -> None:
    if access.caller.role != "admin":
        raise envelope.role_forbidden(access.caller.role, action)


async def _body_json(request: Request) -> Any:
    """The parsed JSON body (cached on the request), or None if it is not JSON."""
    if not hasattr(request.state, "json_body"):
        try:
            request.state.json_body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError, RecursionError):
            request.state.json_body = None
    return request.state.json_body


async def check_access(request: Request, provider_from: ProviderSource) -> Access:
    existing: Access | None = getattr(request.state, "access", None)
    if existing is not None:
        return existing
    runtime: HostRuntime = request.app.state.runtime
    caller = authenticate(runtime, request.headers.get("authorization"))
    if runtime.limiter is not None:
        wait = runtime.limiter.acquire(caller.user)
        if wait is not None:
            raise envelope.rate_limited(wait)
    team = request.headers.get("x-team-slug")
    if team is None or not team.strip():
        raise envelope.team_missing()
    if team.strip() != caller.team:
        raise envelope.team_mismatch(team)
    provider: str | None = None
    raw: Any = None
    if provider_from == "query":
        raw = request.query_params.get("provider")
    elif provider_from == "body":
        body = await _body_json(request)
        raw = body.get("provider") if isinstance(body, dict) else None
    # A missing or mistyped provider is left to request validation (a 400 either way).
    if isinstance(raw, str) and raw.strip():
        provider = normalize_provider(raw)
        if provider is None:
            raise envelope.unknown_provider(raw, PROVIDERS)
        if runtime.store.installation(provider) is None:
            raise envelope.no_installation(provider, caller.team)
    access = Access(caller=caller, provider=provider)
    request.state.access = access
    return access


def provider_source_for(method: str, path: str) -> ProviderSource:
    """Where a request names its provider: tracker GETs in the query, POSTs in the body."""
    if not path.startswith("/api/v1/tracker/"):
        return None
    return "query" if method.upper() in ("GET", "HEAD") else "body"


async def access_query(request: Request) -> Access:
    return await check_access(request, "query")


async def access_body(request: Request) -> Access:
    return await check_access(request, "body")


async def access_plain(request: Request) -> Access:
    return await check_access(request, None)
