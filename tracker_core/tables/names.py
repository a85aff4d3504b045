"""Short names for repo paths: the path under the repo root that holds it (what a
person recognises), the full path kept beside it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath

from tracker_core.remote.urls import location_name


def relative_name(path: str, roots: Sequence[Path]) -> str:
    """``path`` relative to the first of ``roots`` that holds it; else its last part.
    A remote project (``URL[#sub/dir]``) is named ``host/org/repo[/sub/dir]``; an
    empty value comes back as it is."""
    remote = location_name(path) if path else None
    if remote is not None:
        return remote
    if not path or "://" in path or path.startswith("git@"):
        return path
    pure = PurePath(path)
    for root in roots:
        try:
            rel = pure.relative_to(PurePath(root))
        except ValueError:
            continue
        return str(rel) if rel.parts else pure.name
    return pure.name or path


def relative_names(paths: Iterable[object], roots: Sequence[Path]) -> list[str]:
    return [relative_name("" if p is None else str(p), roots) for p in paths]
