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

    def require_writable(self, repo: Path, resolver: Resolver | None = None) -> Path | None:
        """Refuse a config write outside the allowed roots and return the root that
        holds ``repo`` (``None`` when writes may go anywhere). Paths are resolved, so a
        symlink or ``..`` that leads out of the roots is refused; the writer then opens
        the folders from that root down without following links, so a swap after this
        check cannot lead out either. ``resolver`` shares resolved folders between
        checks of many repos."""
        self.require_mutation("write configs")
        if self.allowed_roots is None:
            return None
        if not self._resolved:
            raise PathNotAllowedError("no allowed roots are configured; writes are disabled")
        target = (resolver or Resolver()).resolve(Path(repo))
        folder = _resolve_last(target / ".kittify")
        holder: Path | None = None
        for real in (target, folder, _resolve_last(folder / "config.yaml")):
            parts = real.parts  # real.is_relative_to(r), without building paths
            roots = [r for r in self._resolved if parts[: len(r.parts)] == r.parts]
            if not roots:
                raise PathNotAllowedError(
                    f"{repo} is outside the allowed roots; nothing was written"
                )
            holder = holder or max(roots, key=lambda r: len(r.parts))
        return holder


class Resolver:
    """``Path.resolve()`` for many paths that share folders: each folder is resolved
    once, one ``lstat`` per part, as ``os.path.realpath`` walks them."""

    def __init__(self) -> None:
        self._real: dict[Path, Path] = {}

    def resolve(self, path: Path) -> Path:
        if not path.is_absolute() or ".." in path.parts:
            return path.resolve()
        return self._resolved(path)

    def _resolved(self, path: Path) -> Path:
        real = self._real.get(path)
        if real is None:
            parent = path.parent
            real = path if parent == path else _resolve_last(self._resolved(parent) / path.name)
            self._real[path] = real
        return real


def _resolve_last(path: Path) -> Path:
    """``path.resolve()`` for a path whose parent is resolved already: only a link at
    its last part can lead elsewhere (one ``lstat`` instead of one per part, which
    counts when a table marks 5,000 repos writable or not)."""
    try:
        linked = path.is_symlink()
    except OSError:  # unreadable: let resolve() decide, as it would have
        linked = True
    return path.resolve() if linked else path


ADMIN_ANYWHERE = AccessPolicy()
