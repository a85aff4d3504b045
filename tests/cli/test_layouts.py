"""The CLI over real spec-kitty layouts built with git: the audit table and JSON name
repos by their path under the root and group worktrees and clones; ``status`` agrees
with the audit; ``bind`` refuses flags it cannot honour (exit 2), moves a bound
project with ``--resource N`` and fixes a copied identity with ``--new-identity``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.support.host import HostHandle
from tests.support.layouts import Layout, bound_config, build_layout, git, new_repo, write_config
from tests.support.repos import config_bytes, mapped_repo
from tracker_core import load_config
from tracker_host import seed


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    return build_layout(tmp_path_factory.mktemp("cli-layout"))


def table_row(out: str, name: str) -> str:
    [line] = [line for line in out.splitlines() if line.startswith(name + " ")]
    return line


def test_audit_table_and_json_name_every_project_and_group_them(cli: Cli, layout: Layout) -> None:
    result = cli.run("audit", layout.root)
    assert result.code == 1, result  # the copied .kittify/ is a conflict
    for name in layout.names:
        table_row(result.out, name)  # exactly one row, named by its path under the root
    assert "  bound " in table_row(result.out, "web-frontend-hotfix")
    assert "worktree of web-frontend (branch hotfix)" in result.out
    assert "also checked out at team/b/data-pipeline" in result.out
    assert "--new-identity" in table_row(result.out, "copycat")
    assert "plain-git" not in {line.split(" ")[0] for line in result.out.splitlines()}
    footer = result.out.rstrip().splitlines()[-4:]
    assert "3 of these rows are worktrees sharing their main checkout's state" in footer
    assert any(
        line.startswith("skipped 1 folder: 1 node_modules (") and "web-frontend" in line
        for line in footer
    ), footer
    assert any(line.startswith("1 git repo(s) without .kittify/") for line in footer), footer

    data = cli.run("audit", layout.root, "--json").json()
    rows = {r["name"]: r for r in data["repos"]}
    assert set(rows) == set(layout.names)
    for name, row in rows.items():
        assert row["repo"] == str(layout.root.resolve() / name)
    early = rows["web-frontend/.worktrees/early-lane-a"]
    assert early["worktree_of"] == "web-frontend" and early["branch"] == "kitty/mission-early"
    assert early["state"] == "bound" and early["needs_action"] is False
    assert rows["team/a/data-pipeline"]["also_at"] == ["team/b/data-pipeline"]
    assert rows["copycat"]["conflicts_with"] == ["platform"]
    assert [s["reason"] for s in data["skipped"]] == ["node_modules"]
    assert data["git_repos_without_project"] == [str(layout.root.resolve() / "plain-git")]
    unclaimed = {u["binding_ref"] for u in data["not_found_locally"]}
    assert not unclaimed & {r["binding_ref"] for r in data["repos"] if r["binding_ref"]}


def test_status_in_a_worktree_agrees_with_the_audit_of_it(cli: Cli, layout: Layout) -> None:
    lane = layout.root / "web-frontend" / ".worktrees" / "checkout-lane-a"
    result = cli.run("status", "--json", cwd=lane)
    assert result.code == 0, result
    data = result.json()
    assert data["state"] == "bound" and data["branch"] == "kitty/mission-checkout-lane-a"
    assert data["binding_ref"] == seed.WEB_FRONTEND.binding_ref
    audit = cli.run("audit", lane, "--json")
    assert audit.code == 0 and [r["state"] for r in audit.json()["repos"]] == ["bound"]
    # A lane cut before the bind has no binding of its own: both say so.
    early = layout.root / "web-frontend" / ".worktrees" / "early-lane-a"
    assert cli.run("status", cwd=early).code == 1
    audit = cli.run("audit", early, "--json")
    assert audit.code == 1 and [r["state"] for r in audit.json()["repos"]] == ["unbound"]


def test_status_exits_1_where_the_audit_says_project_mismatch(cli: Cli, repos: Path) -> None:
    # A repo carrying another project's binding_ref (its own uuid).
    repo = new_repo(repos / "impostor", "https://github.com/acme-corp/impostor.git")
    text = bound_config(seed.PAYMENTS).replace(
        seed.PAYMENTS.project_uuid, "0f1e2d3c-0000-4000-8000-000000000001"
    )
    write_config(repo, text)
    audit = cli.run("audit", repo, "--json")
    assert [r["state"] for r in audit.json()["repos"]] == ["stale:project_mismatch"]
    result = cli.run("status", cwd=repo)
    assert result.code == 1, result
    assert result.one_error_line().startswith("error: stale:project_mismatch: ")
    assert "sk-tracker bind --provider jira" in result.err


def test_select_or_yes_on_a_bound_repo_is_a_usage_error(
    cli: Cli, host: HostHandle, repos: Path
) -> None:
    repo = mapped_repo(repos, seed.MY_PROJECT)
    before, counts = config_bytes(repo), host.mapping_counts()
    result = cli.run("bind", "-p", "linear", "--select", "2", "--yes", cwd=repo)
    assert result.code == 2, result
    assert "--select 2 cannot be used" in result.err and "--resource N" in result.err
    result = cli.run("bind", "-p", "linear", "--yes", cwd=repo)
    assert result.code == 2, result
    assert "--yes has nothing to replace" in result.err
    assert config_bytes(repo) == before and host.mapping_counts() == counts


def test_resource_n_moves_a_bound_project(cli: Cli, host: HostHandle, repos: Path) -> None:
    repo = mapped_repo(repos, seed.MY_PROJECT)
    listed = cli.run("discover", "-p", "linear", "--json").json()
    free = next(r for r in listed if not r["is_bound"])
    result = cli.run("bind", "-p", "linear", "--resource", str(free["number"]), "--yes", cwd=repo)
    assert result.code == 0, result
    tracker = load_config(repo).tracker
    assert tracker is not None and tracker.binding_ref != seed.MY_PROJECT.binding_ref
    assert tracker.display_label == free["display_label"]
    assert re.search(rf"replaced\s+{seed.MY_PROJECT.binding_ref}", result.out)
    assert cli.run("audit", repos).code == 0
    out_of_range = cli.run("bind", "-p", "linear", "--resource", "999", "--yes", cwd=repo)
    assert out_of_range.code == 1
    assert out_of_range.err_lines[-1].startswith("error: resource 999 is out of range")
    assert f"choose 1 to {len(listed)}" in out_of_range.err_lines[-1]
    both = cli.run("bind", "-p", "linear", "--resource", "1", "--select", "1", cwd=repo)
    assert both.code == 2


def test_new_identity_fixes_a_copied_kittify_without_touching_the_original(
    cli: Cli, host: HostHandle, repos: Path
) -> None:
    original = new_repo(repos / "platform", "https://github.com/acme-corp/platform.git")
    write_config(original, bound_config(seed.MY_PROJECT))
    git(original, "add", "-A")
    git(original, "commit", "-q", "-m", "init")
    copy = new_repo(repos / "copycat", "https://github.com/acme-corp/copycat.git")
    shutil.copytree(original / ".kittify", copy / ".kittify")
    before = config_bytes(original)

    audit = cli.run("audit", repos, "--json").json()
    guidance = next(r["guidance"] for r in audit["repos"] if r["name"] == "copycat")
    command = guidance.split("run: ")[1].split(" (")[0]
    assert command == f"sk-tracker bind --repo {copy.resolve()} --provider linear --new-identity"

    result = cli.run(*command.split()[1:], "--select", "1")
    assert result.code == 0, result
    project = load_config(copy).project
    assert project is not None and project.uuid != seed.MY_PROJECT.project_uuid
    assert config_bytes(original) == before
    after = {r["name"]: r["state"] for r in cli.run("audit", repos, "--json").json()["repos"]}
    assert after == {"platform": "bound", "copycat": "bound"}
