"""bind-resolve policy: rank the resources a project may bind against its identity.

- high: the resource's key or name equals (kebab-case) the project slug or the name
  part of the repo slug (``acme/my-project`` → ``my-project``);
- medium: they share a word (``search-indexer`` ~ "Search Service");
- low: every other bindable resource of the installation.

Order: confidence desc, then display_label case-insensitively, then as-is (then the
resource id, so equal labels stay deterministic). The exact-match rule (an active
mapping for the project) lives with the store, not here: it needs no ranking.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

CONFIDENCE_RANK = {"high": 0, "medium": 1, "low": 2}


def kebab(text: str) -> str:
    """``"My Project"`` / ``"my_project"`` / ``"MyProject"`` → ``"my-project"``."""
    spaced = _CAMEL.sub("-", text.strip())
    return _NON_ALNUM.sub("-", spaced.lower()).strip("-")


def words(text: str) -> set[str]:
    """Meaningful words of a name: at least two characters and not just digits."""
    return {w for w in kebab(text).split("-") if len(w) >= 2 and not w.isdigit()}


@dataclass(frozen=True)
class Bindable:
    resource_id: str
    key: str
    name: str
    display_label: str
    workspace_name: str


@dataclass(frozen=True)
class RankedCandidate:
    resource: Bindable
    confidence: str
    match_reason: str


def _targets(project_slug: str, repo_slug: str | None) -> list[tuple[str, str]]:
    """(kebab name, how to describe it) pairs the project is known by."""
    targets: list[tuple[str, str]] = []
    slug = kebab(project_slug)
    if slug:
        targets.append((slug, f"the project slug {project_slug!r}"))
    if repo_slug:
        repo_name = kebab(repo_slug.rstrip("/").rsplit("/", 1)[-1])
        if repo_name and repo_name != slug:
            targets.append((repo_name, f"the repository name {repo_name!r}"))
    return targets


def classify(
    resource: Bindable, targets: list[tuple[str, str]], target_words: list[tuple[set[str], str]]
) -> tuple[str, str]:
    name, key = kebab(resource.name), kebab(resource.key)
    key_tail = kebab(resource.key.rsplit("/", 1)[-1])
    for target, described in targets:
        if name == target:
            return "high", f"Name {resource.name!r} matches {described}."
        if target in (key, key_tail):
            return "high", f"Key {resource.key!r} matches {described}."
    resource_words = words(resource.name) | words(resource.key.rsplit("/", 1)[-1])
    for project_words, described in target_words:
        shared = sorted(project_words & resource_words)
        if shared:
            return "medium", f"Shares {', '.join(repr(w) for w in shared)} with {described}."
    return "low", f"Available in {resource.workspace_name}."


def sort_key(display_label: str, confidence: str, resource_id: str) -> tuple[int, str, str, str]:
    return (CONFIDENCE_RANK[confidence], display_label.casefold(), display_label, resource_id)


def rank_candidates(
    project_slug: str, repo_slug: str | None, resources: Iterable[Bindable]
) -> list[RankedCandidate]:
    """Every given resource, classified and in sort_position order."""
    targets = _targets(project_slug, repo_slug)
    target_words = [(words(target), described) for target, described in targets]
    ranked = []
    for resource in resources:
        confidence, reason = classify(resource, targets, target_words)
        ranked.append(RankedCandidate(resource, confidence, reason))
    ranked.sort(
        key=lambda c: sort_key(c.resource.display_label, c.confidence, c.resource.resource_id)
    )
    return ranked
