"""``sk-tracker audit`` end to end: a folder holding repos in every state, the
"not found locally" section, the JSON shape, --apply-upgrades and exit codes."""

from __future__ import annotations

import os
import re
import shutil
import socket
from pathlib import Path

from tests.cli.conftest import Cli, Result
from tests.support.repos import (
    COMMON,
    config_bytes,
    make_repo,
    mapped_repo,
    project_section,
    tracker_section,
)
from tracker_core import load_config
from tracker_host import seed
from tracker_host.demo_repos import write_demo_repos

EXPECTED = {
    "my-project": "bound",
    "billing-service": "legacy",
    "orphan-service": "legacy",
    "search-indexer": "stale:mapping_deleted",
    "crm-sync": "stale:mapping_disabled",
    "payments-fork": "stale:project_mismatch",
    "mobile-app": "unbound",
    "team-data/pipeline-a": "conflict",
    "team-data/pipeline-b": "conflict",
    "broken-config": "misconfigured:",
    "wrong-types": "misconfigured:",
}
REPO_KEYS = {
    "name",
    "repo",
    "worktree_of",
    "branch",
    "also_at",
    "conflicts_with",
    "provider",
    "workspace",
    "binding_ref",
    "project_slug",
    "display_label",
    "state",
    "reason",
    "guidance",
    "pending_binding_ref",
    "needs_action",
}


def every_state(root: Path) -> Path:
    """The demo repos plus the states they lack, some nested one level deeper."""
    write_demo_repos(root)
    config = project_section("orphan-service", "0c3e9a55-7c1e-4f61-9b1a-8d2f0e7a6b5c") + COMMON
    make_repo(root, "orphan-service", config + tracker_section("linear", project_slug="orphan"))
    pay = seed.PAYMENTS
    config = project_section("payments-fork", "9b0f7d1e-2c3a-4b5d-8e6f-7a8b9c0d1e2f") + COMMON
    make_repo(root, "payments-fork", config + tracker_section("jira", binding_ref=pay.binding_ref))
    team = root / "team-data"
    dp = seed.DATA_PIPELINE
    for name in ("pipeline-a", "pipeline-b"):  # a copied folder: one project claimed twice
        config = project_section(dp.project_slug, dp.project_uuid) + COMMON
        make_repo(team, name, config + tracker_section("linear", binding_ref=dp.binding_ref))
    make_repo(root, "wrong-types", "project:\n  uuid: 1\ntracker: [linear, 2]\n")
    return root


def rows_by_repo(result: Result) -> dict[str, str]:
    """Repo name → its row, from the plain (piped) table."""
    lines = result.out.splitlines()
    rows = {}
    for name in EXPECTED:
        matching = [line for line in lines if line.startswith(name + " ")]
        assert len(matching) == 1, (name, result.out)
        rows[name] = matching[0]
    return rows


def test_audit_reports_every_state_and_exits_1(cli: Cli, repos: Path) -> None:
    root = every_state(repos)
    before = {p: p.read_bytes() for p in root.rglob("config.yaml")}

    result = cli.run("audit", root)

    assert result.code == 1, result
    assert result.out.startswith("Repositories\n")
    header = result.out.splitlines()[1].split()
    assert header[:2] == ["Repo", "Provider"] and header[-2:] == ["State", "Guidance"]
    rows = rows_by_repo(result)
    for name, state in EXPECTED.items():
        assert f"  {state}" in rows[name], rows[name]
    assert seed.LEGACY_BILLING.binding_ref in rows["billing-service"]
    assert "sk-tracker audit --apply-upgrades" in rows["billing-service"]
    assert "sk-tracker bind --provider linear" in rows["search-indexer"]
    assert "sk-tracker bind --provider jira" in rows["crm-sync"]
    assert "team-data/pipeline-b" in rows["team-data/pipeline-a"]
    assert "never overwrites" in rows["broken-config"]

    section = result.out.split("Not found locally")[1]
    listed = {m.binding_ref for m in seed.MAPPINGS if m.binding_ref in section}
    assert listed == {seed.WEB_FRONTEND.binding_ref, seed.INFRA_TOOLS.binding_ref}
    assert result.out.rstrip().splitlines()[-1] == (
        "bound: 1, conflict: 2, legacy: 2, misconfigured: 2, stale: 3, unbound: 1"
    )
    assert result.err == ""
    # An audit reads; with upgrade pending it still writes nothing.
    assert {p: p.read_bytes() for p in root.rglob("config.yaml")} == before


