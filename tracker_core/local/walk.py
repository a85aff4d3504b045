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
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
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
class Found:
    """A project folder and the root it was found under."""

    path: Path
    root: Path
    name: str  # its path relative to the root (the root's own name for the root)
    git_top: Path | None  # the enclosing git checkout (the folder holding ``.git``)


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


def _is_config(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, CONFIG))


def _walk_root(
    start: Path, max_depth: int, found: dict[Path, Found], skipped: list[Skipped], git: set[Path]
) -> None:
    top_above = _git_top_above(start)
    stack: list[tuple[str, int, str | None]] = [
        (str(start), 0, str(top_above) if top_above else None)
    ]
    while stack:
        folder, depth, git_top = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            skipped.append(Skipped(Path(folder), "unreadable"))
            continue
        names = {e.name for e in entries}
        if any(marker in names for marker in CONTENT_MARKERS):
            continue
        if ".git" in names:
            git_top = folder
        if ".kittify" in names and _is_config(folder):
            path = Path(folder)
            if path not in found:
                rel = path.relative_to(start).as_posix()
                found[path] = Found(
                    path,
                    start,
                    start.name if rel == "." else rel,
                    Path(git_top) if git_top else None,
                )
        elif ".git" in names:
            git.add(Path(folder))
        for entry in entries:
            name = entry.name
            if name in INTERNAL_DIRS:
                continue
            try:
                if not entry.is_dir(follow_symlinks=False):
                    continue
            except OSError:
                continue
            if name in NAMED_SKIPS:
                skipped.append(Skipped(Path(entry.path), name))
            elif depth >= max_depth:
                skipped.append(Skipped(Path(entry.path), "depth"))
            else:
                stack.append((entry.path, depth + 1, git_top))


def walk_roots(roots: Iterable[Path], *, max_depth: int = MAX_DEPTH) -> Walk:
    """Every project under ``roots`` (a root that is itself a project counts), sorted
    by path, with what the walk skipped. A folder under two roots is found once."""
    found: dict[Path, Found] = {}
    skipped: list[Skipped] = []
    git: set[Path] = set()
    for root in roots:
        start = Path(root).expanduser().resolve()
        if start.is_dir():
            _walk_root(start, max_depth, found, skipped, git)
    projects = sorted(found.values(), key=lambda f: f.path)
    _qualify_duplicate_names(projects)
    report = WalkReport(
        tuple(sorted(skipped, key=lambda s: s.path)),
        tuple(sorted(git - {f.git_top for f in projects})),
        max_depth,
    )
    return Walk(projects, report)


def _qualify_duplicate_names(projects: list[Found]) -> None:
    """Two roots may each hold a ``team/api``: prefix those names with their root's."""
    counts = Counter(f.name for f in projects)
    for i, f in enumerate(projects):
        if counts[f.name] > 1:
            projects[i] = Found(f.path, f.root, f"{f.root.name}/{f.name}", f.git_top)


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
