"""Who may mutate, and where writes may go.

Every mutating flow asks the policy again right before it acts, so a viewer session
can never cause a bind-confirm or a file write even if a control was left enabled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tracker_core.errors import PathNotAllowedError, PermissionDeniedError

Role = Literal["admin", "viewer"]


@dataclass(frozen=True)
class AccessPolicy:
    """``role`` of the acting user; ``allowed_roots`` limits config writes (``None`` means
    anywhere, as for a developer running the CLI in their own repo)."""

    role: Role = "admin"
    actor: str = "local user"
    allowed_roots: Sequence[Path] | None = None
    _resolved: tuple[Path, ...] = field(init=False, repr=False, default=())

    def __post_init__(self) -> None:
        if self.allowed_roots is not None:
            resolved = tuple(Path(r).expanduser().resolve() for r in self.allowed_roots)
            object.__setattr__(self, "_resolved", resolved)

    @property
    def can_mutate(self) -> bool:
        return self.role == "admin"

    def require_mutation(self, action: str) -> None:
        if not self.can_mutate:
            raise PermissionDeniedError(f"{self.role} role may not {action}; ask an admin")

    def require_writable(self, repo: Path) -> Path | None:
        """Refuse a config write outside the allowed roots and return the root that
        holds ``repo`` (``None`` when writes may go anywhere). Paths are resolved, so a
        symlink or ``..`` that leads out of the roots is refused; the writer then opens
        the folders from that root down without following links, so a swap after this
        check cannot lead out either."""
        self.require_mutation("write configs")
        if self.allowed_roots is None:
            return None
        if not self._resolved:
            raise PathNotAllowedError("no allowed roots are configured; writes are disabled")
        target = Path(repo).resolve()
        config = target / ".kittify" / "config.yaml"
        holder: Path | None = None
        for candidate in (target, config.parent, config):
            real = candidate.resolve()
            roots = [r for r in self._resolved if real == r or real.is_relative_to(r)]
            if not roots:
                raise PathNotAllowedError(
                    f"{repo} is outside the allowed roots; nothing was written"
                )
            holder = holder or max(roots, key=lambda r: len(r.parts))
        return holder


ADMIN_ANYWHERE = AccessPolicy()
