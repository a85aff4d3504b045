"""A repo scan that re-reads only the configs that changed.

A long-running face (the dashboard) looks at the same roots again and again. The
walk for projects is kept until ``forget_repos()``; each ``snapshot()`` then costs one
``stat`` per repo, and a config is parsed again only when its file changed (mtime,
size or inode: atomic writes replace the inode). The snapshot's ``fingerprint``
changes exactly when some config (or the set of repos) changed, so it is a cache
key for anything derived from the scan, such as an audit. ``stamped()`` gives the
fingerprint before any config is read, and reads them as they are asked for.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tracker_core.local.scan import LocalRepo, ScanMemo, read_found
from tracker_core.local.walk import CONFIG, ConfigProbe, Found, WalkReport, walk_roots

FileStamp = tuple[int, int, int] | None  # (mtime_ns, size, inode); None: no file
Fingerprint = tuple[tuple[str, FileStamp], ...]


def fingerprint_key(fingerprint: Fingerprint) -> str:
    """A digest of ``fingerprint``: equal exactly when the fingerprints are, and cheap
    to hash again on every rerun of a page (5,000 stamps are not)."""
    return hashlib.sha256(repr(fingerprint).encode()).hexdigest()


@dataclass(frozen=True)
class ScanSnapshot:
    repos: tuple[LocalRepo, ...]
    fingerprint: Fingerprint
    reread: int  # configs parsed for this snapshot (0 when nothing changed)
    walk: WalkReport = field(default_factory=WalkReport)  # skipped folders, plain git repos


def _stamp(config: str) -> FileStamp:
    try:
        st = os.stat(config)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class StampedScan:
    """Every config stamped (one ``stat`` each) but none read yet: ``fingerprint`` is
    known at once, and ``repos()`` reads the changed configs as it is iterated, so
    an audit can fetch the host's listings while they are parsed."""

    def __init__(
        self,
        cache: RepoScanCache,
        items: tuple[tuple[Found, FileStamp], ...],
        walk: WalkReport,
        fresh: bool = False,
    ) -> None:
        self._cache = cache
        self._items = items
        self.walk = walk
        self._fresh = fresh  # stamped by the walk itself: its look at each config holds
        self.fingerprint: Fingerprint = tuple((str(f.path), stamp) for f, stamp in items)
        self.reread = 0  # configs parsed so far by repos()
        self._memo = ScanMemo()  # what this scan works out once for many projects

    @property
    def key(self) -> str:
        return fingerprint_key(self.fingerprint)

    def repos(self) -> Iterator[LocalRepo]:
        for found, stamp in self._items:
            probe = found.probe if self._fresh else None
            local, parsed = self._cache.read(found, stamp, self._memo, probe)
            self.reread += parsed
            yield local


class RepoScanCache:
    """Configs of every repo under ``roots``, each re-read only when its file changed.
    Safe to share between threads."""

    def __init__(self, roots: Sequence[Path]) -> None:
        self.roots = tuple(Path(r).expanduser().resolve() for r in roots)
        self._lock = threading.Lock()
        self._found: list[tuple[Found, str]] | None = None  # with its config's path
        self._walk = WalkReport()
        self._entries: dict[Path, tuple[FileStamp, LocalRepo]] = {}

    def forget_repos(self) -> None:
        """Walk the roots again on the next snapshot (repos added or removed)."""
        with self._lock:
            self._found = None

    def stamped(self) -> StampedScan:
        with self._lock:
            found = self._found
            fresh = found is None
            if found is None:
                walked = walk_roots(self.roots)
                found = self._found = [(f, os.path.join(f.path, CONFIG)) for f in walked.projects]
                self._walk = walked.report
            # Stamp before reading: a write racing the read shows up next time. A walk
            # just made has looked at every config: that look is the stamp, and the
            # read needs no second one (one pass over the disk, as the library's scan).
            items = tuple(
                (f, f.probe.stamp if fresh and f.probe else _stamp(config)) for f, config in found
            )
            for gone in set(self._entries) - {f.path for f, _ in items}:
                del self._entries[gone]
            return StampedScan(self, items, self._walk, fresh)

    def read(
        self, found: Found, stamp: FileStamp, memo: ScanMemo, probe: ConfigProbe | None = None
    ) -> tuple[LocalRepo, bool]:
        """The repo as its config stood at ``stamp``; whether it was parsed now.
        ``probe``: the walk's look at the config, when it was taken just now."""
        with self._lock:
            cached = self._entries.get(found.path)
        if cached is not None and cached[0] == stamp:
            return cached[1], False
        local = read_found(found, self.roots, memo, probe)
        with self._lock:
            self._entries[found.path] = (stamp, local)
        return local, True

    def snapshot(self) -> ScanSnapshot:
        scan = self.stamped()
        repos = tuple(scan.repos())
        return ScanSnapshot(repos, scan.fingerprint, scan.reread, scan.walk)
