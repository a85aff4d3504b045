"""How the projects found under the roots relate: worktrees, copies and conflicts.

- A linked **worktree** belongs to its main checkout (the project at the same place
  in the main checkout): one project.
- Checkouts sharing a ``project.uuid`` are **copies** of one project (clones) when
  they sit at the same place in their repositories and have the same origin or,
  without one, a shared history (a common root commit).
- Otherwise two checkouts claiming one uuid or one ``binding_ref`` are different
  projects: a **conflict** (e.g. a ``.kittify/`` copied from another repo).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from tracker_core.local.git_facts import GitFacts, root_commits
from tracker_core.local.scan import LocalRepo


@dataclass(frozen=True)
class Conflict:
    claim: str  # "project uuid" | "binding_ref"
    value: str
    other: LocalRepo
    why: str  # what makes them different projects


@dataclass(frozen=True)
class Relation:
    worktree_of: LocalRepo | None = None  # the main checkout's project, under the roots
    copies: tuple[LocalRepo, ...] = ()  # other checkouts of the same project
    conflicts: tuple[Conflict, ...] = ()


def _uuid(repo: LocalRepo) -> str | None:
    cfg = repo.config
    return cfg.project.uuid if cfg is not None and cfg.project is not None else None


def _ref(repo: LocalRepo) -> tuple[str, str] | None:
    tracker = repo.config.tracker if repo.config is not None else None
    if tracker is None or not tracker.binding_ref:
        return None
    return (tracker.provider or "", tracker.binding_ref)


def _place(repo: LocalRepo) -> str | None:
    """Where the project sits in its checkout (``.`` at the top)."""
    if repo.git is None:
        return None
    return repo.path.relative_to(repo.git.top).as_posix()


def _origin(facts: GitFacts, origins: dict[Path, str | None] | None) -> str | None:
    if origins is None:
        return facts.origin
    if facts.common_dir not in origins:
        origins[facts.common_dir] = facts.origin
    return origins[facts.common_dir]


def same_project(
    a: LocalRepo, b: LocalRepo, origins: dict[Path, str | None] | None = None
) -> tuple[bool, str]:
    """Whether two checkouts claiming one uuid are one project, and if not, why.
    ``origins``: the origins already read by repository (n clones make n² pairs)."""
    if a.git is None or b.git is None:
        lone = a if a.git is None else b
        return False, f"{lone.label} is not in a git checkout, so nothing shows a shared origin"
    if _place(a) != _place(b):
        return False, f"they are different folders of their repositories ({_place(a)}, {_place(b)})"
    if a.git.common_dir == b.git.common_dir:
        return True, "one repository"
    origin_a, origin_b = _origin(a.git, origins), _origin(b.git, origins)
    if origin_a and origin_b:
        if origin_a == origin_b:
            return True, "same origin"
        return False, f"their origins differ ({origin_a}, {origin_b})"
    if root_commits(a.git) & root_commits(b.git):
        return True, "shared history"
    return False, "their git histories are unrelated"


class _Clusters:
    """Union-find over paths, with path compression: n clones of one project are
    one cluster after n - 1 unions, and every later look-up is short."""

    def __init__(self) -> None:
        self.parent: dict[Path, Path] = {}

    def find(self, p: Path) -> Path:
        root = p
        while (up := self.parent.get(root, root)) != root:
            root = up
        while p != root:
            self.parent[p], p = root, self.parent[p]
        return root

    def union(self, a: Path, b: Path) -> None:
        self.parent[self.find(a)] = self.find(b)


def relate(repos: Sequence[LocalRepo]) -> dict[Path, Relation]:
    """The relation of each project that has one (worktree, copies or conflicts)."""
    by_path = {r.path: r for r in repos}
    worktree_of: dict[Path, LocalRepo] = {}
    for r in repos:
        g = r.git
        if g is not None and g.main_top is not None:
            main = by_path.get(g.main_top / r.path.relative_to(g.top))
            if main is not None and main.path != r.path:
                worktree_of[r.path] = main
    checkouts = [r for r in repos if r.path not in worktree_of]

    by_uuid: dict[str, list[LocalRepo]] = defaultdict(list)
    for r in checkouts:
        if (u := _uuid(r)) is not None:
            by_uuid[u].append(r)
    clusters = _Clusters()
    origins: dict[Path, str | None] = {}
    differ: dict[tuple[Path, Path], str] = {}
    for group in by_uuid.values():
        for a, b in combinations(group, 2):
            if clusters.find(a.path) == clusters.find(b.path):
                continue  # already one project through others: never a conflict
            same, why = same_project(a, b, origins)
            if same:
                clusters.union(a.path, b.path)
            else:
                differ[(a.path, b.path)] = differ[(b.path, a.path)] = why

    conflicts: dict[Path, list[Conflict]] = defaultdict(list)
    for value, group in by_uuid.items():
        for a, b in combinations(group, 2):
            if clusters.find(a.path) != clusters.find(b.path):
                why = differ[(a.path, b.path)]
                conflicts[a.path].append(Conflict("project uuid", value, b, why))
                conflicts[b.path].append(Conflict("project uuid", value, a, why))
    by_ref: dict[tuple[str, str], list[LocalRepo]] = defaultdict(list)
    for r in checkouts:
        if (ref := _ref(r)) is not None:
            by_ref[ref].append(r)
    for (_, ref_value), group in by_ref.items():
        for a, b in combinations(group, 2):
            if clusters.find(a.path) == clusters.find(b.path):
                continue
            ua, ub = _uuid(a), _uuid(b)
            if ua != ub:
                why = f"they are different projects (uuid {ua or 'none'}, {ub or 'none'})"
            elif ua is not None:
                continue  # already a uuid conflict
            else:  # neither has an identity: copies of one project, or not
                same, why = same_project(a, b, origins)
                if same:
                    continue
            conflicts[a.path].append(Conflict("binding_ref", ref_value, b, why))
            conflicts[b.path].append(Conflict("binding_ref", ref_value, a, why))

    members: dict[Path, list[LocalRepo]] = defaultdict(list)
    for r in checkouts:
        members[clusters.find(r.path)].append(r)
    # Only clusters of several checkouts give a repo copies.
    shared = {c.path: group for group in members.values() if len(group) > 1 for c in group}
    out: dict[Path, Relation] = {}
    for r in repos:
        main = worktree_of.get(r.path)
        if main is not None:
            out[r.path] = Relation(worktree_of=main)
            continue
        group = shared.get(r.path, [])
        copies = tuple(c for c in group if c.path != r.path)
        found = tuple(conflicts.get(r.path, ()))
        if copies or found:
            out[r.path] = Relation(copies=copies, conflicts=found)
    return out
