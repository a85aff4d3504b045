"""A cache of partial bare mirrors, one per remote, and the configs read from them.

A mirror is ``git clone --bare --filter=blob:none`` of the default branch: commits
and trees only, no checkout. Each sync fetches that branch, lists every
``.kittify/config.yaml`` in its tree (nested projects too) and downloads only those
blobs, in one request. A small state file in the mirror remembers the last head and
the configs' bytes. Before fetching, a warm sync asks the remote where its branch
points now (``probe.remote_refs``): when that is the head already mirrored, there is
no fetch, no clone and no blob, and the configs come from the state file.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path

from tracker_core.config.file_lock import held
from tracker_core.errors import RemoteError
from tracker_core.remote.bare import config_entries, default_branch, read_blobs, read_ref
from tracker_core.remote.git import GIT_TIMEOUT, run_git
from tracker_core.remote.marker import checked_at, checked_branches, mark_checked
from tracker_core.remote.probe import (
    RemoteRefs,
    Routing,
    read_routing,
    remote_refs,
)
from tracker_core.remote.urls import RemoteProject, RemoteUrl

STATE_FILE = "sk-tracker-state.json"
_SYMLINK = "config is a symlink in the repository"


@dataclass(frozen=True)
class ConfigBlob:
    """One ``.kittify/config.yaml`` in the mirrored tree."""

    project: RemoteProject
    oid: str
    data: bytes | None  # None: not a regular file (a symlink), or too large to read
    problem: str = ""


@dataclass(frozen=True)
class Mirror:
    remote: RemoteUrl
    git_dir: Path
    branch: str  # the remote's default branch
    head: str  # commit id of that branch as last fetched
    cloned: bool = False  # this sync made the clone
    fetched: bool = False  # this sync ran a fetch (the remote's branch had moved)
    checked_at: float = 0.0  # when the remote was last asked (time.time())
    from_window: bool = False  # not asked now: asked within the freshness window
    blobs_fetched: int = 0  # config blobs downloaded by this sync
    bind_branches: tuple[str, ...] = ()  # sk-tracker/bind-* branches on the remote

    @property
    def ref(self) -> str:
        return f"refs/heads/{self.branch}"


def _folder_name(remote: RemoteUrl) -> str:
    digest = hashlib.sha256(remote.url.encode()).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", remote.name)[-60:].strip("-.")
    return f"{slug}-{digest}.git"


class MirrorCache:
    """Mirrors under ``root`` (the tool's cache folder), created on first use.

    ``fresh_for`` (seconds, 0: off) is the freshness window: a remote asked less than
    that long ago is not asked again, and its mirror is read as it is (the faces say
    when it was checked)."""

    def __init__(self, root: Path, fresh_for: float = 0.0) -> None:
        self.root = Path(root).expanduser()
        self.fresh_for = max(0.0, fresh_for)

    def _updating(self, remote: RemoteUrl) -> AbstractContextManager[None]:
        """Held while a mirror is made or changed: another audit (a thread, or a
        process, as the CLI beside a shared dashboard) waits for it instead of
        failing on git's own ref locks."""
        self.root.mkdir(parents=True, exist_ok=True)
        return held(
            self.root / f".{_folder_name(remote)}.lock",
            GIT_TIMEOUT,
            lambda: RemoteError(f"the mirror of {remote.name} stayed busy in another audit"),
        )

    def folder(self, remote: RemoteUrl) -> Path:
        return self.root / _folder_name(remote)

    def sync(
        self, remote: RemoteUrl, routing: Routing | None = None, *, window: bool = True
    ) -> Mirror:
        """Clone the remote if there is no mirror yet; else fetch its default branch,
        unless the remote says that branch is where the mirror has it. ``routing``
        (the user's git rules for reaching remotes) is read once per batch; with
        ``window`` False the remote is asked even within the freshness window."""
        fresh = self.fresh(remote) if window else None
        if fresh is not None:
            return fresh
        answer: RemoteRefs | None = None

        def ask(ref: str, git_dir: Path) -> RemoteRefs:
            """The remote is asked once; the locked pass reuses its answer."""
            nonlocal answer
            if answer is None:
                answer = remote_refs(remote, ref, git_dir, routing or read_routing())
            return answer

        # Asking changes nothing: only a sync that must clone or fetch takes the
        # mirror's lock, then looks at the mirror again (another may have fetched).
        mirror = self._sync(remote, ask, locked=False)
        if mirror is None:
            with self._updating(remote):
                mirror = self._sync(remote, ask, locked=True)
        assert mirror is not None
        return mirror

    def _sync(
        self, remote: RemoteUrl, ask: Callable[[str, Path], RemoteRefs], *, locked: bool
    ) -> Mirror | None:
        """The synced mirror; ``None`` when it must change and ``locked`` is False."""
        git_dir = self.folder(remote)
        cloned = fetched = False
        if not (git_dir / "HEAD").is_file():
            if not locked:
                return None
            self._clone(remote, git_dir)
            cloned = True
        branch = default_branch(git_dir)
        ref = f"refs/heads/{branch}"
        head = read_ref(git_dir, ref)
        # Asked after a clone too: the clone brings the default branch alone, and the
        # bind branches waiting on the remote are part of the answer.
        now = ask(ref, git_dir)
        remote_head = now.head
        renamed = now.moved_to(ref)
        moved = not cloned and (remote_head is None or remote_head != head)
        if (renamed is not None or moved) and not locked:
            return None
        if renamed is not None:  # the remote's default branch is another one now: follow it
            run_git(["symbolic-ref", "HEAD", renamed], cwd=git_dir)
            ref, branch, remote_head = (
                renamed,
                renamed.removeprefix("refs/heads/"),
                now.default_head,
            )
            head = read_ref(git_dir, ref)
        fetched = renamed is not None or moved
        if fetched:
            spec = f"+refs/heads/{branch}:refs/heads/{branch}"
            # No follow-up processes (maintenance, forced-update scan).
            run_git(
                [
                    "-c",
                    "fetch.showForcedUpdates=false",
                    "fetch",
                    "--quiet",
                    "--no-tags",
                    "--no-write-fetch-head",
                    "--no-auto-maintenance",
                    "origin",
                    spec,
                ],
                cwd=git_dir,
            )
        head = read_ref(git_dir, ref)
        if head is None:
            raise RemoteError(f"{remote.name} has no branch {branch}")
        checked = mark_checked(git_dir, now.bind_branches)
        return Mirror(
            remote, git_dir, branch, head, cloned, fetched, checked, bind_branches=now.bind_branches
        )

    def fresh(self, remote: RemoteUrl) -> Mirror | None:
        """The mirror as it is, when the remote was asked within the freshness window
        (no git, no network); else None."""
        git_dir = self.folder(remote)
        checked = checked_at(git_dir) if self.fresh_for > 0 else 0.0
        if time.time() - checked >= self.fresh_for:
            return None
        try:
            branch = default_branch(git_dir)
        except RemoteError:
            return None
        head = read_ref(git_dir, f"refs/heads/{branch}")
        if head is None:
            return None
        return Mirror(
            remote,
            git_dir,
            branch,
            head,
            checked_at=checked,
            from_window=True,
            bind_branches=checked_branches(git_dir),
        )

    def _clone(self, remote: RemoteUrl, git_dir: Path) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".clone-", dir=self.root))
        target = scratch / "mirror.git"
        try:
            run_git(
                [
                    "clone",
                    "--quiet",
                    "--bare",
                    "--filter=blob:none",
                    "--single-branch",
                    "--no-tags",
                    "--",
                    remote.url,
                    str(target),
                ]
            )
            with contextlib.suppress(OSError):  # another process made it first: use theirs
                os.rename(target, git_dir)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if not (git_dir / "HEAD").is_file():
            raise RemoteError(f"the mirror of {remote.name} could not be created")

    def configs(self, mirror: Mirror) -> tuple[Mirror, list[ConfigBlob]]:
        """Every project config on the mirror's head, read from blobs; only blobs not
        downloaded before are fetched (all in one request)."""
        state = _load_state(mirror.git_dir)
        saved = state.get("configs")
        saved = saved if isinstance(saved, list) else []
        if state.get("head") == mirror.head:
            cached = _from_state(mirror, saved)
            if cached is not None:
                return mirror, cached
        with self._updating(mirror.remote):
            return self._read_configs(mirror, saved)

    def _read_configs(self, mirror: Mirror, saved: list[object]) -> tuple[Mirror, list[ConfigBlob]]:
        entries = config_entries(mirror.git_dir, mirror.head)
        # Blobs downloaded by an earlier sync are in the mirror already.
        known = {c.get("oid") for c in saved if isinstance(c, dict)}
        wanted = sorted({oid for _, oid, ok in entries if ok and oid not in known})
        if wanted:
            run_git(
                [
                    "-c",
                    "fetch.negotiationAlgorithm=noop",
                    "fetch",
                    "--quiet",
                    "--no-tags",
                    "--no-write-fetch-head",
                    "--recurse-submodules=no",
                    "--filter=blob:none",
                    "--stdin",
                    "origin",
                ],
                cwd=mirror.git_dir,
                stdin="".join(f"{oid}\n" for oid in wanted).encode(),
            )
        readable = sorted({oid for _, oid, ok in entries if ok})
        contents = read_blobs(mirror.git_dir, readable)
        blobs = [
            ConfigBlob(RemoteProject(mirror.remote, sub), oid, contents.get(oid) if ok else None)
            for sub, oid, ok in entries
        ]
        blobs = [
            b
            if b.data is not None
            else replace(b, problem=_SYMLINK if not ok else "config is over the size limit")
            for b, (_, _, ok) in zip(blobs, entries, strict=True)
        ]
        _save_state(mirror.git_dir, mirror.head, blobs)
        return _with_fetched(mirror, len(wanted)), blobs


