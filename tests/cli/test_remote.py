"""``sk-tracker audit`` over git remotes (a sources file) and ``sk-tracker bind
--repo URL``: rows like local ones, a pushed branch, a refused push in one line."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.support.gitserve import (
    GitDaemon,
    HttpGitServer,
    git,
    git_daemon,
    git_http,
    git_user_env,
    make_bare,
)
from tests.support.repos import config_bytes
from tracker_host.demo_repos import write_demo_repos

__all__ = ["git_daemon", "git_http", "git_user_env"]


@pytest.fixture
def demo(tmp_path: Path) -> dict[str, bytes]:
    folder = tmp_path / "demo"
    write_demo_repos(folder)
    return {p.name: config_bytes(p) for p in folder.iterdir()}


def test_audit_a_list_of_remotes_from_a_sources_file(
    cli: Cli,
    git_daemon: GitDaemon,
    git_http: HttpGitServer,
    git_user_env: Path,
    demo: dict[str, bytes],
    tmp_path: Path,
) -> None:
    make_bare(
        git_daemon.root,
        "acme/platform",
        {
            ".kittify/config.yaml": demo["my-project"],
            "apps/mobile/.kittify/config.yaml": demo["mobile-app"],
        },
    )
    make_bare(git_http.root, "acme/crm", {".kittify/config.yaml": demo["crm-sync"]})
    sources = tmp_path / "remotes.txt"
    sources.write_text(
        "# every remote of the installation\n"
        f"{git_daemon.url('acme/platform')}\n\n"
        f"{git_http.url('acme/crm')}   # the CRM team\n"
        f"{git_http.url('acme/gone')}\n",
        encoding="utf-8",
    )
    result = cli.run("audit", "--json", env={"SK_TRACKER_REPO_SOURCES": str(sources)})
    assert result.code == 1, result  # some need action
    rows = {r["repo"]: r for r in result.json()["repos"]}
    platform = git_daemon.url("acme/platform")
    assert rows[platform]["state"] == "bound"
    assert rows[f"{platform}#apps/mobile"]["state"] == "unbound"
    assert rows[git_http.url("acme/crm")]["state"] == "stale:mapping_disabled"
    gone = rows[git_http.url("acme/gone")]
    assert gone["state"] == "unverified" and "\n" not in gone["reason"]

    table = cli.run("audit", platform, "--saas-url", cli.url)
    assert f"127.0.0.1:{git_daemon.port}/acme/platform/apps/mobile" in table.out, table


def test_bind_a_remote_project_pushes_a_branch(
    cli: Cli, git_http: HttpGitServer, git_user_env: Path, demo: dict[str, bytes]
) -> None:
    bare = make_bare(
        git_http.root, "acme/platform", {"apps/mobile/.kittify/config.yaml": demo["mobile-app"]}
    )
    main = git("rev-parse", "main", cwd=bare)
    url = git_http.url("acme/platform")
    result = cli.run(
        "bind", "-p", "linear", "--repo", url, "--path", "apps/mobile", "--select", "1"
    )
    assert result.code == 0, result
    assert "sk-tracker/bind-mobile-app" in result.out
    assert git("rev-parse", "main", cwd=bare) == main
    pushed = git("show", "sk-tracker/bind-mobile-app:apps/mobile/.kittify/config.yaml", cwd=bare)
    assert "binding_ref: srm_" in pushed

    again = cli.run("audit", "--json", url)
    [row] = again.json()["repos"]
    assert row["state"] == "unbound"  # the default branch is unchanged until merged


def test_a_refused_push_is_one_line_with_the_finishing_command(
    cli: Cli, git_daemon: GitDaemon, git_user_env: Path, demo: dict[str, bytes]
) -> None:
    make_bare(
        git_daemon.root,
        "acme/guarded",
        {".kittify/config.yaml": demo["mobile-app"]},
        protect_main=True,
    )
    url = git_daemon.url("acme/guarded")
    result = cli.run("bind", "-p", "linear", "--repo", url, "--select", "1", "--push-to-default")
    assert result.code == 1
    line = result.one_error_line()
    assert "main is protected" in line
    assert f"finish with: sk-tracker bind --provider linear --repo {url} --bind-ref srm_" in line


def test_the_printed_finishing_command_works_for_a_config_without_an_identity(
    cli: Cli, git_daemon: GitDaemon, git_user_env: Path
) -> None:
    """The bind gave the project a new identity; the push was refused. Pasting the
    printed command must bind the same identity (a later run would make up another,
    which the host binding does not belong to) and push it on a branch."""
    bare = make_bare(
        git_daemon.root,
        "acme/fresh",
        {".kittify/config.yaml": "vcs: {type: git}\n"},
        protect_main=True,
    )
    url = git_daemon.url("acme/fresh")
    refused = cli.run("bind", "-p", "linear", "--repo", url, "--select", "1", "--push-to-default")
    assert refused.code == 1
    line = refused.one_error_line()
    finish = shlex.split(line.split("finish with: ", 1)[1])
    assert finish[:2] == ["sk-tracker", "bind"] and "--project-uuid" in finish
    ref = finish[finish.index("--bind-ref") + 1]
    uuid = finish[finish.index("--project-uuid") + 1]

    done = cli.run(*finish[1:])
    assert done.code == 0, done
    pushed = git("show", "sk-tracker/bind-fresh:.kittify/config.yaml", cwd=bare)
    assert f"binding_ref: {ref}" in pushed and f"uuid: {uuid}" in pushed
    assert pushed.startswith("vcs: {type: git}\n")


def test_a_stale_remotes_advice_run_as_printed_fixes_that_remote(
    cli: Cli, git_daemon: GitDaemon, git_user_env: Path, demo: dict[str, bytes], tmp_path: Path
) -> None:
    """Pasted from another folder (a checkout of something else), the advice binds the
    remote it was printed for, not the folder's repo."""
    bare = make_bare(
        git_daemon.root, "acme/search", {".kittify/config.yaml": demo["search-indexer"]}
    )
    url = git_daemon.url("acme/search")
    [row] = cli.run("audit", "--json", url).json()["repos"]
    assert row["state"] == "stale:mapping_deleted"
    command = shlex.split(row["guidance"].split("re-bind with: ", 1)[1])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    git("init", "-q", cwd=elsewhere)

    done = cli.run(*command[1:], "--yes", "--select", "1", cwd=elsewhere)
    assert done.code == 0, done
    pushed = git("show", "sk-tracker/bind-search-indexer:.kittify/config.yaml", cwd=bare)
    assert row["binding_ref"] not in pushed and "binding_ref: srm_" in pushed
    assert not (elsewhere / ".kittify").exists()


