"""Walk the repo roots for spec-kitty projects.

A project is a folder holding ``.kittify/config.yaml``, at any depth, nested in
another project or inside a git monorepo. The walk enters every folder (hidden ones
and ``.worktrees/`` included) except what it recognises by content: a Python
environment (``pyvenv.cfg``, ``conda-meta``), a cache (``CACHEDIR.TAG``), VCS
internals and spec-kitty's own ``.kittify/``. Folders skipped on their name alone
(package installs) or beyond the depth limit are reported, never dropped silently.
Symlinks are never followed. A git checkout without ``.kittify/`` is not a project;
it is counted for information.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

# A folder holding one of these is an environment or a cache, whatever it is called.
CONTENT_MARKERS = ("pyvenv.cfg", "conda-meta", "CACHEDIR.TAG")
# Never holding a project: VCS internals and spec-kitty's own folder.
INTERNAL_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", ".kittify"})
# Package installs: huge, never a project of this team. Skipped on their name, so
# each one is reported.
NAMED_SKIPS = frozenset({"node_modules", "site-packages"})
MAX_DEPTH = 32
CONFIG = os.path.join(".kittify", "config.yaml")


@dataclass(frozen=True)
class ConfigProbe:
    """What one ``lstat`` of a project's config says, so that reading it right after
    needs no further look: whether it is reached through a symlink (``.kittify`` or
    the file), its mtime (through the link; None when nothing is there) and whether
    it is a regular file (what makes the folder a project); ``stamp``: its mtime,
    size and inode, as a scan cache keys it (None when nothing is there)."""

    linked: bool
    mtime_ns: int | None
    is_file: bool
    stamp: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Found:
    """A project folder and the root it was found under."""

    path: Path
    root: Path
    name: str  # its path relative to the root (the root's own name for the root)
    git_top: Path | None  # the enclosing git checkout (the folder holding ``.git``)
    # Whether ``git_top/.git`` is a folder (False: a file, as in a linked worktree);
    # None when the walk did not see it (a checkout above the root).
    git_is_dir: bool | None = field(default=None, compare=False)
    # The config as the walk saw it: only for reading it within the same scan.
    probe: ConfigProbe | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str  # node_modules | site-packages | depth | unreadable


@dataclass(frozen=True)
class WalkReport:
    """What the walk left out or found besides projects, for the faces to show."""

    skipped: tuple[Skipped, ...] = ()
    git_repos: tuple[Path, ...] = ()  # git checkouts holding no project: for information
    max_depth: int = MAX_DEPTH

    def skipped_counts(self) -> dict[str, int]:
        return dict(Counter(s.reason for s in self.skipped))

    def skipped_summary(self, limit: int = 3) -> str:
        """One line: how many folders were skipped and where (a few examples)."""
        if not self.skipped:
            return ""
        parts = []
        for reason, count in sorted(self.skipped_counts().items()):
            label = f"deeper than {self.max_depth} levels" if reason == "depth" else reason
            paths = [str(s.path) for s in self.skipped if s.reason == reason]
            more = f", +{len(paths) - limit} more" if len(paths) > limit else ""
            parts.append(f"{count} {label} ({', '.join(paths[:limit])}{more})")
        total = len(self.skipped)
        return f"skipped {total} folder{'s' if total != 1 else ''}: " + "; ".join(parts)

    def notes(self, limit: int = 3) -> list[str]:
        """What every face shows under its list of projects: skipped folders, and
        git repos that are not spec-kitty projects (for information)."""
        lines = [self.skipped_summary(limit)] if self.skipped else []
        plain = self.git_repos
        if plain:
            shown = ", ".join(str(p) for p in plain[:limit])
            more = f", +{len(plain) - limit} more" if len(plain) > limit else ""
            lines.append(
                f"{len(plain)} git repo(s) without .kittify/ (not spec-kitty projects): "
                f"{shown}{more}"
            )
        return lines


@dataclass
class Walk:
    projects: list[Found] = field(default_factory=list)
    report: WalkReport = field(default_factory=WalkReport)


def _git_top_above(folder: Path) -> Path | None:
    for parent in folder.parents:
        if os.path.lexists(os.path.join(parent, ".git")):
            return parent
    return None


def probe_config(folder: str, kittify_linked: bool | None = None) -> ConfigProbe:
    """``folder``'s config as one ``lstat`` sees it (a second ``stat`` only through a
    symlink). ``kittify_linked``: whether ``.kittify`` is a symlink, when known."""
    path = os.path.join(folder, CONFIG)
    if kittify_linked is None:
        kittify_linked = os.path.islink(os.path.join(folder, ".kittify"))
    try:
        st = os.lstat(path)
    except OSError:
        return ConfigProbe(kittify_linked, None, False)
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(path)
        except OSError:
            return ConfigProbe(True, None, False)
        kittify_linked = True
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    return ConfigProbe(kittify_linked, st.st_mtime_ns, stat.S_ISREG(st.st_mode), stamp)


class _RootWalk:
    """One root's walk. Works on path strings and ``DirEntry`` type facts (no
    ``stat`` per folder, no ``Path`` per folder): a ``Path`` is made only for what
    is returned."""

    def __init__(self, start: Path, max_depth: int) -> None:
        self.start = start
        self.prefix = len(os.path.join(str(start), ""))
        self.max_depth = max_depth
        self.found: dict[str, Found] = {}
        self.skipped: list[Skipped] = []
        self.git: set[str] = set()
        self.git_is_dir: dict[str, bool | None] = {}  # checkout -> is its .git a folder
        self.tops: dict[str, Path] = {}  # the checkouts' paths, made once each

    def _project(self, folder: str, git_top: str | None, probe: ConfigProbe) -> None:
        path = Path(folder)
        rel = folder[self.prefix :].replace(os.sep, "/") or self.start.name
        top = None
        if git_top is not None:
            top = path if git_top == folder else self.tops.get(git_top) or Path(git_top)
            self.tops[git_top] = top
        is_dir = self.git_is_dir.get(git_top) if git_top else None
        self.found[folder] = Found(path, self.start, rel, top, is_dir, probe)

    def run(self) -> None:
        above = _git_top_above(self.start)
        if above is not None:
            self.tops[str(above)] = above
        stack: list[tuple[str, int, str | None]] = [
            (str(self.start), 0, str(above) if above else None)
        ]
        max_depth, skipped = self.max_depth, self.skipped
        while stack:
            folder, depth, git_top = stack.pop()
            try:
                with os.scandir(folder) as it:
                    entries = list(it)
            except OSError:
                skipped.append(Skipped(Path(folder), "unreadable"))
                continue
            subdirs: list[os.DirEntry[str]] = []
            kittify: os.DirEntry[str] | None = None
            dot_git: os.DirEntry[str] | None = None
            environment = False
            for entry in entries:
                name = entry.name
                if name in CONTENT_MARKERS:
                    environment = True
                    break
                if name in INTERNAL_DIRS:
                    # Never entered: a ``.git`` folder's insides hold no project.
                    if name == ".git":
                        dot_git = entry
                    elif name == ".kittify":
                        kittify = entry
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        subdirs.append(entry)
                except OSError:
                    continue
            if environment:
                continue
            if dot_git is not None:
                git_top = folder
                try:
                    self.git_is_dir[folder] = dot_git.is_dir()
                except OSError:
                    self.git_is_dir[folder] = None
            probe = probe_config(folder, kittify.is_symlink()) if kittify else None
            if probe is not None and probe.is_file:
                self._project(folder, git_top, probe)
            elif dot_git is not None:
                self.git.add(folder)
            for entry in subdirs:
                name = entry.name
                if name in NAMED_SKIPS:
                    skipped.append(Skipped(Path(entry.path), name))
                elif depth >= max_depth:
                    skipped.append(Skipped(Path(entry.path), "depth"))
                else:
                    stack.append((entry.path, depth + 1, git_top))


def walk_roots(roots: Iterable[Path], *, max_depth: int = MAX_DEPTH) -> Walk:
    """Every project under ``roots`` (a root that is itself a project counts), sorted
    by path, with what the walk skipped. A folder under two roots is found once."""
    found: dict[str, Found] = {}
    skipped: list[Skipped] = []
    git: set[str] = set()
    for root in roots:
        start = Path(root).expanduser().resolve()
        if start.is_dir():
            walk = _RootWalk(start, max_depth)
            walk.run()
            for key, f in walk.found.items():
                found.setdefault(key, f)
            skipped += walk.skipped
            git |= walk.git
    # Sorted as paths sort (part by part), on the strings.
    projects = sorted(found.values(), key=lambda f: str(f.path).split(os.sep))
    _qualify_duplicate_names(projects)
    tops = {str(f.git_top) for f in projects if f.git_top is not None}
    report = WalkReport(
        tuple(sorted(skipped, key=lambda s: s.path)),
        tuple(Path(g) for g in sorted(git - tops, key=lambda g: g.split(os.sep))),
        max_depth,
    )
    return Walk(projects, report)


def _qualify_duplicate_names(projects: list[Found]) -> None:
    """Two roots may each hold a ``team/api``: prefix those names with their root's."""
    counts = Counter(f.name for f in projects)
    for i, f in enumerate(projects):
        if counts[f.name] > 1:
            projects[i] = replace(f, name=f"{f.root.name}/{f.name}")


def name_in_roots(path: Path, roots: Iterable[Path]) -> str:
    """``path`` relative to the deepest root holding it (its folder name otherwise)."""
    best: Path | None = None
    for root in roots:
        r = Path(root).expanduser().resolve()
        inside = path == r or path.is_relative_to(r)
        if inside and (best is None or len(r.parts) > len(best.parts)):
            best = r
    if best is None or best == path:
        return path.name
    return path.relative_to(best).as_posix()