def _with_fetched(mirror: Mirror, count: int) -> Mirror:
    return replace(mirror, blobs_fetched=count)


def _load_state(git_dir: Path) -> dict[str, object]:
    try:
        data = json.loads((git_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_state(git_dir: Path, head: str, blobs: list[ConfigBlob]) -> None:
    state = {
        "head": head,
        "configs": [
            {
                "path": b.project.subpath,
                "oid": b.oid,
                "data": None if b.data is None else base64.b64encode(b.data).decode(),
                "problem": b.problem,
            }
            for b in blobs
        ],
    }
    tmp = git_dir / f".{STATE_FILE}.{os.getpid()}"
    try:
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, git_dir / STATE_FILE)
    except OSError:  # the state is only a shortcut: the next sync reads the tree again
        with contextlib.suppress(OSError):
            tmp.unlink()


def _from_state(mirror: Mirror, configs: list[object]) -> list[ConfigBlob] | None:
    blobs: list[ConfigBlob] = []
    for item in configs:
        if not isinstance(item, dict):
            return None
        path, oid, data = item.get("path"), item.get("oid"), item.get("data")
        if not isinstance(path, str) or not isinstance(oid, str):
            return None
        try:
            raw = base64.b64decode(data, validate=True) if isinstance(data, str) else None
        except (binascii.Error, ValueError):
            return None
        problem = item.get("problem")
        blobs.append(
            ConfigBlob(
                RemoteProject(mirror.remote, path),
                oid,
                raw,
                problem if isinstance(problem, str) else "",
            )
        )
    return blobs
