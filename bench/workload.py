"""Generated workloads: an installation for the reference host and a folder of repos.

`installation(resources, providers, mapped)` builds a ``POST /api/v1/dev/load`` body:
`resources` spread over `providers` (several workspaces each) and `mapped` mappings
(mostly active; some disabled, some deleted tombstones). Binding refs are chosen here,
so the repos can be written without asking the host first.

`write_repos(root, n, state)` lays out `n` repos under `root` cycling through every
audit state (`MIX`): bound, legacy (upgradable or not), stale deleted / disabled /
project mismatch, unbound, misconfigured, and refs the host never issued (these are
the only ones the audit has to `bind-validate`). Among them sit the folders a scan
must skip or enter: `node_modules`, hidden folders, `build/` and a virtualenv with an ordinary name.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker_host.demo_repos import (
    COMMON_SECTIONS,
    project_section,
    tracker_section,
    write_repo,
)

PROVIDERS = ("linear", "jira", "github", "gitlab")
WORKSPACES_PER_PROVIDER = 8
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# Repo states in the proportions a large organisation might see; cycled in order.
MIX: tuple[tuple[str, int], ...] = (
    ("bound", 52),
    ("legacy", 8),
    ("legacy-unknown", 2),
    ("stale-deleted", 6),
    ("stale-disabled", 6),
    ("stale-mismatch", 5),
    ("unbound", 11),
    ("misconfigured", 5),
    ("unknown-ref", 5),
)


@dataclass(frozen=True)
class MappingPlan:
    provider: str
    resource_key: str
    project_uuid: str
    project_slug: str
    status: str
    binding_ref: str


@dataclass
class Installation:
    payload: dict[str, Any]
    mappings: list[MappingPlan]
    resource_count: int

    def by_status(self, status: str) -> list[MappingPlan]:
        return [m for m in self.mappings if m.status == status]


@dataclass
class RepoSet:
    root: Path
    states: dict[str, str] = field(default_factory=dict)  # repo name -> planned state

    @property
    def count(self) -> int:
        return len(self.states)


def _ref(rng: random.Random) -> str:
    return "srm_" + "".join(rng.choice(CROCKFORD) for _ in range(26))


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def installation(
    resources: int, *, mapped: int, providers: tuple[str, ...] = PROVIDERS, seed: int = 7
) -> Installation:
    """`resources` resources over `providers`; the first `mapped` carry a mapping
    (about 80 % active, 10 % disabled, 10 % deleted)."""
    rng = random.Random(seed)
    installs: list[dict[str, Any]] = []
    keys: list[tuple[str, str]] = []
    per_provider = resources // len(providers)
    for p_index, provider in enumerate(providers):
        count = per_provider + (1 if p_index < resources % len(providers) else 0)
        workspaces: list[dict[str, Any]] = []
        for w in range(WORKSPACES_PER_PROVIDER):
            chunk = range(w, count, WORKSPACES_PER_PROVIDER)
            prefix = provider[:3].upper()
            items = [{"key": f"{prefix}-{i}", "name": f"{provider} resource {i}"} for i in chunk]
            keys.extend((provider, item["key"]) for item in items)
            workspaces.append(
                {
                    "name": f"{provider.title()} Workspace {w}",
                    "team_name": f"Team {w}",
                    "resources": items,
                }
            )
        installs.append({"provider": provider, "workspaces": workspaces})
    rng.shuffle(keys)
    plans: list[MappingPlan] = []
    for n, (provider, key) in enumerate(keys[:mapped]):
        status = "disabled" if n % 10 == 8 else "deleted" if n % 10 == 9 else "active"
        plans.append(MappingPlan(provider, key, _uuid(rng), f"proj-{n}", status, _ref(rng)))
    payload = {
        "installations": installs,
        "mappings": [
            {
                "provider": m.provider,
                "resource_key": m.resource_key,
                "project_uuid": m.project_uuid,
                "project_slug": m.project_slug,
                "status": m.status,
                "binding_ref": m.binding_ref,
            }
            for m in plans
        ],
    }
    return Installation(payload, plans, resources)


def planned_states(n: int) -> list[str]:
    """`n` states following `MIX`, interleaved so any prefix has every state."""
    cycle = [state for state, weight in MIX for _ in range(weight)]
    spread = [cycle[(i * 37) % len(cycle)] for i in range(len(cycle))]  # interleave
    return [spread[i % len(spread)] for i in range(n)]


def mappings_needed(n: int) -> int:
    """Mappings an installation needs so that `write_repos(n)` never runs out."""
    return n + 100


def _tracker(provider: str, *, ref: str | None, slug: str) -> str:
    context = {"workspace_name": f"{provider.title()} Workspace"}
    return tracker_section(provider, slug, ref, f"{slug} ({provider})", context)


def _decoys(root: Path) -> None:
    """Folders a scan must not descend into, each hiding something repo-shaped."""
    for holder in ("node_modules/left-pad", ".cache/tool", "build/out"):
        (root / holder / ".git").mkdir(parents=True)
    venv = root / "tools-env"  # a virtualenv with an ordinary name
    (venv / "lib/python3.11/site-packages/pkg/.git").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")


def write_repos(root: Path, n: int, inst: Installation, *, seed: int = 11) -> RepoSet:
    """`n` repos under `root` (in groups of 100, like an organisation's checkout
    folders), cycling through every state; uses `inst`'s mappings."""
    rng = random.Random(seed)
    pools = {s: iter(inst.by_status(s)) for s in ("active", "disabled", "deleted")}
    out = RepoSet(root)
    _decoys(root)
    for i, state in enumerate(planned_states(n)):
        name = f"repo-{i:05d}"
        folder = root / f"group-{i // 100:03d}"
        provider = PROVIDERS[i % len(PROVIDERS)]
        if state in ("bound", "legacy", "stale-mismatch"):
            m = next(pools["active"])
            project_uuid = m.project_uuid if state != "stale-mismatch" else _uuid(rng)
            ref = None if state == "legacy" else m.binding_ref
            config = project_section(m.project_slug, project_uuid) + COMMON_SECTIONS
            config += _tracker(m.provider, ref=ref, slug=m.project_slug)
        elif state in ("stale-deleted", "stale-disabled"):
            m = next(pools["deleted" if state == "stale-deleted" else "disabled"])
            config = project_section(m.project_slug, m.project_uuid) + COMMON_SECTIONS
            config += _tracker(m.provider, ref=m.binding_ref, slug=m.project_slug)
        elif state == "legacy-unknown":
            config = project_section(f"gone-{i}", _uuid(rng)) + COMMON_SECTIONS
            config += _tracker(provider, ref=None, slug=f"gone-{i}")
        elif state == "unknown-ref":  # issued elsewhere, or a typo: only a validate settles it
            config = project_section(f"elsewhere-{i}", _uuid(rng)) + COMMON_SECTIONS
            config += _tracker(provider, ref=_ref(rng), slug=f"elsewhere-{i}")
        elif state == "unbound":
            config = project_section(f"new-{i}", _uuid(rng)) + COMMON_SECTIONS
        else:  # misconfigured: YAML that does not parse
            config = project_section(f"broken-{i}", _uuid(rng)) + "tracker:\n  provider: [linear\n"
        write_repo(folder, name, config)
        out.states[name] = state
    return out
