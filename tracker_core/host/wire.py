"""Pydantic models of every payload the host sends (DESIGN §4, "Reading the host").

They sit at the edge: the client validates each response into one of these, so the
rest of the library never touches raw JSON. Each model is a tolerant reader: it
requires only the keys its flow uses and takes a documented default for the rest.
Text is kept as the host sent it: renderers pass it through ``safe_text.clean_text``.

Required (a missing one is a protocol error naming endpoint and key):

| model | required keys |
|---|---|
| ``Resource`` | ``candidate_token``, ``display_label`` |
| ``ResourceList`` | ``resources`` |
| ``ResolveResult`` | ``match_type`` (and, for ``exact``, ``candidate_token`` or ``binding_ref``) |
| ``Candidate`` | ``candidate_token``, ``display_label`` |
| ``BindResult`` | ``binding_ref`` |
| ``ValidateResult`` | ``valid`` |
| ``InstallationBinding``, ``Mapping`` | ``binding_ref`` (a mapping also ``status``) |
| ``MappingList`` | ``mappings`` |
| ``ProjectStatus`` | ``connected`` (or a ``status`` text) |
| ``InstallationStatus`` | ``bindings`` (a list or a count) |
| ``Me`` | ``role`` |

Defaults, each because a real host could plausibly send less or differently:
- ``provider`` missing: the provider the request named; a ``binding_ref`` missing
  from bind-validate: the ref the request named (both via the validation context).
- ``display_label`` missing where only display needs it: the ``binding_ref``.
- ``provider_context`` ``null`` or missing is ``{}``; non-string values become
  strings (numbers and booleans as text, lists/objects as JSON), ``null`` values
  are dropped, so it is always ``dict[str, str]``.
- ``connected`` missing: read from a ``status`` text (``connected``/``active``/
  ``ok``) when there is one; on project status one of the two is required, on
  installation status it defaults to true (the host answered). ``configured``: true.
- ``bindings`` as a list or as a count; ``binding_count`` holds the count either way.
- ``confidence`` missing or unknown: ``low``; ``sort_position`` missing: the order
  sent; ``match_reason`` missing: empty.
- datetimes with ``Z``, offsets or fractions; a naive one is UTC; one that cannot be
  read is ``None`` (they are display-only).
- enumerated values are read case-insensitively; an empty string where an optional
  ref or slug goes reads as ``None``; unknown keys are ignored everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping as AbcMapping
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tracker_core.host.wire_types import (
    BindingStatus,
    Confidence,
    IdentityPathType,
    MappingStatus,
    MatchType,
    NonEmpty,
    OptionalText,
    ProviderContext,
    Role,
    When,
    blank_is_none,
    connected_from_status,
    fill_from_request,
    label_from_ref,
    lower,
)


class WireModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    # Keys a body may leave out because the request named them (its provider, its
    # binding_ref): taken from the validation context.
    from_request: ClassVar[tuple[str, ...]] = ()
    # A missing display_label reads as the binding_ref.
    label_defaults_to_ref: ClassVar[bool] = False

    @model_validator(mode="before")
    @classmethod
    def _read_tolerantly(cls, data: Any, info: ValidationInfo) -> Any:
        data = fill_from_request(data, info, *cls.from_request)
        if cls.label_defaults_to_ref:
            data = label_from_ref(data)
        # ``null`` for a key that has a default reads as that default (a host that
        # sends ``"connected": null`` has said nothing about it).
        if not isinstance(data, AbcMapping):
            return data
        fields = cls.model_fields
        return {
            k: v
            for k, v in data.items()
            if not (v is None and k in fields and not fields[k].is_required())
        }


# --- 1. resources ------------------------------------------------------------------


class Resource(WireModel):
    candidate_token: NonEmpty
    display_label: str
    provider: str = ""
    provider_context: ProviderContext = Field(default_factory=dict)
    binding_ref: OptionalText = None
    bound_project_slug: OptionalText = None
    bound_at: When = None

    from_request = ("provider",)

    @property
    def is_bound(self) -> bool:
        """Held by a mapping (active or disabled): ``discovery`` tells which."""
        return self.binding_ref is not None


class ResourceList(WireModel):
    resources: list[Resource]
    installation_id: OptionalText = None
    provider: str = ""

    from_request = ("provider",)


# --- 2. bind-resolve ---------------------------------------------------------------


class Candidate(WireModel):
    candidate_token: NonEmpty
    display_label: str
    confidence: Confidence = "low"
    match_reason: Annotated[str, BeforeValidator(lambda v: "" if v is None else v)] = ""
    sort_position: int


class ResolveResult(WireModel):
    match_type: MatchType
    candidate_token: OptionalText = None
    binding_ref: OptionalText = None
    candidates: list[Candidate] = Field(default_factory=list)
    display_label: OptionalText = None

    @model_validator(mode="before")
    @classmethod
    def _positions(cls, data: Any) -> Any:
        # A candidate without ``sort_position`` keeps the place the host sent it in.
        if not isinstance(data, AbcMapping):
            return data
        data = dict(data)
        items = data.get("candidates")
        if items is None:
            data["candidates"] = []
        elif isinstance(items, list):
            data["candidates"] = [
                {**c, "sort_position": i}
                if isinstance(c, AbcMapping) and c.get("sort_position") is None
                else c
                for i, c in enumerate(items)
            ]
        return data

    @field_validator("candidates")
    @classmethod
    def _in_sort_order(cls, candidates: list[Candidate]) -> list[Candidate]:
        # Numbered 0..n-1 in the host's order, so ``--select N`` always has a match.
        ordered = sorted(candidates, key=lambda c: c.sort_position)
        return [c.model_copy(update={"sort_position": i}) for i, c in enumerate(ordered)]

    @model_validator(mode="after")
    def _exact_has_target(self) -> ResolveResult:
        if self.match_type == "exact" and not (self.candidate_token or self.binding_ref):
            raise ValueError("an exact match must carry a candidate_token or a binding_ref")
        return self


# --- 3. bind-confirm / 4. bind-validate --------------------------------------------


class BindResult(WireModel):
    binding_ref: NonEmpty
    display_label: str
    provider: str = ""
    provider_context: ProviderContext = Field(default_factory=dict)
    bound_at: When = None

    from_request = ("provider",)
    label_defaults_to_ref = True


class ValidateResult(WireModel):
    """``provider`` on an invalid answer is the provider the ref belongs to, when the
    host says (``provider_mismatch``)."""

    valid: bool
    binding_ref: NonEmpty
    display_label: OptionalText = None
    provider: OptionalText = None
    provider_context: ProviderContext = Field(default_factory=dict)
    reason: Annotated[str | None, BeforeValidator(lambda v: blank_is_none(lower(v)))] = None
    guidance: OptionalText = None
    message: OptionalText = None

    from_request = ("binding_ref",)


# --- 5. status ---------------------------------------------------------------------


class IdentityPath(WireModel):
    type: IdentityPathType


class ProjectStatus(WireModel):
    """Status of one project (routed by ``binding_ref`` or legacy ``project_slug``)."""

    provider: str = ""
    configured: bool = True
    connected: bool  # the status flow reports it: ``connected`` or a ``status`` text
    binding_ref: OptionalText = None
    display_label: OptionalText = None
    provider_context: ProviderContext = Field(default_factory=dict)
    project_slug: OptionalText = None
    sync_state: OptionalText = None
    identity_path: IdentityPath | None = None

    from_request = ("provider",)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        data = connected_from_status(data, required=True)
        if isinstance(data, AbcMapping) and not isinstance(data.get("identity_path"), AbcMapping):
            data = {**data, "identity_path": None}
        return data


class InstallationBinding(WireModel):
    binding_ref: NonEmpty
    project_slug: OptionalText = None
    project_uuid: OptionalText = None
    display_label: str
    provider_context: ProviderContext = Field(default_factory=dict)
    status: BindingStatus = "active"
    bound_at: When = None

    label_defaults_to_ref = True


class InstallationStatus(WireModel):
    """``bindings`` may come as a list or as a count: ``binding_count`` is the count
    either way, and ``bindings`` is empty when only the count was sent."""

    provider: str = ""
    connected: bool = True
    installation_id: OptionalText = None
    resource_count: int | None = Field(default=None, ge=0)
    bindings: list[InstallationBinding]
    binding_count: int = Field(default=0, ge=0)

    from_request = ("provider",)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        data = connected_from_status(data)
        if not isinstance(data, AbcMapping):
            return data
        data = dict(data)
        if "bindings" not in data:  # the one key ``status --all`` is about
            return data
        bindings = data.get("bindings")
        if bindings is None:
            data["bindings"] = []
            data.setdefault("binding_count", 0)
        elif isinstance(bindings, int) and not isinstance(bindings, bool):
            data["bindings"] = []
            data["binding_count"] = bindings
        elif isinstance(bindings, list):
            data["binding_count"] = len(bindings)
        return data


# --- 6. mappings -------------------------------------------------------------------


class Mapping(WireModel):
    binding_ref: NonEmpty
    display_label: str
    provider_context: ProviderContext = Field(default_factory=dict)
    project_uuid: OptionalText = None
    project_slug: OptionalText = None
    status: MappingStatus
    bound_at: When = None
    updated_at: When = None

    label_defaults_to_ref = True


class MappingList(WireModel):
    provider: str = ""
    mappings: list[Mapping]

    from_request = ("provider",)


# --- 7. me -------------------------------------------------------------------------


class Me(WireModel):
    user: Annotated[str, BeforeValidator(lambda v: "" if v is None else v)] = ""
    team_slug: Annotated[str, BeforeValidator(lambda v: "" if v is None else v)] = ""
    role: Role


# --- errors ------------------------------------------------------------------------


class ErrorEnvelope(WireModel):
    """The one error shape, read tolerantly: the code as ``error_code`` or ``code``,
    the category as ``error_category`` or ``category`` (the first non-empty wins). An
    envelope without any code has ``error_code`` empty: the client then goes by the
    HTTP status."""

    error_code: str = ""
    message: str = ""
    error_category: OptionalText = None
    retryable: bool = False
    user_action_required: bool = False
    retry_after_seconds: int | None = None
    guidance: OptionalText = None

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if not isinstance(data, AbcMapping):
            return data
        data = dict(data)
        for name, alias in (("error_code", "code"), ("error_category", "category")):
            value = data.get(name)
            if not (isinstance(value, str) and value.strip()):
                alias_value = data.get(alias)
                data[name] = alias_value if isinstance(alias_value, str) else None
        data["error_code"] = (data.get("error_code") or "").strip().lower()
        for key in ("message", "guidance"):
            if not isinstance(data.get(key), str):
                data[key] = "" if key == "message" else None
        for key in ("retryable", "user_action_required"):
            if not isinstance(data.get(key), bool):
                data[key] = False
        after = data.get("retry_after_seconds")
        if isinstance(after, float) and math.isfinite(after):
            data["retry_after_seconds"] = math.ceil(after)
        elif not isinstance(after, int) or isinstance(after, bool):
            data["retry_after_seconds"] = None
        return data
