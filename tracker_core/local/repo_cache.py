"""A repo scan that re-reads only the configs that changed.

A long-running face (the dashboard) looks at the same roots again and again. The
walk for projects is kept until ``forget_repos()``; each ``snapshot()`` then costs one
``stat`` per repo, and a config is parsed again only when its file changed (mtime,
size or inode: atomic writes replace the inode). The snapshot's ``fingerprint``
changes exactly when some config (or the set of repos) changed, so it is a cache
key for anything derived from the scan, such as an audit.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tracker_core.local.scan import LocalRepo, ScanMemo, read_found
from tracker_core.local.walk import CONFIG, Found, WalkReport, walk_roots

FileStamp = tuple[int, int, int] | None  # (mtime_ns, size, inode); None: no file
Fingerprint = tuple[tuple[str, FileStamp], ...]


@dataclass(frozen=True)
class ScanSnapshot:
    repos: tuple[LocalRepo, ...]
    fingerprint: Fingerprint
    reread: int  # configs parsed for this snapshot (0 when nothing changed)
    walk: WalkReport = field(default_factory=WalkReport)  # skipped folders, plain git repos


def _stamp(repo: Path) -> FileStamp:
    try:
        st = os.stat(os.path.join(repo, CONFIG))
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class RepoScanCache:
    """Configs of every repo under ``roots``, each re-read only when its file changed.
    Safe to share between threads."""

    def __init__(self, roots: Sequence[Path]) -> None:
        self.roots = tuple(Path(r).expanduser().resolve() for r in roots)
        self._lock = threading.Lock()
        self._found: list[Found] | None = None
        self._walk = WalkReport()
        self._entries: dict[Path, tuple[FileStamp, LocalRepo]] = {}

    def forget_repos(self) -> None:
        """Walk the roots again on the next snapshot (repos added or removed)."""
        with self._lock:
            self._found = None

    def snapshot(self) -> ScanSnapshot:
        with self._lock:
            if self._found is None:
                walked = walk_roots(self.roots)
                self._found, self._walk = walked.projects, walked.report
            found_all = list(self._found)
            paths = [f.path for f in found_all]
            repos: list[LocalRepo] = []
            stamps: list[tuple[str, FileStamp]] = []
            reread = 0
            memo = ScanMemo()
            for found in found_all:
                path = found.path
                # Stamp before reading: a write racing the read shows up next time.
                stamp = _stamp(path)
                cached = self._entries.get(path)
                if cached is not None and cached[0] == stamp:
                    local = cached[1]
                else:
                    local = read_found(found, self.roots, memo)
                    reread += 1
                    self._entries[path] = (stamp, local)
                repos.append(local)
                stamps.append((str(path), stamp))
            for gone in set(self._entries) - set(paths):
                del self._entries[gone]
        return ScanSnapshot(tuple(repos), tuple(stamps), reread, self._walk)
