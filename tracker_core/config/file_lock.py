"""A cross-process lock per config file, kept outside the repo.

A lock file next to the config would show up as an untracked file in the repo's
worktree, so the lock lives in a private per-user folder under the system temp dir,
named by a hash of the config's resolved path: every writer of the same file, in any
process, takes the same lock.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from tracker_core.errors import TrackerError


class ConfigLockError(TrackerError):
    """The config's write lock could not be taken (another writer held it too long, or
    the lock folder is not safe to use)."""


def _user_tag() -> str:
    getuid = getattr(os, "getuid", None)
    if getuid is not None:
        return str(getuid())
    return hashlib.sha256(os.path.expanduser("~").encode()).hexdigest()[:12]


def lock_dir() -> Path:
    """The private folder holding lock files (created on first use)."""
    folder = Path(tempfile.gettempdir()) / f"sk-tracker-locks-{_user_tag()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError as exc:
        raise ConfigLockError(f"cannot use lock folder {folder}: {exc.strerror or exc}") from None
    # Someone else's folder (or a symlink planted in a shared temp dir) could be used to
    # hold our locks or to point our lock files elsewhere.
    if not stat.S_ISDIR(info.st_mode) or (
        hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022)
    ):
        raise ConfigLockError(f"lock folder {folder} is not a private folder of this user")
    return folder


def lock_path_for(path: Path) -> Path:
    digest = hashlib.sha256(os.fsencode(os.path.realpath(path))).hexdigest()[:40]
    return lock_dir() / f"{digest}.lock"


@contextmanager
def held(path: Path, timeout: float, busy: Callable[[], Exception]) -> Iterator[None]:
    """Hold the file lock at ``path``; ``busy()`` is raised when another holder keeps
    it past ``timeout`` seconds (a clear error, not the lock library's)."""
    lock = FileLock(path, timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise busy() from None
    try:
        yield
    finally:
        lock.release()


def config_lock(path: Path, timeout: float = 30.0) -> AbstractContextManager[None]:
    """Hold the write lock of the config file at ``path`` (it need not exist yet)."""
    return held(
        lock_path_for(path),
        timeout,
        lambda: ConfigLockError(
            f"{path} is being written by another process (lock not released in {timeout:g} s)"
        ),
    )
