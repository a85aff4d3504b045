"""The shape of a whole installation state: what the seeds build and `POST /api/v1/dev/load` takes.

```json
{
  "installations": [
    {"provider": "linear", "installation_id": "inst-linear-acme",
     "workspaces": [
       {"name": "Acme Corp", "team_name": "Engineering", "context": {},
        "resources": [{"key": "LINEAR-123", "name": "My Project",
                       "display_label": null, "context": {}}]}]}],
  "mappings": [
    {"provider": "linear", "resource_key": "LINEAR-123",
     "project_uuid": "8a4a7da6-...", "project_slug": "my-project",
     "status": "active", "binding_ref": null, "bound_at": null, "updated_at": null}]
}
```

Defaults: `installation_id` → ``inst-<provider>-<n>``; `display_label` → ``"<name> (<key>)"``;
`binding_ref` → a fresh ``srm_…``; `bound_at` → now; `updated_at` → `bound_at`.
A resource's `provider_context` is ``{"workspace_name": name, "team_name": team_name}``
plus the workspace's and then the resource's `context` entries.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from .providers import PROVIDERS, normalize_provider

MappingStatus = Literal["active", "disabled", "deleted"]

BINDING_REF_RE = re.compile(r"^srm_[0-9A-HJKMNP-TV-Z]{26}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

Text = Field(min_length=1, max_length=500)


def _known_provider(value: str) -> str:
    name = normalize_provider(value)
    if name is None:
        raise ValueError(f"unknown provider {value!r}; expected one of {', '.join(PROVIDERS)}")
    return name


# A provider as the spec may spell it, normalized; an unknown one is refused.
ProviderName = Annotated[str, AfterValidator(_known_provider)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ResourceSpec(_Strict):
    key: str = Text
    name: str = Text
    display_label: str | None = Field(default=None, min_length=1, max_length=500)
    context: dict[str, str] = Field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.display_label or f"{self.name} ({self.key})"


class WorkspaceSpec(_Strict):
    name: str = Text
    team_name: str | None = Field(default=None, min_length=1, max_length=500)
    context: dict[str, str] = Field(default_factory=dict)
    resources: list[ResourceSpec] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a workspace name must not be blank (clients group by it)")
        return value

    def provider_context(self, resource: ResourceSpec) -> dict[str, str]:
        context: dict[str, str] = {"workspace_name": self.name}
        if self.team_name is not None:
            context["team_name"] = self.team_name
        context.update(self.context)
        context.update(resource.context)
        # The workspace name is what every client groups by: it cannot be overridden.
        context["workspace_name"] = self.name
        return context


class InstallationSpec(_Strict):
    provider: ProviderName
    installation_id: str | None = Field(default=None, min_length=1, max_length=200)
    workspaces: list[WorkspaceSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_keys(self) -> InstallationSpec:
        seen: set[str] = set()
        for workspace in self.workspaces:
            for resource in workspace.resources:
                if resource.key in seen:
                    raise ValueError(f"duplicate resource key {resource.key!r} for {self.provider}")
                seen.add(resource.key)
        return self


class MappingSpec(_Strict):
    provider: ProviderName
    resource_key: str = Text
    project_uuid: str = Text
    project_slug: str = Text
    status: MappingStatus = "active"
    binding_ref: str | None = None
    bound_at: str | None = None
    updated_at: str | None = None

    @field_validator("binding_ref")
    @classmethod
    def _ref_shape(cls, value: str | None) -> str | None:
        if value is not None and not BINDING_REF_RE.match(value):
            raise ValueError("binding_ref must be 'srm_' and 26 Crockford base32 characters")
        return value

    @field_validator("bound_at", "updated_at")
    @classmethod
    def _timestamp_shape(cls, value: str | None) -> str | None:
        if value is not None and not TIMESTAMP_RE.match(value):
            raise ValueError("timestamps are UTC ISO 8601 ending in Z, e.g. 2025-01-15T09:30:00Z")
        return value


class InstallationState(_Strict):
    installations: list[InstallationSpec] = Field(default_factory=list)
    mappings: list[MappingSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> InstallationState:
        providers = [inst.provider for inst in self.installations]
        if len(set(providers)) != len(providers):
            raise ValueError("at most one installation per provider")
        keys = {
            (inst.provider, res.key)
            for inst in self.installations
            for ws in inst.workspaces
            for res in ws.resources
        }
        refs: set[str] = set()
        holders: dict[tuple[str, str], str] = {}
        projects: set[tuple[str, str]] = set()
        for mapping in self.mappings:
            if (mapping.provider, mapping.resource_key) not in keys:
                raise ValueError(
                    f"mapping refers to unknown resource {mapping.resource_key!r} "
                    f"of {mapping.provider}"
                )
            if mapping.binding_ref is not None:
                if mapping.binding_ref in refs:
                    raise ValueError(f"duplicate binding_ref {mapping.binding_ref}")
                refs.add(mapping.binding_ref)
            if mapping.status == "deleted":
                continue
            # A resource is held by at most one live mapping, a project holds at most one.
            resource = (mapping.provider, mapping.resource_key)
            if resource in holders:
                raise ValueError(f"resource {mapping.resource_key!r} has two live mappings")
            holders[resource] = mapping.project_uuid
            project = (mapping.provider, mapping.project_uuid)
            if project in projects:
                raise ValueError(
                    f"project {mapping.project_uuid} has two live mappings on {mapping.provider}"
                )
            projects.add(project)
        return self
