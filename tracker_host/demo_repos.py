"""Demo repositories on disk, one per binding state, consistent with the demo seed.

`write_demo_repos(root)` writes under `root` (created if needed; existing demo repos
are rewritten):

- ``my-project`` — bound (linear): MY_PROJECT's binding_ref, slug, label and context;
- ``billing-service`` — legacy (linear): provider + project_slug only; the host knows
  the ref, so a status call by slug returns it (upgrade pending);
- ``search-indexer`` — stale-deleted (linear): the ref of the deleted DELETED_SEARCH;
- ``crm-sync`` — stale-disabled (jira): the ref of the disabled DISABLED_CRM;
- ``mobile-app`` — unbound: no tracker section; its slug gets a high-confidence candidate;
- ``broken-config`` — broken-yaml: the file does not parse.

Each repo has a `.git/` (HEAD and a config with an `origin` remote, so identity
derivation finds the repo name) and a `.kittify/config.yaml` written as plain text,
laid out like spec-kitty's own configs (project, vcs, agents, then tracker).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import seed

STATES: tuple[str, ...] = (
    "bound",
    "legacy",
    "stale-deleted",
    "stale-disabled",
    "unbound",
    "broken-yaml",
)


@dataclass(frozen=True)
class DemoRepo:
    name: str
    path: Path
    state: str
    provider: str | None
    binding_ref: str | None
    project_slug: str | None
    project_uuid: str | None


# The sections every generated config carries besides project and tracker (the bench's
# generated repos use the same layout).
COMMON_SECTIONS = """vcs:
  type: git
agents:
  available:
  - claude
  - codex
  selection:
    preferred_implementer: claude
    preferred_reviewer: codex
  auto_commit: true
"""


def project_section(slug: str, uuid: str) -> str:
    return f"project:\n  uuid: {uuid}\n  slug: {slug}\n  node_id: {seed.NODE_ID}\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tracker_section(
    provider: str,
    project_slug: str,
    binding_ref: str | None = None,
    display_label: str | None = None,
    context: dict[str, str] | None = None,
) -> str:
    """A ``tracker:`` section: slug only (legacy) without ``binding_ref``, else the
    ref with its label and provider context."""
    lines = ["tracker:", f"  provider: {provider}"]
    if binding_ref:
        lines.append(f"  binding_ref: {binding_ref}")
    lines.append(f"  project_slug: {project_slug}")
    if binding_ref:
        lines.append(f"  display_label: {_quoted(display_label or project_slug)}")
        lines.append("  provider_context:")
        lines.extend(f"    {key}: {_quoted(value)}" for key, value in (context or {}).items())
    return "\n".join(lines) + "\n"


def _seed_tracker(mapping: seed.SeedMapping, *, with_ref: bool) -> str:
    if not with_ref:
        return tracker_section(mapping.provider, mapping.project_slug)
    return tracker_section(
        mapping.provider,
        mapping.project_slug,
        mapping.binding_ref,
        mapping.display_label,
        _seed_context(mapping),
    )


def _seed_context(mapping: seed.SeedMapping) -> dict[str, str]:
    state = seed.demo_state()
    for installation in state.installations:
        if installation.provider != mapping.provider:
            continue
        for workspace in installation.workspaces:
            for resource in workspace.resources:
                if resource.key == mapping.resource_key:
                    return workspace.provider_context(resource)
    raise LookupError(f"seed has no resource {mapping.resource_key!r}")


def _git(repo: Path, owner: str, name: str) -> None:
    git = repo / ".git"
    git.mkdir(parents=True, exist_ok=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (git / "config").write_text(
        "[core]\n"
        "\trepositoryformatversion = 0\n"
        "\tfilemode = true\n"
        "\tbare = false\n"
        '[remote "origin"]\n'
        f"\turl = https://github.com/{owner}/{name}.git\n"
        "\tfetch = +refs/heads/*:refs/remotes/origin/*\n",
        encoding="utf-8",
    )


def write_repo(root: Path, name: str, config: str, owner: str = "acme-corp") -> Path:
    """A repo folder as git and spec-kitty lay it out: ``.git/`` with an ``origin``
    remote (identity derivation reads the name from it) and ``.kittify/config.yaml``."""
    repo = root / name
    (repo / ".kittify").mkdir(parents=True, exist_ok=True)
    _git(repo, owner, name)
    (repo / ".kittify" / "config.yaml").write_text(config, encoding="utf-8")
    (repo / "README.md").write_text(f"# {name}\n\nA demo repository.\n", encoding="utf-8")
    return repo


def write_demo_repos(root: Path) -> list[DemoRepo]:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    repos: list[DemoRepo] = []

    def bound_like(mapping: seed.SeedMapping, state: str, *, with_ref: bool) -> None:
        config = (
            project_section(mapping.project_slug, mapping.project_uuid)
            + COMMON_SECTIONS
            + _seed_tracker(mapping, with_ref=with_ref)
        )
        path = write_repo(root, mapping.project_slug, config)
        repos.append(
            DemoRepo(
                name=mapping.project_slug,
                path=path,
                state=state,
                provider=mapping.provider,
                binding_ref=mapping.binding_ref,
                project_slug=mapping.project_slug,
                project_uuid=mapping.project_uuid,
            )
        )

    bound_like(seed.MY_PROJECT, "bound", with_ref=True)
    # The host knows this slug's ref: a status call by slug returns it (upgrade pending).
    bound_like(seed.LEGACY_BILLING, "legacy", with_ref=False)
    bound_like(seed.DELETED_SEARCH, "stale-deleted", with_ref=True)
    bound_like(seed.DISABLED_CRM, "stale-disabled", with_ref=True)

    unbound = seed.UNBOUND_PROJECT
    path = write_repo(
        root,
        unbound.project_slug,
        project_section(unbound.project_slug, unbound.project_uuid) + COMMON_SECTIONS,
    )
    repos.append(
        DemoRepo(
            name=unbound.project_slug,
            path=path,
            state="unbound",
            provider=None,
            binding_ref=None,
            project_slug=unbound.project_slug,
            project_uuid=unbound.project_uuid,
        )
    )

    broken = (
        "project:\n"
        "  uuid: 0b6c1f8e-5d2a-4c3b-9e7f-1a2b3c4d5e6f\n"
        "  slug: broken-config\n"
        "vcs:\n"
        "  type: git\n"
        "tracker:\n"
        "  provider: linear\n"
        '  binding_ref: "srm_unterminated\n'
        "  project_slug: [broken-config\n"
    )
    path = write_repo(root, "broken-config", broken)
    repos.append(
        DemoRepo(
            name="broken-config",
            path=path,
            state="broken-yaml",
            provider=None,
            binding_ref=None,
            project_slug=None,
            project_uuid=None,
        )
    )
    return repos
