"""Request and response bodies of the host contract (DESIGN §4), as pydantic models.

Responses forbid extra keys, so `/openapi.json` states every shape exactly; nullable
keys are always present (null when unknown). Requests ignore unknown keys (spec-kitty
sends e.g. ``project_identity.build_id``).

Two routes answer one of two shapes, documented as a union (``anyOf``) whose members
are told apart by required keys:

- bind-validate: `ValidBinding` (``valid: true``) or `InvalidBinding` (``valid: false``),
  each with exactly the keys DESIGN §4 lists;
- status: `ProjectStatus` (with a routing key) or `InstallationStatus` (without).

Additive keys beyond DESIGN §4: ``project_slug`` on bind-resolve (the exact match's
slug, else null) and bind-confirm (the mapping's slug), which newer spec-kitty reads.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .providers import PROVIDERS
from .state import MappingStatus

ProviderContext = Annotated[
    dict[str, str],
    Field(
        description="Display-only context; always has a non-empty workspace_name.",
        json_schema_extra={"required": ["workspace_name"]},
    ),
]
Confidence = Literal["high", "medium", "low"]


class _Response(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


# -- requests -------------------------------------------------------------------


class ProjectIdentity(_Request):
    uuid: str = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=500)
    node_id: str | None = Field(default=None, max_length=200)
    repo_slug: str | None = Field(default=None, max_length=500)


ProviderName = Annotated[
    str, Field(min_length=1, max_length=100, examples=list(PROVIDERS), description="Provider name.")
]


class BindResolveRequest(_Request):
    provider: ProviderName
    project_identity: ProjectIdentity


class BindConfirmRequest(_Request):
    provider: ProviderName
    candidate_token: str = Field(min_length=1, max_length=2048)
    project_identity: ProjectIdentity


class BindValidateRequest(_Request):
    provider: ProviderName
    binding_ref: str = Field(min_length=1, max_length=200)
    project_identity: ProjectIdentity


# -- responses ------------------------------------------------------------------


class Resource(_Response):
    candidate_token: str
    display_label: str
    provider: str
    provider_context: ProviderContext
    binding_ref: str | None
    bound_project_slug: str | None
    bound_at: str | None


class ResourcesResponse(_Response):
    resources: list[Resource]
    installation_id: str
    provider: str


class Candidate(_Response):
    candidate_token: str
    display_label: str
    confidence: Confidence
    match_reason: str
    sort_position: int


class BindResolveResponse(_Response):
    match_type: Literal["exact", "candidates", "none"]
    candidate_token: str | None
    binding_ref: str | None
    candidates: list[Candidate]
    display_label: str | None
    project_slug: str | None


class BindConfirmResponse(_Response):
    binding_ref: str
    display_label: str
    provider: str
    provider_context: ProviderContext
    bound_at: str
    project_slug: str


class ValidBinding(_Response):
    valid: Literal[True]
    binding_ref: str
    display_label: str
    provider: str
    provider_context: ProviderContext


class InvalidBinding(_Response):
    valid: Literal[False]
    binding_ref: str
    # The provider the ref belongs to (the one asked about when the ref is unknown).
    provider: str
    reason: Literal[
        "binding_not_found",
        "provider_mismatch",
        "mapping_deleted",
        "mapping_disabled",
        "project_mismatch",
    ]
    guidance: str


class IdentityPath(_Response):
    type: Literal["binding_ref", "project_slug"]


class ProjectStatus(_Response):
    provider: str
    configured: Literal[True]
    connected: bool
    binding_ref: str | None
    display_label: str | None
    # Empty (never null) when the host cannot resolve the project.
    provider_context: dict[str, str]
    project_slug: str | None
    sync_state: Literal["idle", "not_bound"]
    identity_path: IdentityPath


class InstallationBinding(_Response):
    binding_ref: str
    project_slug: str
    project_uuid: str
    display_label: str
    provider_context: ProviderContext
    status: Literal["active", "disabled"]
    bound_at: str


class InstallationStatus(_Response):
    provider: str
    connected: bool
    installation_id: str
    resource_count: int
    bindings: list[InstallationBinding]


class Mapping(_Response):
    binding_ref: str
    display_label: str
    provider_context: ProviderContext
    project_uuid: str
    project_slug: str
    status: MappingStatus
    bound_at: str
    updated_at: str


class MappingsResponse(_Response):
    provider: str
    mappings: list[Mapping]


class Me(_Response):
    user: str
    team_slug: str
    role: Literal["admin", "viewer"]
