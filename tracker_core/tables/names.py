"""Short names for repo paths: the path under the repo root that holds it (what a
person recognises), the full path kept beside it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath


def relative_name(path: str, roots: Sequence[Path]) -> str:
    """``path`` relative to the first of ``roots`` that holds it; else its last part.
    Remote URLs and empty values come back as they are."""
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
