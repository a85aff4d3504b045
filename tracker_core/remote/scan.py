"""Remote roots read like local ones: every project config of every remote, as
rows the audit takes next to the ones found on disk.

Remotes are synced with bounded concurrency (git runs in its own processes); each
is first asked whether its branch moved, so an unchanged one is not fetched; one
that cannot be fetched becomes a single entry carrying git's reason, and the others
are unaffected. ``progress`` is told after each remote, for a progress bar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tracker_core.config.config_io import parse_config_bytes
from tracker_core.config.config_model import TrackerProjectConfig
from tracker_core.config.identity import kebab_case
from tracker_core.errors import ConfigError, RemoteError, UsageError
from tracker_core.remote.mirror import ConfigBlob, Mirror, MirrorCache
from tracker_core.remote.probe import Routing, bind_branch_name, read_routing
from tracker_core.remote.push import review_url
from tracker_core.remote.urls import RemoteProject, RemoteUrl, parse_remote

Progress = Callable[[int, int, str], None]  # (done, total, remote name)


@dataclass(frozen=True)
class WaitingBind:
    """A branch an earlier bind of the project pushed, still on the remote."""

    branch: str
    into: str  # the default branch it is to be merged into
    review_url: str | None  # opens the pull/merge request (GitHub- and GitLab-shaped)


@dataclass(frozen=True)
class RemoteRepo:
    """A project found in a remote (or the remote itself when it could not be read:
    then ``unreachable`` holds git's reason)."""

    path: RemoteProject
    config: TrackerProjectConfig | None
    error: ConfigError | None
    unreachable: str | None = None
    mirror: Path | None = None  # the mirror's git dir (None when it could not be read)
    waiting: WaitingBind | None = None

    @property
    def label(self) -> str:
        """``host/org/repo[/path]``: how every face names it."""
        return self.path.name


def config_of(blob: ConfigBlob) -> TrackerProjectConfig:
    """The config held in ``blob``, parsed like a file on disk (``ConfigError``
    naming ``host/org/repo[/path]/.kittify/config.yaml`` when it is unusable)."""
    where = Path(blob.project.name)
    if blob.data is None:
        raise ConfigError(where / ".kittify" / "config.yaml", blob.problem, code="unreadable")
    return parse_config_bytes(where, blob.data)


def derived_slug(project: RemoteProject) -> str:
    """The slug a bind gives a project with no identity on file: its folder's name,
    or the repository's for the top."""
    return kebab_case(project.subpath.rsplit("/", 1)[-1] or project.remote.repo_name)


def _waiting(
    project: RemoteProject, config: TrackerProjectConfig | None, mirror: Mirror
) -> WaitingBind | None:
    slug = config.project.slug if config is not None and config.project else derived_slug(project)
    branch = bind_branch_name(slug)
    if branch not in mirror.bind_branches:
        return None
    return WaitingBind(branch, mirror.branch, review_url(mirror.remote, branch, mirror.branch))


def _read_blob(blob: ConfigBlob, mirror: Mirror) -> RemoteRepo:
    try:
        config = config_of(blob)
    except ConfigError as exc:
        return RemoteRepo(blob.project, None, exc, mirror=mirror.git_dir)
    waiting = _waiting(blob.project, config, mirror)
    return RemoteRepo(blob.project, config, None, mirror=mirror.git_dir, waiting=waiting)


@dataclass(frozen=True)
class RemoteScan:
    repos: list[RemoteRepo]
    mirrors: dict[str, Mirror]  # by URL, for the remotes that could be read

    @property
    def cloned(self) -> int:
        return sum(1 for m in self.mirrors.values() if m.cloned)

    @property
    def fetched(self) -> int:
        """Remotes fetched because their branch had moved (clones not counted)."""
        return sum(1 for m in self.mirrors.values() if m.fetched)

    @property
    def blobs_fetched(self) -> int:
        return sum(m.blobs_fetched for m in self.mirrors.values())


def _scan_one(
    cache: MirrorCache, remote: RemoteUrl, routing: Routing | None
) -> tuple[Mirror | None, list[RemoteRepo]]:
    try:
        mirror, blobs = cache.configs(cache.sync(remote, routing))
    except RemoteError as exc:
        return None, [RemoteRepo(RemoteProject(remote), None, None, unreachable=str(exc))]
    return mirror, [_read_blob(b, mirror) for b in blobs]


def _read_fresh(cache: MirrorCache, mirror: Mirror) -> tuple[Mirror | None, list[RemoteRepo]]:
    try:
        mirror, blobs = cache.configs(mirror)
    except RemoteError:  # the mirror's files no longer read: ask the remote after all
        return _scan_one(cache, mirror.remote, None)
    return mirror, [_read_blob(b, mirror) for b in blobs]


def parse_remotes(urls: Sequence[str]) -> list[RemoteUrl]:
    """Parsed and de-duplicated (one repository named twice is read once)."""
    seen: dict[str, RemoteUrl] = {}
    for url in urls:
        remote = parse_remote(url)
        seen.setdefault(remote.key, remote)
    return list(seen.values())


def scan_remotes(
    urls: Sequence[str],
    cache: MirrorCache,
    *,
    max_workers: int = 8,
    progress: Progress | None = None,
) -> RemoteScan:
    """Sync every remote and read its project configs, in the order given."""
    if max_workers < 1:
        raise UsageError(f"max_workers must be at least 1, got {max_workers}")
    remotes = parse_remotes(urls)
    results: dict[int, tuple[Mirror | None, list[RemoteRepo]]] = {}
    # Remotes asked within the freshness window are read here: no git, no network.
    for i, remote in enumerate(remotes):
        mirror = cache.fresh(remote)
        if mirror is not None:
            results[i] = _read_fresh(cache, mirror)
            if progress is not None:
                progress(len(results), len(remotes), remote.name)
    asked = [i for i in range(len(remotes)) if i not in results]
    routing = read_routing() if asked else Routing()
    with ThreadPoolExecutor(max_workers, thread_name_prefix="sk-tracker-git") as pool:
        futures = {pool.submit(_scan_one, cache, remotes[i], routing): i for i in asked}
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            if progress is not None:
                progress(len(results), len(remotes), remotes[i].name)
    repos: list[RemoteRepo] = []
    mirrors: dict[str, Mirror] = {}
    for i, remote in enumerate(remotes):
        mirror, found = results[i]
        repos.extend(found)
        if mirror is not None:
            mirrors[remote.url] = mirror
    return RemoteScan(repos, mirrors)
