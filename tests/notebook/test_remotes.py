"""``connect()`` with git remotes among the repo roots: the notebook's audit frame
holds their projects like local ones."""

from __future__ import annotations

from pathlib import Path

from tests.support.gitserve import GitDaemon, git_daemon, git_user_env, make_bare
from tests.support.repos import config_bytes
from tracker_core import connect
from tracker_host.demo_repos import DemoRepo

__all__ = ["git_daemon", "git_user_env"]


def test_connect_audits_remote_roots_next_to_folders(
    nb_env: dict[str, str],
    demo: list[DemoRepo],
    repos_root: Path,
    git_daemon: GitDaemon,
    git_user_env: Path,
) -> None:
    configs = {d.name: config_bytes(d.path) for d in demo}
    make_bare(git_daemon.root, "acme/crm", {"crm/.kittify/config.yaml": configs["crm-sync"]})
    url = git_daemon.url("acme/crm")
    with connect(repo_roots=f"{repos_root}:{url}") as ws:
        frame = ws.audit().set_index("name")
    remote = f"127.0.0.1:{git_daemon.port}/acme/crm/crm"
    assert frame.loc[remote, "repo"] == f"{url}#crm"
    # The same project as the local crm-sync (same uuid, other origin): a conflict,
    # reported on both rows.
    assert frame.loc[remote, "kind"] == "conflict"
    assert frame.loc["crm-sync", "kind"] == "conflict"
    assert frame.loc["my-project", "kind"] == "bound"
