"""Pydantic models of every payload the host sends (DESIGN §4).

They sit at the edge: the client validates each response into one of these, so the
rest of the library never touches raw JSON. Unknown keys are ignored (a newer host
may send more); nullable keys may be missing and read as ``None``. Text is kept as
the host sent it: renderers pass it through ``safe_text.clean_text``.

Leniencies, each because a real host could plausibly send it:
- ``provider_context`` ``null`` is ``{}``; non-string values become strings
  (numbers and booleans as text, lists/objects as JSON) and ``null`` values are
  dropped, so it is always ``dict[str, str]``.
- enumerated values (``confidence``, ``match_type``, ``status``, ``role``...) are
  read case-insensitively.
- an empty string where an optional ref or slug goes reads as ``None``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping as AbcMapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)


def _context(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, AbcMapping):
        return value  # pydantic reports "should be a valid dictionary"
    out: dict[str, str] = {}
    for key, item in value.items():
        if item is None:
            continue
        if isinstance(item, str):
            out[str(key)] = item
        elif isinstance(item, bool):
            out[str(key)] = "true" if item else "false"
        elif isinstance(item, int | float):
            out[str(key)] = str(item)
        else:
            out[str(key)] = json.dumps(item, ensure_ascii=False, sort_keys=True, default=str)
    return out


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _blank_is_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


ProviderContext = Annotated[dict[str, str], BeforeValidator(_context)]
NonEmpty = Annotated[str, Field(min_length=1)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_is_none)]
Confidence = Annotated[Literal["high", "medium", "low"], BeforeValidator(_lower)]
MatchType = Annotated[Literal["exact", "candidates", "none"], BeforeValidator(_lower)]
BindingStatus = Annotated[Literal["active", "disabled"], BeforeValidator(_lower)]
MappingStatus = Annotated[Literal["active", "disabled", "deleted"], BeforeValidator(_lower)]
Role = Annotated[Literal["admin", "viewer"], BeforeValidator(_lower)]
IdentityPathType = Annotated[Literal["binding_ref", "project_slug"], BeforeValidator(_lower)]


class WireModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- 1. resources ------------------------------------------------------------------


class Resource(WireModel):
    candidate_token: NonEmpty
    display_label: str
    provider: str
    provider_context: ProviderContext = Field(default_factory=dict)
    binding_ref: OptionalText = None
    bound_project_slug: OptionalText = None
    bound_at: datetime | None = None

    @property
    def is_bound(self) -> bool:
        return self.binding_ref is not None


class ResourceList(WireModel):
    resources: list[Resource]
    installation_id: OptionalText = None
    provider: str


# --- 2. bind-resolve ---------------------------------------------------------------


class Candidate(WireModel):
    candidate_token: NonEmpty
    display_label: str
    confidence: Confidence
    match_reason: str
    sort_position: int


class ResolveResult(WireModel):
    match_type: MatchType
    candidate_token: OptionalText = None
    binding_ref: OptionalText = None
    candidates: list[Candidate] = Field(default_factory=list)
    display_label: OptionalText = None

    @field_validator("candidates")
    @classmethod
    def _in_sort_order(cls, candidates: list[Candidate]) -> list[Candidate]:
        # The host sends them ordered; sorting here lets readers rely on it regardless.
        return sorted(candidates, key=lambda c: c.sort_position)

    @model_validator(mode="after")
    def _exact_has_target(self) -> ResolveResult:
        if self.match_type == "exact" and not (self.candidate_token or self.binding_ref):
            raise ValueError("an exact match must carry a candidate_token or a binding_ref")
        return self


# --- 3. bind-confirm / 4. bind-validate --------------------------------------------


class BindResult(WireModel):
    binding_ref: NonEmpty
    display_label: str
    provider: str
    provider_context: ProviderContext = Field(default_factory=dict)
    bound_at: datetime | None = None


class ValidateResult(WireModel):
    valid: bool
    binding_ref: NonEmpty
    display_label: OptionalText = None
    provider: OptionalText = None
    provider_context: ProviderContext = Field(default_factory=dict)
    reason: OptionalText = None
    guidance: OptionalText = None


# --- 5. status ---------------------------------------------------------------------


class IdentityPath(WireModel):
    type: IdentityPathType


class ProjectStatus(WireModel):
    """Status of one project (routed by ``binding_ref`` or legacy ``project_slug``).
    ``configured`` is required: it is what tells this shape from installation-wide."""

    provider: str
    configured: bool
    connected: bool
    binding_ref: OptionalText = None
    display_label: OptionalText = None
    provider_context: ProviderContext = Field(default_factory=dict)
    project_slug: OptionalText = None
    sync_state: OptionalText = None
    identity_path: IdentityPath | None = None


class InstallationBinding(WireModel):
    binding_ref: NonEmpty
    project_slug: OptionalText = None
    project_uuid: OptionalText = None
    display_label: str
    provider_context: ProviderContext = Field(default_factory=dict)
    status: BindingStatus
    bound_at: datetime | None = None


class InstallationStatus(WireModel):
    provider: str
    connected: bool
    installation_id: OptionalText = None
    resource_count: int = Field(ge=0)
    bindings: list[InstallationBinding] = Field(default_factory=list)


# --- 6. mappings -------------------------------------------------------------------


class Mapping(WireModel):
    binding_ref: NonEmpty
    display_label: str
    provider_context: ProviderContext = Field(default_factory=dict)
    project_uuid: OptionalText = None
    project_slug: OptionalText = None
    status: MappingStatus
    bound_at: datetime | None = None
    updated_at: datetime | None = None


class MappingList(WireModel):
    provider: str
    mappings: list[Mapping]


# --- 7. me -------------------------------------------------------------------------


class Me(WireModel):
    user: str
    team_slug: str
    role: Role


# --- errors ------------------------------------------------------------------------


class ErrorEnvelope(WireModel):
    """The one error shape. Some hosts send the code as ``code``: both are read,
    ``error_code`` first."""

    error_code: NonEmpty
    message: str = ""
    error_category: OptionalText = None
    retryable: bool = False
    user_action_required: bool = False
    retry_after_seconds: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _code_alias(cls, data: Any) -> Any:
        if isinstance(data, AbcMapping):
            data = dict(data)
            code = data.get("error_code")
            if not (isinstance(code, str) and code.strip()):
                data["error_code"] = data.get("code")
            if data.get("message") is None:
                data["message"] = ""
            after = data.get("retry_after_seconds")
            if isinstance(after, float) and math.isfinite(after):
                data["retry_after_seconds"] = math.ceil(after)
        return data
