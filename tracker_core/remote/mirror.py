"""A cache of partial bare mirrors, one per remote, and the configs read from them.

A mirror is ``git clone --bare --filter=blob:none`` of the default branch: commits
and trees only, no checkout. Each sync fetches that branch, lists every
``.kittify/config.yaml`` in its tree (nested projects too) and downloads only those
blobs, in one request. A small state file in the mirror remembers the last head and
the configs' bytes. Before fetching, a warm sync asks the remote where its branch
points now (``probe.remote_head``): when that is the head already mirrored, there is
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
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from tracker_core.config.config_io import MAX_CONFIG_BYTES
from tracker_core.errors import RemoteError
from tracker_core.remote.git import run_git
from tracker_core.remote.probe import Routing, read_routing, remote_head
from tracker_core.remote.urls import RemoteProject, RemoteUrl

STATE_FILE = "sk-tracker-state.json"
CHECKED_FILE = "sk-tracker-checked"  # its mtime: when the remote was last asked or fetched
CONFIG_NAME = ".kittify/config.yaml"
_BLOB_MODES = {b"100644", b"100755"}
_SYMLINK = "config is a symlink in the repository"
# ``git daemon`` listens with a backlog of 5: a connection beyond the sixth waiting to
# be accepted is dropped by the kernel and retried a whole second later. Change
# checks are short enough to pile up, so at most this many run against one daemon.
CHECKS_PER_GIT_DAEMON = 5


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
        self._gates: dict[str, threading.BoundedSemaphore] = {}
        self._gates_lock = threading.Lock()

    @contextlib.contextmanager
    def _checking(self, remote: RemoteUrl) -> Iterator[None]:
        """Held while asking ``remote`` where its branch is (see CHECKS_PER_GIT_DAEMON)."""
        if remote.scheme != "git":
            yield
            return
        with self._gates_lock:
            gate = self._gates.setdefault(
                remote.host, threading.BoundedSemaphore(CHECKS_PER_GIT_DAEMON)
            )
        with gate:
            yield

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
        git_dir = self.folder(remote)
        cloned = fetched = False
        if not (git_dir / "HEAD").is_file():
            self._clone(remote, git_dir)
            cloned = True
        branch = _default_branch(git_dir)
        ref = f"refs/heads/{branch}"
        head = _read_ref(git_dir, ref)
        if not cloned:
            with self._checking(remote):
                now = remote_head(remote, ref, git_dir, routing or read_routing())
            fetched = now is None or now != head
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
        head = _read_ref(git_dir, ref)
        if head is None:
            raise RemoteError(f"{remote.name} has no branch {branch}")
        return Mirror(remote, git_dir, branch, head, cloned, fetched, _mark_checked(git_dir))

    def fresh(self, remote: RemoteUrl) -> Mirror | None:
        """The mirror as it is, when the remote was asked within the freshness window
        (no git, no network); else None."""
        git_dir = self.folder(remote)
        checked = _checked_at(git_dir) if self.fresh_for > 0 else 0.0
        if time.time() - checked >= self.fresh_for:
            return None
        try:
            branch = _default_branch(git_dir)
        except RemoteError:
            return None
        head = _read_ref(git_dir, f"refs/heads/{branch}")
        if head is None:
            return None
        return Mirror(remote, git_dir, branch, head, checked_at=checked, from_window=True)

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
        entries = _config_entries(mirror)
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
        contents = _read_blobs(mirror.git_dir, readable)
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


# Read without running git: a warm sync of an unchanged remote runs no git at all
# (git://) or one ls-remote.
def _default_branch(git_dir: Path) -> str:
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        head = ""
    if not head.startswith("ref: refs/heads/"):
        raise RemoteError(f"the mirror in {git_dir.name} has no default branch")
    return head.removeprefix("ref: refs/heads/")


def _checked_at(git_dir: Path) -> float:
    try:
        return (git_dir / CHECKED_FILE).stat().st_mtime
    except OSError:
        return 0.0


def _mark_checked(git_dir: Path) -> float:
    now = time.time()
    marker = git_dir / CHECKED_FILE
    try:
        marker.touch()
        os.utime(marker, (now, now))
    except OSError:  # only a shortcut for the window: the next audit asks again
        pass
    return now


def _read_ref(git_dir: Path, ref: str) -> str | None:
    """A ref's commit id: its loose file, else its line in ``packed-refs``."""
    try:
        return (git_dir / ref).read_text(encoding="utf-8").strip()
    except OSError:
        pass
    try:
        packed = (git_dir / "packed-refs").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in packed.splitlines():
        oid, _, name = line.partition(" ")
        if name == ref:
            return oid
    return None


def _config_entries(mirror: Mirror) -> list[tuple[str, str, bool]]:
    """(project folder, blob id, is a regular file) for each config on the head."""
    listing = run_git(["ls-tree", "-r", "-z", "--full-tree", mirror.head], cwd=mirror.git_dir)
    found: list[tuple[str, str, bool]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        path = raw_path.decode("utf-8", "surrogateescape")
        if path != CONFIG_NAME and not path.endswith("/" + CONFIG_NAME):
            continue
        mode, kind, oid = meta.split(b" ")
        if kind != b"blob":
            continue
        sub = path[: -len(CONFIG_NAME)].rstrip("/")
        found.append((sub, oid.decode(), mode in _BLOB_MODES))
    return sorted(found)


def _read_blobs(git_dir: Path, oids: list[str]) -> dict[str, bytes | None]:
    """Blob contents by id (``None`` for one over the size limit)."""
    if not oids:
        return {}
    out = run_git(
        ["cat-file", "--batch"], cwd=git_dir, stdin="".join(f"{o}\n" for o in oids).encode()
    )
    contents: dict[str, bytes | None] = {}
    pos = 0
    for oid in oids:
        end = out.index(b"\n", pos)
        header = out[pos:end].split(b" ")
        pos = end + 1
        if len(header) < 3:
            contents[oid] = None
            continue
        size = int(header[2])
        data = out[pos : pos + size]
        pos += size + 1
        contents[oid] = data if size <= MAX_CONFIG_BYTES else None
    return contents


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
