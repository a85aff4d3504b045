"""The operations of the host contract (DESIGN §4), independent of HTTP.

Each method returns the JSON-ready body of a 200 answer or raises `HostError`.
"""

from __future__ import annotations

from typing import Any

from . import envelope
from .candidates import CandidateSigner
from .matching import Bindable, rank_candidates
from .models import BindConfirmRequest, ProjectIdentity
from .settings import HostSettings
from .state import InstallationState
from .store import Store
from .store_rows import MappingRow

_GUIDANCE = {
    "binding_not_found": "This host never issued binding {ref}.",
    "provider_mismatch": "Binding {ref} belongs to {actual}, not {provider}.",
    "mapping_deleted": "Binding {ref} was deleted.",
    "mapping_disabled": "Binding {ref} is disabled; an admin can re-enable it.",
    "project_mismatch": "Binding {ref} belongs to another project.",
}


def _guidance(provider: str, reason: str, ref: str, actual: str) -> str:
    what = _GUIDANCE[reason].format(ref=ref, provider=provider, actual=actual)
    return (
        f"{what} Bind the project again: `sk-tracker bind --provider {actual}` "
        f"(or `spec-kitty tracker bind --provider {actual}`)."
    )


class HostService:
    def __init__(self, settings: HostSettings, store: Store, signer: CandidateSigner) -> None:
        self.settings = settings
        self.store = store
        self.signer = signer

    def _now(self) -> float:
        return self.settings.clock()

    def _token(self, provider: str, resource_id: str) -> str:
        return self.signer.issue(provider, self.settings.team, resource_id)

    def _installation_id(self, provider: str) -> str:
        installation = self.store.installation(provider)
        if installation is None:
            # Checked before every provider-scoped call; reached only if it vanished meanwhile.
            raise envelope.no_installation(provider, self.settings.team)
        return installation.installation_id

    # -- discovery and binding -------------------------------------------------------

    def resources(self, provider: str) -> dict[str, Any]:
        installation_id = self._installation_id(provider)
        return {
            "resources": [
                {
                    "candidate_token": self._token(provider, row.resource_id),
                    "display_label": row.display_label,
                    "provider": provider,
                    "provider_context": row.provider_context,
                    "binding_ref": row.binding_ref,
                    "bound_project_slug": row.bound_project_slug,
                    "bound_at": row.bound_at,
                }
                for row in self.store.resources(provider)
            ],
            "installation_id": installation_id,
            "provider": provider,
        }

    def resolve(self, provider: str, identity: ProjectIdentity) -> dict[str, Any]:
        current = self.store.live_mapping_for_project(provider, identity.uuid)
        if current is not None and current.status == "active":
            return {
                "match_type": "exact",
                "candidate_token": self._token(provider, current.resource_id),
                "binding_ref": current.binding_ref,
                "candidates": [],
                "display_label": current.display_label,
                "project_slug": current.project_slug,
            }
        # A project may bind free resources and its own (e.g. its disabled mapping's).
        bindable = [
            Bindable(
                resource_id=row.resource_id,
                key=row.key,
                name=row.name,
                display_label=row.display_label,
                workspace_name=row.workspace_name,
            )
            for row in self.store.resources(provider)
            if row.bound_project_uuid is None or row.bound_project_uuid == identity.uuid
        ]
        ranked = rank_candidates(identity.slug, identity.repo_slug, bindable)
        return {
            "match_type": "candidates" if ranked else "none",
            "candidate_token": None,
            "binding_ref": None,
            "candidates": [
                {
                    "candidate_token": self._token(provider, c.resource.resource_id),
                    "display_label": c.resource.display_label,
                    "confidence": c.confidence,
                    "match_reason": c.match_reason,
                    "sort_position": position,
                }
                for position, c in enumerate(ranked)
            ],
            "display_label": None,
            "project_slug": None,
        }

    def confirm(
        self,
        provider: str,
        body: BindConfirmRequest,
        *,
        idempotency_key: str,
        request_hash: str,
    ) -> tuple[dict[str, Any], bool]:
        """(answer, replayed?): a retry with the same key and body replays the answer."""
        team = self.settings.team
        store = self.store
        with store.transaction():
            now = self._now()
            record = store.idempotency_record(team, idempotency_key)
            if record is not None:
                if record.request_hash != request_hash:
                    raise envelope.idempotency_key_reused()
                # A retry of a request that already succeeded: same answer, nothing new.
                return record.response, True
            claim = self.signer.verify(body.candidate_token, provider, team)
            if claim is None or store.candidate_consumed(claim.nonce):
                raise envelope.invalid_candidate_token()
            resource = store.resource(claim.resource_id)
            if resource is None or resource.provider != provider:
                raise envelope.invalid_candidate_token()
            identity = body.project_identity
            holder = store.live_mapping_for_resource(resource.resource_id)
            if holder is not None and holder.project_uuid != identity.uuid:
                raise envelope.already_bound(resource.display_label)
            if holder is not None and holder.status == "active":
                mapping = holder
            else:
                # Re-binding replaces the project's previous mapping for this provider.
                previous = store.live_mapping_for_project(provider, identity.uuid)
                if previous is not None:
                    store.set_status(previous.binding_ref, "deleted", now)
                mapping = store.insert_mapping(
                    provider=provider,
                    resource_id=resource.resource_id,
                    project_uuid=identity.uuid,
                    project_slug=identity.slug,
                    now=now,
                )
            response = {
                "binding_ref": mapping.binding_ref,
                "display_label": mapping.display_label,
                "provider": provider,
                "provider_context": mapping.provider_context,
                "bound_at": mapping.bound_at,
                "project_slug": mapping.project_slug,
            }
            store.consume_candidate(claim.nonce, claim.expires_at, now)
            store.save_idempotency_record(team, idempotency_key, request_hash, response, now)
        return response, False

    def validate(
        self, provider: str, binding_ref: str, identity: ProjectIdentity
    ) -> dict[str, Any]:
        mapping = self.store.mapping(binding_ref)
        # The ref's own provider: a client told "use --provider X" can fix its call.
        actual = mapping.provider if mapping is not None else provider
        if mapping is None:
            reason = "binding_not_found"
        elif mapping.provider != provider:
            reason = "provider_mismatch"
        elif mapping.status == "deleted":
            reason = "mapping_deleted"
        elif mapping.status == "disabled":
            reason = "mapping_disabled"
        elif mapping.project_uuid != identity.uuid:
            reason = "project_mismatch"
        else:
            return {
                "valid": True,
                "binding_ref": mapping.binding_ref,
                "display_label": mapping.display_label,
                "provider": provider,
                "provider_context": mapping.provider_context,
            }
        return {
            "valid": False,
            "binding_ref": binding_ref,
            "provider": actual,
            "reason": reason,
            "guidance": _guidance(provider, reason, binding_ref, actual),
        }

    # -- status and mappings -------------------------------------------------------------

    @staticmethod
    def _project_status(provider: str, mapping: MappingRow, path: str) -> dict[str, Any]:
        return {
            "provider": provider,
            "configured": True,
            "connected": True,
            "binding_ref": mapping.binding_ref,
            "display_label": mapping.display_label,
            "provider_context": mapping.provider_context,
            "project_slug": mapping.project_slug,
            "sync_state": "idle",
            "identity_path": {"type": path},
        }

    def project_status(
        self, provider: str, binding_ref: str | None, project_slug: str | None
    ) -> dict[str, Any]:
        if binding_ref:
            # Routed by ref: a stale ref fails even when a slug is sent too (no fallback).
            mapping = self.store.mapping(binding_ref)
            if mapping is None or mapping.provider != provider or mapping.status == "deleted":
                raise envelope.binding_not_found(binding_ref)
            if mapping.status == "disabled":
                raise envelope.mapping_disabled(binding_ref)
            if project_slug and project_slug != mapping.project_slug:
                raise envelope.project_mismatch(binding_ref)
            return self._project_status(provider, mapping, "binding_ref")
        slug = project_slug or ""
        live = self.store.live_mappings_by_slug(provider, slug)
        if live and live[0].status == "active":
            # Carries the binding_ref a legacy client can upgrade to.
            return self._project_status(provider, live[0], "project_slug")
        if live:
            raise envelope.mapping_disabled(live[0].binding_ref)
        return {
            "provider": provider,
            "configured": True,
            "connected": True,
            "binding_ref": None,
            "display_label": None,
            "provider_context": {},
            "project_slug": slug,
            "sync_state": "not_bound",
            "identity_path": {"type": "project_slug"},
        }

    def installation_status(self, provider: str) -> dict[str, Any]:
        installation = self.store.installation(provider)
        if installation is None:
            raise envelope.no_installation(provider, self.settings.team)
        return {
            "provider": provider,
            "connected": True,
            "installation_id": installation.installation_id,
            "resource_count": installation.resource_count,
            "bindings": [
                {
                    "binding_ref": m.binding_ref,
                    "project_slug": m.project_slug,
                    "project_uuid": m.project_uuid,
                    "display_label": m.display_label,
                    "provider_context": m.provider_context,
                    "status": m.status,
                    "bound_at": m.bound_at,
                }
                for m in self.store.mappings(provider, include_deleted=False)
            ],
        }

    def mappings(
        self, provider: str, binding_ref: str | None = None, project_slug: str | None = None
    ) -> dict[str, Any]:
        rows = self.store.mappings(provider)
        if binding_ref:
            rows = [m for m in rows if m.binding_ref == binding_ref]
        elif project_slug:
            rows = [m for m in rows if m.project_slug == project_slug]
        return {"provider": provider, "mappings": [mapping_body(m) for m in rows]}

    # -- dev controls ------------------------------------------------------------------

    def set_mapping_status(self, binding_ref: str, status: str) -> dict[str, Any]:
        with self.store.transaction():
            mapping = self.store.mapping(binding_ref)
            if mapping is None:
                raise envelope.binding_not_found(binding_ref)
            if mapping.status != status:
                if mapping.status == "deleted":
                    raise envelope.HostError(
                        409,
                        "mapping_deleted",
                        f"Binding {binding_ref!r} is deleted; a tombstone cannot change.",
                        "mapping_deleted",
                    )
                self.store.set_status(binding_ref, status, self._now())
            updated = self.store.mapping(binding_ref)
        if updated is None:  # pragma: no cover - read inside the same transaction
            raise envelope.binding_not_found(binding_ref)
        return mapping_body(updated)

    def replace_state(self, state: InstallationState) -> dict[str, int]:
        self.store.replace_state(state, self._now())
        self.signer.rotate()
        return self.counts()

    def counts(self) -> dict[str, int]:
        resources = sum(
            installation.resource_count
            for provider in self.store.installed_providers()
            if (installation := self.store.installation(provider)) is not None
        )
        return {
            "resource_count": resources,
            "mapping_count": sum(self.store.mapping_counts().values()),
        }


def mapping_body(m: MappingRow) -> dict[str, Any]:
    return {
        "binding_ref": m.binding_ref,
        "display_label": m.display_label,
        "provider_context": m.provider_context,
        "project_uuid": m.project_uuid,
        "project_slug": m.project_slug,
        "status": m.status,
        "bound_at": m.bound_at,
        "updated_at": m.updated_at,
    }
