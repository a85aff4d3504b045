"""Find repos under roots and read their configs fast.

A repo is a folder holding ``.kittify/`` or ``.git``; the walk does not descend into a
repo once found, skips heavy folders (hidden ones, ``node_modules`` and the like, and
any Python environment whatever its name: a folder holding ``pyvenv.cfg`` or
``conda-meta``), never follows symlinks, and reads configs with the fast safe loader
(round-trip parsing happens only when writing).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tracker_core.config.config_io import config_path, scan_config
from tracker_core.config.config_model import TrackerProjectConfig
from tracker_core.errors import ConfigError

SKIP_DIRS = frozenset(
    {
        "node_modules",
        "__pycache__",
        "venv",
        "site-packages",
        "dist",
        "build",
        "target",
        "vendor",
        "bower_components",
        "__pypackages__",
    }
)
# A folder holding one of these is a Python environment, whatever it is called.
ENVIRONMENT_MARKERS = ("pyvenv.cfg", "conda-meta")
MAX_DEPTH = 8


@dataclass(frozen=True)
class LocalRepo:
    """One repo found under the roots: its config, or why it could not be read."""

    path: Path
    config: TrackerProjectConfig | None
    error: ConfigError | None
    mtime_ns: int | None = None


def _is_repo(entries: set[str]) -> bool:
    return ".kittify" in entries or ".git" in entries


def find_repos(roots: Iterable[Path], *, max_depth: int = MAX_DEPTH) -> list[Path]:
    """Every repo folder under ``roots`` (a root that is itself a repo counts), sorted."""
    found: set[Path] = set()
    for root in roots:
        start = Path(root).expanduser().resolve()
        if not start.is_dir():
            continue
        stack: list[tuple[Path, int]] = [(start, 0)]
        while stack:
            folder, depth = stack.pop()
            try:
                with os.scandir(folder) as it:
                    entries = list(it)
            except OSError:
                continue
            names = {e.name for e in entries}
            if _is_repo(names):
                found.add(folder)
                continue
            if any(marker in names for marker in ENVIRONMENT_MARKERS):
                continue
            if depth >= max_depth:
                continue
            for entry in entries:
                if entry.name.startswith(".") or entry.name in SKIP_DIRS:
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((Path(entry.path), depth + 1))
                except OSError:
                    continue
    return sorted(found)


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == r or path.is_relative_to(r) for r in roots)


def read_repo(repo: Path, roots: Sequence[Path] | None = None) -> LocalRepo:
    """Read one repo's config with the fast loader; errors become ``LocalRepo.error``.
    A config symlinked to outside ``roots`` is reported without being read."""
    path = config_path(repo)
    linked = path.is_symlink() or path.parent.is_symlink()
    if roots is not None and linked and not _inside(path.resolve(), roots):
        reason = "config is a symlink to outside the audited roots"
        return LocalRepo(repo, None, ConfigError(path, reason, code="symlink"))
    try:
        mtime: int | None = os.stat(path).st_mtime_ns
    except OSError:
        mtime = None
    try:
        return LocalRepo(repo, scan_config(repo), None, mtime)
    except ConfigError as exc:
        return LocalRepo(repo, None, exc, mtime)


def iter_repos(roots: Iterable[Path]) -> Iterator[LocalRepo]:
    """Every repo under ``roots``, read one at a time (in ``find_repos`` order), so a
    caller can start on the first ones while the rest are read."""
    resolved = [Path(r).expanduser().resolve() for r in roots]
    for repo in find_repos(resolved):
        yield read_repo(repo, resolved)


def scan_roots(roots: Iterable[Path]) -> list[LocalRepo]:
    """Find and read every repo under ``roots``."""
    return list(iter_repos(roots))