def test_path_without_a_remote_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = cli.run("bind", "-p", "linear", "--repo", str(tmp_path), "--path", "sub")
    assert result.code == 2
    assert "--path" in result.one_error_line()


def test_audit_within_the_freshness_window_says_when_the_remote_was_checked(
    cli: Cli, git_daemon: GitDaemon, git_user_env: Path, demo: dict[str, bytes]
) -> None:
    make_bare(git_daemon.root, "acme/search", {".kittify/config.yaml": demo["search-indexer"]})
    url = git_daemon.url("acme/search")
    env = {"SK_TRACKER_REMOTE_FRESHNESS": "600"}
    first = cli.run("audit", "--json", url, env=env)
    [row] = first.json()["repos"]
    assert "remote checked" not in row["reason"]  # asked just now
    asked = git_daemon.requests("acme/search")

    again = cli.run("audit", "--json", url, env=env)
    assert git_daemon.requests("acme/search") == asked  # not asked again
    [row] = again.json()["repos"]
    assert re.search(r"\(remote checked \d+ s ago\)$", row["reason"]), row

    off = cli.run("audit", "--json", url)  # the default: every audit asks
    [row] = off.json()["repos"]
    assert "remote checked" not in row["reason"]
    assert git_daemon.requests("acme/search") == asked + 1
