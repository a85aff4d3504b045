"""Find the projects under the roots and read their configs fast.

The walk (``walk``) finds every folder holding ``.kittify/config.yaml``; each config
is read with the fast safe loader (round-trip parsing happens only when writing),
with the project's name under its root and the facts of its git checkout.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tracker_core.config.config_io import config_path, scan_config
from tracker_core.config.config_model import TrackerProjectConfig
from tracker_core.errors import ConfigError
from tracker_core.local.git_facts import GitFacts, read_git
from tracker_core.local.walk import MAX_DEPTH, Found, WalkReport, name_in_roots, walk_roots


@dataclass(frozen=True)
class LocalRepo:
    """One repo found under the roots: its config, or why it could not be read."""

    path: Path
    config: TrackerProjectConfig | None
    error: ConfigError | None
    mtime_ns: int | None = None
    # The path relative to the root it was found under: how every face names it.
    name: str = ""
    git: GitFacts | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        return self.name or self.path.name


def find_repos(roots: Iterable[Path], *, max_depth: int = MAX_DEPTH) -> list[Path]:
    """Every project folder under ``roots`` (a root that is itself one counts), sorted."""
    return [f.path for f in walk_roots(roots, max_depth=max_depth).projects]


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == r or path.is_relative_to(r) for r in roots)


def _git_top(repo: Path) -> Path | None:
    for folder in (repo, *repo.parents):
        if os.path.lexists(os.path.join(folder, ".git")):
            return folder
    return None


def read_repo(
    repo: Path,
    roots: Sequence[Path] | None = None,
    *,
    found: Found | None = None,
) -> LocalRepo:
    """Read one project's config with the fast loader; errors become
    ``LocalRepo.error``. A config symlinked to outside ``roots`` is reported without
    being read. ``found`` (from the walk) gives its name and checkout; without it
    they are worked out here."""
    name = found.name if found else name_in_roots(repo, roots or ())
    top = found.git_top if found else _git_top(repo)
    git = read_git(top) if top is not None else None
    path = config_path(repo)
    linked = path.is_symlink() or path.parent.is_symlink()
    if roots is not None and linked and not _inside(path.resolve(), roots):
        reason = "config is a symlink to outside the audited roots"
        error = ConfigError(path, reason, code="symlink")
        return LocalRepo(repo, None, error, name=name, git=git)
    try:
        mtime: int | None = os.stat(path).st_mtime_ns
    except OSError:
        mtime = None
    try:
        return LocalRepo(repo, scan_config(repo), None, mtime, name, git)
    except ConfigError as exc:
        return LocalRepo(repo, None, exc, mtime, name, git)


@dataclass
class Scan:
    """The projects under some roots, read one at a time as ``repos`` is iterated,
    and (once it is exhausted) what the walk skipped."""

    roots: tuple[Path, ...]
    walk: WalkReport = field(default_factory=WalkReport)

    def repos(self) -> Iterator[LocalRepo]:
        walked = walk_roots(self.roots)
        self.walk = walked.report
        for found in walked.projects:
            yield read_repo(found.path, self.roots, found=found)


def iter_repos(roots: Iterable[Path]) -> Iterator[LocalRepo]:
    """Every project under ``roots``, read one at a time (in ``find_repos`` order), so
    a caller can start on the first ones while the rest are read."""
    return Scan(tuple(Path(r).expanduser().resolve() for r in roots)).repos()


def scan_roots(roots: Iterable[Path]) -> list[LocalRepo]:
    """Find and read every repo under ``roots``."""
    return list(iter_repos(roots))
