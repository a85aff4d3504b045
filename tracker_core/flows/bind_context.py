"""What a bind works on and what it writes: the repo's config and project identity
(``prepare``), the keys a binding sets (``binding_changes``, ``preview``) and the
locked write of a binding the host already holds (``persist``)."""

from __future__ import annotations

import shlex
import uuid as uuid_mod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from tracker_core.access.policy import ADMIN_ANYWHERE, AccessPolicy
from tracker_core.config.config_io import NewIdentity, config_diff, load_config, update_tracker
from tracker_core.config.config_model import TrackerProjectConfig, TrackerSection
from tracker_core.config.file_lock import ConfigLockError
from tracker_core.config.identity import ProjectIdentity, derive_identity, git_remote_slug
from tracker_core.config.writer import ProjectChange
from tracker_core.errors import (
    BindError,
    ConfigConflictError,
    ConfigError,
    ConfigNotWrittenError,
    PathNotAllowedError,
    UsageError,
)
from tracker_core.providers import normalize_provider

Method = Literal["exact", "selected", "bind_ref", "resource"]

PENDING_REF = "(assigned by the host on confirm)"


@dataclass(frozen=True)
class ExistingBinding:
    """The binding a bind would replace; ``stale_reason`` is the host's reason
    (``mapping_deleted``, ``mapping_disabled``…) when its ref no longer validates."""

    section: TrackerSection
    stale_reason: str | None = None

    @property
    def stale(self) -> bool:
        return self.stale_reason is not None


@dataclass(frozen=True)
class BindContext:
    """A repo about to be bound: its config and the identity the host will see."""

    repo: Path
    provider: str
    config: TrackerProjectConfig
    identity: ProjectIdentity
    identity_created: bool  # derived now; persisted together with the binding
    new_identity: bool = False  # replaces the identity on file (a copied .kittify/)

    @property
    def existing(self) -> TrackerSection | None:
        tracker = self.config.tracker
        return tracker if tracker is not None and tracker.is_configured else None

    def declined(self) -> BindOutcome:
        previous = self.existing.binding_ref if self.existing else None
        return BindOutcome(self.repo, self.provider, "declined", previous_ref=previous)


@dataclass(frozen=True)
class BindOutcome:
    repo: Path
    provider: str
    status: Literal["bound", "declined"]
    method: Method | None = None
    binding_ref: str | None = None
    display_label: str | None = None
    provider_context: dict[str, str] = field(default_factory=dict)
    previous_ref: str | None = None
    config: TrackerProjectConfig | None = None


def prepare(
    repo: Path, provider: str, *, project_uuid: str | None = None, new_identity: bool = False
) -> BindContext:
    """Load the config (a broken one raises ``ConfigError`` and is left alone; one
    reached through a symlink ``PathNotAllowedError``) and the project identity,
    deriving one when the file has none, or when ``new_identity`` asks for a fresh
    one (this repo holds a copy of another project's identity).

    ``project_uuid`` is the identity an earlier bind derived and the host bound but
    the file never got (``ConfigNotWrittenError.project_uuid``): used instead of a
    fresh uuid, so finishing that bind validates."""
    name = normalize_provider(provider)
    config = load_config(repo)
    if config.symlinked:  # refused before the host is asked: it could never be written
        raise PathNotAllowedError(
            f"{config.path}: not bound because it is reached through a symlink "
            "(bind the real repo instead)"
        )
    identity, created = settle_identity(
        config,
        lambda: derive_identity(repo),
        project_uuid,
        new_identity=new_identity,
        afresh=f"sk-tracker bind --provider {name} --repo {shlex.quote(str(repo))}",
    )
    if identity.repo_slug is None:
        identity = identity.with_repo_slug(git_remote_slug(repo))
    return BindContext(Path(repo), name, config, identity, created, new_identity)


def settle_identity(
    config: TrackerProjectConfig,
    derive: Callable[[], ProjectIdentity],
    project_uuid: str | None,
    *,
    new_identity: bool = False,
    afresh: str,
) -> tuple[ProjectIdentity, bool]:
    """(identity, made by this bind): the file's, else ``derive()``'s, whose uuid is
    ``project_uuid`` when given (finishing an earlier bind that derived it). A file
    holding another identity than ``project_uuid`` is a ``BindError`` naming the
    ``afresh`` command."""
    wanted = _checked_uuid(project_uuid) if project_uuid is not None else None
    if config.project is not None and not new_identity:
        if wanted is not None and config.project.uuid != wanted:
            raise BindError(
                f"{config.path} already holds project {config.project.uuid}, not {wanted}; "
                f"bind it afresh: {afresh}"
            )
        return config.project, False
    identity = derive()
    return (replace(identity, uuid=wanted) if wanted is not None else identity), True


