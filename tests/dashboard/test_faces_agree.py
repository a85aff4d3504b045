"""One installation, one repo set, three faces: the dashboard's Overview, the
notebook's ``overview()`` and ``sk-tracker audit --json`` / ``discover --all --json``
find the same counts per state, provider and workspace.

The repo set is the demo's (bound, legacy, two stale, unbound, broken YAML) plus the
cases the faces once counted differently: a second claim on one binding (conflict),
a ref the host never issued and a slug the host does not know (a provider but no
workspace).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from tests.dashboard.conftest import Dashboard, start
from tests.support.repos import COMMON, make_repo, project_section, tracker_section
from tracker_core.tables.health import NO_PROVIDER, NO_WORKSPACE
from tracker_core.tables.notebook import connect
from tracker_core.tables.palette import REPO_STATES, RESOURCE_STATES
from tracker_host import seed

Key = tuple[str, str]

# The Overview's count columns for each repo state.
STATE_COLUMNS = {"bound": "repos_bound", **{s: s for s in REPO_STATES if s != "bound"}}


def add_disputed_repos(root: Path) -> None:
    pipeline = seed.DATA_PIPELINE
    twin = project_section(pipeline.project_slug, pipeline.project_uuid) + COMMON
    twin += tracker_section(
        pipeline.provider, binding_ref=pipeline.binding_ref, project_slug=pipeline.project_slug
    )
    for name in ("pipeline", "pipeline-copy"):  # two repos claim one binding: conflict
        make_repo(root, name, twin)
    never = project_section("orphan", "6f1c2d3e-4b5a-4978-8a6b-5c4d3e2f1a0b") + COMMON
    never += tracker_section(
        "jira", binding_ref="srm_01JZZZZZZZZZZZZZZZZZZZZZZZ", project_slug="orphan"
    )
    make_repo(root, "orphan", never)
    gone = project_section("gone", "0e9d8c7b-6a5f-4e4d-9c3b-2a1f0e9d8c7b") + COMMON
    gone += tracker_section("github", project_slug="gone")
    make_repo(root, "gone", gone)


def cli_json(*args: str) -> Any:
    """``sk-tracker ARGS`` with this test's environment; its JSON output."""
    run = subprocess.run(
        [sys.executable, "-m", "tracker_cli", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr  # 1: some repo needs action
    assert "Traceback" not in run.stderr, run.stderr
    return json.loads(run.stdout)


def repo_counts(frame: pd.DataFrame) -> Counter[tuple[str, str, str]]:
    """(provider, workspace, state) → repos, from an overview table."""
    out: Counter[tuple[str, str, str]] = Counter()
    for row in frame.itertuples(index=False):
        for state, column in STATE_COLUMNS.items():
            n = int(getattr(row, column))
            if n:
                out[(str(row.provider), str(row.workspace), state)] += n
    return out


def resource_counts(frame: pd.DataFrame) -> Counter[tuple[str, str, str]]:
    out: Counter[tuple[str, str, str]] = Counter()
    for row in frame.itertuples(index=False):
        for status in RESOURCE_STATES:
            if int(getattr(row, status)):
                out[(str(row.provider), str(row.workspace), status)] += int(getattr(row, status))
    return out


def test_dashboard_notebook_and_cli_count_the_same(dash: Dashboard) -> None:
    add_disputed_repos(dash.root)

    # Dashboard: the Overview's per-workspace table.
    at = start(dash)
    tables = [df.value for df in at.dataframe if "pending_upgrades" in df.value.columns]
    per_workspace = next(t for t in tables if "workspace" in t.columns)

    # Notebook: Workspace.overview() over the same roots.
    with connect() as ws:
        notebook = ws.overview()

    # CLI: the audit's repos and discovery's resources, counted here by key.
    audit = cli_json("audit", "--json", str(dash.root))
    cli_repos: Counter[tuple[str, str, str]] = Counter(
        (
            r["provider"] or NO_PROVIDER,
            r["workspace"] or NO_WORKSPACE,
            r["state"].split(":", 1)[0],
        )
        for r in audit["repos"]
    )
    discovered = cli_json("discover", "--all", "--json")
    cli_resources: Counter[tuple[str, str, str]] = Counter(
        (
            r["provider"],
            r["provider_context"].get("workspace_name") or NO_WORKSPACE,
            r["binding_status"],
        )
        for r in discovered
    )

    # The set exercises what the faces once disagreed on.
    assert {s for _, _, s in cli_repos} >= {"bound", "legacy", "stale", "unbound", "conflict"}
    assert any(p == NO_PROVIDER for p, _, _ in cli_repos)  # unbound and broken repos
    assert any(p != NO_PROVIDER and w == NO_WORKSPACE for p, w, _ in cli_repos)

    assert repo_counts(per_workspace) == repo_counts(notebook) == cli_repos
    assert resource_counts(per_workspace) == resource_counts(notebook) == cli_resources
    assert sum(cli_repos.values()) == len(audit["repos"]) == int(notebook["repos"].sum())
    states: Counter[str] = Counter()
    for (_, _, state), n in cli_repos.items():
        states[state] += n
    assert dict(states) == audit["counts"]

    # The headline figures are the same totals.
    metrics = {m.label: int(m.value) for m in at.metric}
    assert metrics["Resources"] == sum(cli_resources.values())
    assert metrics["Bound repos"] == states["bound"] and metrics["Stale"] == states["stale"]
    assert metrics["Misconfigured"] == states["misconfigured"]
