"""The public routes of the host contract (DESIGN §4), paths exact, trailing slashes included."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, Security

from . import envelope
from .access import (
    Access,
    access_body,
    access_plain,
    access_query,
    bearer_scheme,
    require_admin,
    team_scheme,
)
from .envelope import ErrorEnvelope
from .models import (
    BindConfirmRequest,
    BindConfirmResponse,
    BindResolveRequest,
    BindResolveResponse,
    BindValidateRequest,
    InstallationStatus,
    InvalidBinding,
    MappingsResponse,
    Me,
    ProjectStatus,
    ResourcesResponse,
    ValidBinding,
)
from .providers import PROVIDERS
from .runtime import HostRuntime

_DESCRIPTIONS = {
    400: "Request validation failed, or unknown provider.",
    401: "Bearer token missing or invalid.",
    403: "Team header wrong or missing, role not allowed, or no installation.",
    404: "Binding not found (deleted or unknown).",
    409: "Conflict with the current binding state.",
    413: "Request body too large.",
    422: "Idempotency-Key reused with another body.",
    429: "Rate limited; see Retry-After.",
    500: "The host failed.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers a route can give (all use the envelope)."""
    common = (400, 401, 403, 413, 429, 500)
    return {
        status: {"model": ErrorEnvelope, "description": _DESCRIPTIONS[status]}
        for status in sorted(set(common + statuses))
    }


router = APIRouter(prefix="/api/v1", dependencies=[Security(bearer_scheme), Security(team_scheme)])

ProviderQuery = Annotated[
    str,
    Query(
        min_length=1,
        max_length=100,
        description="Provider name (normalised to lower case).",
        examples=list(PROVIDERS),
    ),
]
OptionalRef = Annotated[str | None, Query(max_length=200)]
OptionalSlug = Annotated[str | None, Query(max_length=500)]


def runtime_of(request: Request) -> HostRuntime:
    runtime: HostRuntime = request.app.state.runtime
    return runtime


def provider_of(access: Access) -> str:
    if access.provider is None:
        # Only a blank provider gets here: check_access handled every other value.
        raise envelope.invalid_request("provider must not be blank")
    return access.provider


@router.get("/me/", response_model=Me, responses=errors(), tags=["account"])
def me(access: Annotated[Access, Depends(access_plain)]) -> dict[str, Any]:
    """Who the token belongs to, the team and the role."""
    caller = access.caller
    return {"user": caller.user, "team_slug": caller.team, "role": caller.role}


@router.get(
    "/tracker/resources/",
    response_model=ResourcesResponse,
    responses=errors(),
    tags=["tracker"],
)
def resources(
    request: Request,
    provider: ProviderQuery,
    access: Annotated[Access, Depends(access_query)],
) -> dict[str, Any]:
    """Every bindable resource of the installation, each with a fresh candidate token."""
    return runtime_of(request).service.resources(provider_of(access))


@router.post(
    "/tracker/bind-resolve/",
    response_model=BindResolveResponse,
    responses=errors(),
    tags=["tracker"],
)
def bind_resolve(
    request: Request,
    body: BindResolveRequest,
    access: Annotated[Access, Depends(access_body)],
) -> dict[str, Any]:
    """Exact match (the project's active mapping) or ranked candidates, or none."""
    return runtime_of(request).service.resolve(provider_of(access), body.project_identity)


REPLAYED_HEADER = "Idempotency-Replayed"


@router.post(
    "/tracker/bind-confirm/",
    response_model=BindConfirmResponse,
    responses={
        **errors(409, 422),
        200: {
            "description": "The binding (the same answer again for a retry of the same key).",
            "headers": {
                REPLAYED_HEADER: {
                    "description": "`true` when this answer replays an earlier request's.",
                    "schema": {"type": "string", "enum": ["true"]},
                }
            },
        },
    },
    tags=["tracker"],
)
def bind_confirm(
    request: Request,
    response: Response,
    body: BindConfirmRequest,
    access: Annotated[Access, Depends(access_body)],
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=500, description="Same key on every retry."),
    ] = None,
) -> dict[str, Any]:
    """Bind the project to the candidate's resource (admin only; idempotent per key)."""
    key = (idempotency_key or "").strip()
    if not key:
        raise envelope.idempotency_key_required()
    require_admin(access, "confirm bindings")
    canonical = json.dumps(request.state.json_body, sort_keys=True, separators=(",", ":"))
    answer, replayed = runtime_of(request).service.confirm(
        provider_of(access),
        body,
        idempotency_key=key,
        request_hash=hashlib.sha256(canonical.encode()).hexdigest(),
    )
    if replayed:
        # spec-kitty records a replayed write as a duplicate delivery, not a new one.
        response.headers[REPLAYED_HEADER] = "true"
    return answer


@router.post(
    "/tracker/bind-validate/",
    response_model=ValidBinding | InvalidBinding,
    responses=errors(),
    tags=["tracker"],
)
def bind_validate(
    request: Request,
    body: BindValidateRequest,
    access: Annotated[Access, Depends(access_body)],
) -> dict[str, Any]:
    """200 with ``valid: true`` and display metadata, or ``valid: false`` with a reason:
    binding_not_found, provider_mismatch, mapping_deleted, mapping_disabled or
    project_mismatch."""
    return runtime_of(request).service.validate(
        provider_of(access), body.binding_ref, body.project_identity
    )


@router.get(
    "/tracker/status/",
    response_model=ProjectStatus | InstallationStatus,
    responses=errors(404, 409),
    tags=["tracker"],
)
def status(
    request: Request,
    provider: ProviderQuery,
    access: Annotated[Access, Depends(access_query)],
    binding_ref: OptionalRef = None,
    project_slug: OptionalSlug = None,
) -> dict[str, Any]:
    """Project status by ``binding_ref`` (wins) or legacy ``project_slug``; without
    either, the installation-wide status. A stale ref fails with its code (404
    binding_not_found, 409 mapping_disabled, 403 project_mismatch when the slug sent
    is not the mapping's), never falling back to the slug. A slug whose only live
    mapping is disabled answers 409 mapping_disabled; a slug the host does not know
    answers 200 with ``binding_ref: null``.
    """
    service = runtime_of(request).service
    name = provider_of(access)
    if binding_ref or project_slug:
        return service.project_status(name, binding_ref or None, project_slug or None)
    return service.installation_status(name)


@router.get(
    "/tracker/mappings/",
    response_model=MappingsResponse,
    responses=errors(),
    tags=["tracker"],
)
def mappings(
    request: Request,
    provider: ProviderQuery,
    access: Annotated[Access, Depends(access_query)],
    binding_ref: OptionalRef = None,
    project_slug: OptionalSlug = None,
) -> dict[str, Any]:
    """Every mapping of the provider, deleted ones included as tombstones.
    ``binding_ref`` / ``project_slug`` narrow the list (spec-kitty sends its routing key).
    """
    return runtime_of(request).service.mappings(
        provider_of(access), binding_ref or None, project_slug or None
    )
