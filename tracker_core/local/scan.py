"""Find the projects under the roots and read their configs fast.

The walk (``walk``) finds every folder holding ``.kittify/config.yaml``; each config
is read with the fast safe loader (round-trip parsing happens only when writing),
with the project's name under its root and the facts of its git checkout.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tracker_core.config.config_io import scan_config
from tracker_core.config.config_model import TrackerProjectConfig
from tracker_core.config.reader import parse_document, read_following_links
from tracker_core.errors import ConfigError
from tracker_core.local.git_facts import GitFacts, read_git
from tracker_core.local.walk import (
    CONFIG,
    MAX_DEPTH,
    ConfigProbe,
    Found,
    WalkReport,
    name_in_roots,
    probe_config,
    walk_roots,
)


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
    they are worked out here. The file is looked at afresh."""
    if found is None:  # its root only names it, and the name is worked out here
        found = Found(repo, repo, name_in_roots(repo, roots or ()), _git_top(repo))
    return read_found(found, roots)


@dataclass
class ScanMemo:
    """What one scan works out once for many projects: a checkout's git facts (a
    monorepo's projects share one) and the reading of a config's bytes (worktrees
    and clones carry the same committed file)."""

    checkouts: dict[Path, GitFacts | None] = field(default_factory=dict)
    # A config's bytes -> what they read as (a config, or an error's reason and code).
    parsed: dict[bytes, TrackerProjectConfig | tuple[str, str]] = field(default_factory=dict)

    def git(self, found: Found, *, fresh: bool) -> GitFacts | None:
        """``fresh``: the walk just ran, so its look at ``.git`` still holds."""
        top = found.git_top
        if top is None:
            return None
        if top not in self.checkouts:
            self.checkouts[top] = read_git(top, is_dir=found.git_is_dir if fresh else None)
        return self.checkouts[top]

    def parse(self, repo: Path, path: Path, data: bytes, linked: bool) -> TrackerProjectConfig:
        seen = self.parsed.get(data)
        if seen is None:
            try:
                config = parse_document(repo, data, symlinked=linked).config
            except ConfigError as exc:
                self.parsed[data] = (exc.reason, exc.code)
                raise
            self.parsed[data] = config
            return config
        if isinstance(seen, tuple):
            raise ConfigError(path, seen[0], code=seen[1])
        if seen.repo == repo and seen.symlinked == linked:
            return seen
        # The same bytes read the same: only where they were read differs.
        return replace(seen, repo=repo, path=path, symlinked=linked)


def read_found(
    found: Found,
    roots: Sequence[Path] | None,
    memo: ScanMemo | None = None,
    probe: ConfigProbe | None = None,
) -> LocalRepo:
    """Read a project the walk found. ``memo``: what this scan already worked out;
    ``probe``: the walk's look at the config, when it was taken just now (else it is
    looked at again)."""
    if memo is None:
        memo = ScanMemo()
    repo, name = found.path, found.name
    git = memo.git(found, fresh=probe is not None)
    if probe is None:
        probe = probe_config(str(repo))
    path = repo / CONFIG
    if roots is not None and probe.linked and not _inside(path.resolve(), roots):
        reason = "config is a symlink to outside the audited roots"
        error = ConfigError(path, reason, code="symlink")
        return LocalRepo(repo, None, error, name=name, git=git)
    try:
        # config's own reading steps, with the probe's symlink fact instead of two
        # more ``lstat``s; a file gone since the probe is reported as missing.
        data = read_following_links(path) if probe.mtime_ns is not None else None
        config = scan_config(repo) if data is None else memo.parse(repo, path, data, probe.linked)
    except ConfigError as exc:
        return LocalRepo(repo, None, exc, probe.mtime_ns, name, git)
    return LocalRepo(repo, config, None, probe.mtime_ns, name, git)


@dataclass
class Scan:
    """The projects under some roots, read one at a time as ``repos`` is iterated,
    and (once it is exhausted) what the walk skipped."""

    roots: tuple[Path, ...]
    walk: WalkReport = field(default_factory=WalkReport)

    def repos(self) -> Iterator[LocalRepo]:
        walked = walk_roots(self.roots)
        self.walk = walked.report
        memo = ScanMemo()
        for found in walked.projects:
            yield read_found(found, self.roots, memo, found.probe)


def iter_repos(roots: Iterable[Path]) -> Iterator[LocalRepo]:
    """Every project under ``roots``, read one at a time (in ``find_repos`` order), so
    a caller can start on the first ones while the rest are read."""
    return Scan(tuple(Path(r).expanduser().resolve() for r in roots)).repos()


def scan_roots(roots: Iterable[Path]) -> list[LocalRepo]:
    """Find and read every repo under ``roots``."""
    return list(iter_repos(roots))
