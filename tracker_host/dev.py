"""Dev controls (`--dev` only; absent from the app and `/openapi.json` otherwise).

All need the admin token and the team header, like the API. Bodies:

- `POST /api/v1/dev/mappings/{binding_ref}/disable` | `/enable` | `/delete` — no body;
  answers the mapping (a delete keeps a tombstone; a tombstone cannot change: 409).
- `GET /api/v1/dev/mappings?provider=P` — mapping counts by status (provider optional).
- `POST /api/v1/dev/faults` — a `FaultSpec` (see `faults.py`), replaces the faults;
  `GET` shows them, `DELETE` clears them.
- `POST /api/v1/dev/reset` — ``{"seed": "demo"|"empty"}`` (body optional: demo); also
  clears faults, idempotency records, rate-limit buckets and outstanding candidate tokens.
- `POST /api/v1/dev/load` — an `InstallationState` (see `state.py`) replacing everything.
- `POST /api/v1/dev/candidate-tokens/revoke` — no body; every outstanding token is invalid.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Security
from pydantic import BaseModel, ConfigDict

from . import envelope
from .access import Access, access_plain, bearer_scheme, require_admin, team_scheme
from .api import errors, runtime_of
from .faults import FaultSpec, FaultState
from .models import Mapping
from .providers import PROVIDERS, normalize_provider
from .state import InstallationState

router = APIRouter(
    prefix="/api/v1/dev",
    tags=["dev"],
    dependencies=[Security(bearer_scheme), Security(team_scheme)],
)

BindingRef = Annotated[str, Path(min_length=1, max_length=200)]


class ResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: Literal["demo", "empty"] = "demo"


class StateCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resource_count: int
    mapping_count: int


class MappingCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: str | None
    total: int
    by_status: dict[str, int]


class Revoked(BaseModel):
    model_config = ConfigDict(extra="forbid")

    revoked: bool


def _set_status(request: Request, access: Access, ref: str, status: str) -> dict[str, Any]:
    require_admin(access, "use dev controls")
    return runtime_of(request).service.set_mapping_status(ref, status)


@router.post("/mappings/{binding_ref}/disable", response_model=Mapping, responses=errors(404, 409))
def disable_mapping(
    request: Request, binding_ref: BindingRef, access: Annotated[Access, Depends(access_plain)]
) -> dict[str, Any]:
    """Disable a mapping: it keeps holding its resource; its ref becomes stale."""
    return _set_status(request, access, binding_ref, "disabled")


@router.post("/mappings/{binding_ref}/enable", response_model=Mapping, responses=errors(404, 409))
def enable_mapping(
    request: Request, binding_ref: BindingRef, access: Annotated[Access, Depends(access_plain)]
) -> dict[str, Any]:
    """Make a disabled mapping active again."""
    return _set_status(request, access, binding_ref, "active")


@router.post("/mappings/{binding_ref}/delete", response_model=Mapping, responses=errors(404, 409))
def delete_mapping(
    request: Request, binding_ref: BindingRef, access: Annotated[Access, Depends(access_plain)]
) -> dict[str, Any]:
    """Delete a mapping, keeping a tombstone; its resource becomes free."""
    return _set_status(request, access, binding_ref, "deleted")


@router.get("/mappings", response_model=MappingCounts, responses=errors())
def count_mappings(
    request: Request,
    access: Annotated[Access, Depends(access_plain)],
    provider: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """How many mappings exist, by status (all providers unless one is named)."""
    require_admin(access, "use dev controls")
    name: str | None = None
    if provider:
        name = normalize_provider(provider)
        if name is None:
            raise envelope.unknown_provider(provider, PROVIDERS)
    counts = runtime_of(request).store.mapping_counts(name)
    return {"provider": name, "total": sum(counts.values()), "by_status": counts}


@router.get("/faults", response_model=FaultState, responses=errors())
def show_faults(request: Request, access: Annotated[Access, Depends(access_plain)]) -> FaultState:
    require_admin(access, "use dev controls")
    return runtime_of(request).faults.state()


@router.post("/faults", response_model=FaultState, responses=errors())
def set_faults(
    request: Request, spec: FaultSpec, access: Annotated[Access, Depends(access_plain)]
) -> FaultState:
    """Replace the injected faults (fields left out mean no such fault)."""
    require_admin(access, "use dev controls")
    return runtime_of(request).faults.configure(spec)


@router.delete("/faults", response_model=FaultState, responses=errors())
def clear_faults(request: Request, access: Annotated[Access, Depends(access_plain)]) -> FaultState:
    require_admin(access, "use dev controls")
    return runtime_of(request).faults.clear()


@router.post("/reset", response_model=StateCounts, responses=errors())
def reset(
    request: Request,
    access: Annotated[Access, Depends(access_plain)],
    body: Annotated[ResetRequest | None, Body()] = None,
) -> dict[str, int]:
    """Back to a seed; clears faults, idempotency records and outstanding tokens too."""
    require_admin(access, "use dev controls")
    return runtime_of(request).reset((body or ResetRequest()).seed)


@router.post("/load", response_model=StateCounts, responses=errors())
def load(
    request: Request, state: InstallationState, access: Annotated[Access, Depends(access_plain)]
) -> dict[str, int]:
    """Replace the whole installation state (installations, resources, mappings)."""
    require_admin(access, "use dev controls")
    # Faults stay: a benchmark may set latency, then load the state it measures.
    return runtime_of(request).service.replace_state(state)


@router.post("/candidate-tokens/revoke", response_model=Revoked, responses=errors())
def revoke_candidate_tokens(
    request: Request, access: Annotated[Access, Depends(access_plain)]
) -> dict[str, bool]:
    """Invalidate every candidate token issued so far (as if they had all expired)."""
    require_admin(access, "use dev controls")
    runtime_of(request).signer.rotate()
    return {"revoked": True}