def test_audit_json_shape(cli: Cli, repos: Path) -> None:
    root = every_state(repos)

    result = cli.run("audit", root, "--json")

    assert result.code == 1
    assert result.err == ""
    data = result.json()
    assert set(data) == {
        "repos",
        "not_found_locally",
        "provider_errors",
        "upgrades",
        "counts",
        "needs_action",
        "skipped",
        "git_repos_without_project",
    }
    states = {r["name"]: r["state"] for r in data["repos"]}
    for name, state in EXPECTED.items():
        assert states[name].startswith(state), (name, states[name])
    assert all(set(r) == REPO_KEYS for r in data["repos"])
    assert all(Path(r["repo"]).is_absolute() for r in data["repos"])
    legacy = next(r for r in data["repos"] if r["repo"].endswith("billing-service"))
    assert legacy["pending_binding_ref"] == seed.LEGACY_BILLING.binding_ref
    assert legacy["needs_action"] is True
    assert {(u["provider"], u["binding_ref"]) for u in data["not_found_locally"]} == {
        ("github", seed.WEB_FRONTEND.binding_ref),
        ("gitlab", seed.INFRA_TOOLS.binding_ref),
    }
    assert data["needs_action"] is True and data["upgrades"] == []
    assert data["provider_errors"] == {}
    assert data["counts"]["stale"] == 3


def test_audit_of_healthy_repos_exits_0(cli: Cli, repos: Path) -> None:
    for m in (seed.MY_PROJECT, seed.PAYMENTS, seed.WEB_FRONTEND):
        mapped_repo(repos, m)
    result = cli.run("audit", repos)
    assert result.code == 0, result
    assert result.out.rstrip().endswith("bound: 3")
    assert seed.INFRA_TOOLS.binding_ref in result.out.split("Not found locally")[1]


def test_apply_upgrades_writes_legacy_repos_and_exit_code_tracks_what_is_left(
    cli: Cli, repos: Path
) -> None:
    legacy = mapped_repo(repos, seed.LEGACY_BILLING, with_ref=False)
    mapped_repo(repos, seed.MY_PROJECT)
    head = config_bytes(legacy).split(b"tracker:")[0]

    result = cli.run("audit", repos, "--apply-upgrades")

    assert result.code == 0, result  # nothing left to act on
    assert f"upgraded billing-service to {seed.LEGACY_BILLING.binding_ref}" in result.out
    assert re.search(r"^billing-service .* bound ", result.out, re.M), result.out
    tracker = load_config(legacy).tracker
    assert tracker is not None and tracker.binding_ref == seed.LEGACY_BILLING.binding_ref
    assert config_bytes(legacy).startswith(head)
    assert cli.run("audit", repos).code == 0

    # With a stale repo beside a legacy one: the upgrade happens, the exit stays 1.
    shutil.rmtree(legacy)
    legacy = mapped_repo(repos, seed.LEGACY_BILLING, with_ref=False)
    mapped_repo(repos, seed.DELETED_SEARCH)
    result = cli.run("audit", repos, "--apply-upgrades", "--json")
    assert result.code == 1
    data = result.json()
    assert data["upgrades"] == [
        {
            "name": "billing-service",
            "repo": str(legacy),
            "binding_ref": seed.LEGACY_BILLING.binding_ref,
            "ok": True,
            "error": None,
        }
    ]
    assert {Path(r["repo"]).name: r["state"] for r in data["repos"]} == {
        "billing-service": "bound",
        "my-project": "bound",
        "search-indexer": "stale:mapping_deleted",
    }
    assert load_config(legacy).tracker.binding_ref == seed.LEGACY_BILLING.binding_ref  # type: ignore[union-attr]


def test_audit_with_the_host_down_marks_rows_unverified(cli: Cli, repos: Path) -> None:
    mapped_repo(repos, seed.MY_PROJECT)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{sock.getsockname()[1]}"

    result = cli.run("audit", repos, env={"SPEC_KITTY_SAAS_URL": down})

    assert result.code == 1, result
    assert re.search(r"^my-project .* unverified ", result.out, re.M), result.out
    assert "Traceback" not in result.err
    # The report still shows what is known locally, then one error line says why
    # the rest is unverified.
    assert len(result.err_lines) == 1, result.err
    assert result.err_lines[0].startswith("error: the host could not be read for ")
    assert "host unavailable" in result.err_lines[0]


def test_audit_of_an_empty_folder(cli: Cli, repos: Path) -> None:
    result = cli.run("audit", repos)
    assert result.code == 0, result
    assert "no repos found" in result.out


def test_audit_without_roots_uses_the_repo_roots_setting(cli: Cli, repos: Path) -> None:
    mapped_repo(repos / "a", seed.MY_PROJECT)
    mapped_repo(repos / "b", seed.DELETED_SEARCH)
    roots = os.pathsep.join([str(repos / "a"), str(repos / "b")])
    result = cli.run("audit", "--json", env={"SK_TRACKER_REPO_ROOTS": roots})
    assert result.code == 1, result
    assert {Path(r["repo"]).name: r["state"] for r in result.json()["repos"]} == {
        "my-project": "bound",
        "search-indexer": "stale:mapping_deleted",
    }
