"""What a repo's `.kittify/config.yaml` says about its tracker binding (DESIGN §3).

These are plain read-only values built by :mod:`tracker_core.config.config_io`; they never
write anything. The file's own bytes travel along (``raw``) so that a later write can
prove it is based on exactly what was read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tracker_core.config.identity import ProjectIdentity

OwnershipKey = Literal["doctrine", "ownership"]
RoutingKey = Literal["binding_ref", "project_slug"]


@dataclass(frozen=True)
class TrackerSection:
    """The ``tracker:`` section. Unknown keys are in ``extra`` (a copy, for reading
    only: the writer keeps them byte for byte whatever happens to this object)."""

    provider: str | None = None
    binding_ref: str | None = None
    project_slug: str | None = None
    display_label: str | None = None
    provider_context: dict[str, str] = field(default_factory=dict)
    workspace: str | None = None
    ownership_key: OwnershipKey | None = None
    ownership: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def routing_key(self) -> RoutingKey | None:
        """Which key routes host calls: ``binding_ref`` first, else the legacy slug."""
        if self.binding_ref:
            return "binding_ref"
        if self.project_slug:
            return "project_slug"
        return None

    @property
    def is_configured(self) -> bool:
        """A SaaS binding needs a provider and a routing key."""
        return bool(self.provider) and self.routing_key is not None


@dataclass(frozen=True)
class TrackerProjectConfig:
    """One repo's config file as read.

    ``symlinked`` is true when ``.kittify`` or ``config.yaml`` is a symlink: the file
    was read through it, but :func:`~tracker_core.config.config_io.write_tracker` refuses to
    write there, and callers that check allowed roots should compare
    ``path.resolve()`` against them.
    """

    repo: Path
    path: Path
    exists: bool
    project: ProjectIdentity | None
    tracker: TrackerSection | None
    fingerprint: str | None
    symlinked: bool = False
    raw: bytes | None = field(default=None, repr=False, compare=False)