def _checked_uuid(text: str) -> str:
    try:
        return str(uuid_mod.UUID(text.strip()))
    except ValueError:
        raise UsageError(f"--project-uuid {text!r} is not a uuid") from None


def binding_changes(
    ctx: BindContext, binding_ref: str, label: str | None, context: Mapping[str, str]
) -> dict[str, object]:
    """The tracker keys a bind writes. ``project_slug`` stays as the legacy routing
    key: kept when present, else the project's slug."""
    existing = ctx.config.tracker
    keep = existing is not None and bool(existing.project_slug) and not ctx.new_identity
    slug = existing.project_slug if keep and existing is not None else ctx.identity.slug
    changes: dict[str, object] = {
        "provider": ctx.provider,
        "binding_ref": binding_ref,
        "project_slug": slug,
        "display_label": label,
        "provider_context": dict(context),
    }
    return changes


def preview(
    ctx: BindContext,
    *,
    binding_ref: str | None,
    label: str | None,
    context: Mapping[str, str] | None = None,
) -> str:
    """Unified diff of what a bind would write (the ref shown as pending when the host
    has not assigned it yet)."""
    changes = binding_changes(ctx, binding_ref or PENDING_REF, label, context or {})
    project = ctx.identity if ctx.identity_created else None
    return config_diff(
        ctx.config, changes, project=NewIdentity(ctx.identity) if ctx.new_identity else project
    )


def finish_command(ctx: BindContext, binding_ref: str) -> str:
    """The command that writes an already-made binding into the repo's config; it
    carries the identity the host bound when this bind derived it (a later run would
    derive another, which the host refuses)."""
    command = (
        f"sk-tracker bind --provider {ctx.provider} --bind-ref {shlex.quote(binding_ref)} "
        f"--repo {shlex.quote(str(ctx.repo))}"
    )
    return f"{command} --project-uuid {ctx.identity.uuid}" if ctx.identity_created else command


def persist(
    ctx: BindContext,
    binding_ref: str,
    label: str | None,
    context: Mapping[str, str],
    *,
    policy: AccessPolicy = ADMIN_ANYWHERE,
) -> TrackerProjectConfig:
    """Write a binding the host already holds. Under the config's lock the file is
    read as it is now and the binding applied on top of it, again if another writer
    replaced it meanwhile, so other writers' edits are kept and the binding lands.

    A file that truly cannot be written (permissions, disk, refused path, or another
    writer gave the repo a different project identity) raises
    ``ConfigNotWrittenError`` with the ``binding_ref`` and the finishing command."""
    root = policy.require_writable(ctx.repo)

    def apply(current: TrackerProjectConfig) -> tuple[dict[str, object], ProjectChange]:
        replacing = ctx.new_identity  # the copied identity on file is the one to replace
        if (
            not replacing
            and current.project is not None
            and current.project.uuid != ctx.identity.uuid
        ):
            raise ConfigNotWrittenError(
                ctx.repo,
                ctx.provider,
                binding_ref,
                f"the file now holds another project identity ({current.project.uuid}); "
                f"the host bound {ctx.identity.uuid}",
                f"sk-tracker bind --provider {ctx.provider} --repo {shlex.quote(str(ctx.repo))}",
            )
        changes = binding_changes(replace(ctx, config=current), binding_ref, label, context)
        if replacing:
            return changes, NewIdentity(ctx.identity)
        project = ctx.identity if current.project is None and ctx.identity_created else None
        return changes, project

    try:
        return update_tracker(ctx.config, apply, root=root)
    except ConfigNotWrittenError:
        raise
    except (ConfigError, ConfigConflictError, ConfigLockError, PathNotAllowedError) as exc:
        reason = exc.reason if isinstance(exc, ConfigError) else str(exc)
        raise ConfigNotWrittenError(
            ctx.repo,
            ctx.provider,
            binding_ref,
            reason,
            finish_command(ctx, binding_ref),
            project_uuid=ctx.identity.uuid if ctx.identity_created else None,
        ) from None
