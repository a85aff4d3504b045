"""Auditing git remotes next to folders: same states and rows as local projects,
one unverified row for a remote that cannot be read, and a checkout of an audited
remote recognised as the same project."""

from __future__ import annotations

from pathlib import Path

from tests.support.gitserve import GitDaemon, HttpGitServer, make_bare
from tests.support.repos import config_bytes, make_repo
from tracker_core import TrackerService
from tracker_core.remote.mirror import MirrorCache
from tracker_core.remote.urls import RemoteProject
from tracker_host.demo_repos import write_demo_repos


def demo_configs(tmp_path: Path) -> dict[str, bytes]:
    demo = tmp_path / "demo"
    write_demo_repos(demo)
    return {p.name: config_bytes(p) for p in demo.iterdir()}


def serve_demo(root: Path, tmp_path: Path) -> dict[str, bytes]:
    """``acme/platform``: my-project on top, billing-service and mobile-app nested."""
    configs = demo_configs(tmp_path)
    make_bare(
        root,
        "acme/platform",
        {
            ".kittify/config.yaml": configs["my-project"],
            "services/billing/.kittify/config.yaml": configs["billing-service"],
            "apps/mobile/.kittify/config.yaml": configs["mobile-app"],
            "src/main.py": "print('hello')\n",
        },
    )
    make_bare(root, "acme/search", {".kittify/config.yaml": configs["search-indexer"]})
    return configs


def test_remote_projects_get_the_same_states_as_local_ones(
    service: TrackerService, git_daemon: GitDaemon, git_user_env: Path, tmp_path: Path
) -> None:
    serve_demo(git_daemon.root, tmp_path)
    service.mirrors = MirrorCache(tmp_path / "mirrors")
    platform, search = git_daemon.url("acme/platform"), git_daemon.url("acme/search")
    report = service.audit([platform, search])
    host = f"127.0.0.1:{git_daemon.port}"
    got = {r.repo.name: r.state for r in report.rows}
    assert got == {
        f"{host}/acme/platform": "bound",
        f"{host}/acme/platform/apps/mobile": "unbound",
        f"{host}/acme/platform/services/billing": "legacy",
        f"{host}/acme/search": "stale:mapping_deleted",
    }
    repos = {str(r.repo) for r in report.rows}
    assert f"{platform}#services/billing" in repos and search in repos
    legacy = next(r for r in report.rows if r.kind == "legacy")
    assert isinstance(legacy.repo, RemoteProject)
    # Every fix names the remote: run from a folder, a command without --repo would
    # act on that folder's repo instead.
    advice = {r.repo.name: r.guidance for r in report.rows}
    assert advice[f"{host}/acme/search"].endswith(
        f"re-bind with: sk-tracker bind --provider linear --repo {search}"
    )
    assert (
        f"sk-tracker bind --repo {platform} --path apps/mobile --provider and one of"
        in (advice[f"{host}/acme/platform/apps/mobile"])
    )
    assert advice[f"{host}/acme/platform/services/billing"] == (
        f"apply with: sk-tracker bind --provider linear --repo {platform} "
        f"--path services/billing --bind-ref {legacy.pending_ref}"
    )
    # The upgrade of a remote is a pushed bind: it says how, and writes nothing.
    [result] = service.apply_upgrades(report)
    assert not result.ok and result.error is not None
    assert f"--repo {platform} --path services/billing --bind-ref {legacy.pending_ref}" in (
        result.error
    )


def test_local_and_remote_roots_together_and_one_bad_remote(
    service: TrackerService,
    git_http: HttpGitServer,
    git_user_env: Path,
    tmp_path: Path,
) -> None:
    configs = serve_demo(git_http.root, tmp_path)
    make_bare(git_http.root, "acme/locked", {".kittify/config.yaml": configs["my-project"]})
    git_http.refuse.add("acme/locked")
    service.mirrors = MirrorCache(tmp_path / "mirrors")
    local = tmp_path / "local"
    make_repo(local, "crm-sync", configs["crm-sync"].decode())
    report = service.audit(
        [local, git_http.url("acme/locked"), git_http.url("acme/search")],
    )
    got = {r.repo.name: (r.state, r.reason) for r in report.rows}
    host = f"127.0.0.1:{git_http.port}"
    assert got["crm-sync"][0] == "stale:mapping_disabled"
    assert got[f"{host}/acme/search"][0] == "stale:mapping_deleted"
    state, reason = got[f"{host}/acme/locked"]
    assert state == "unverified" and "authentication failed" in reason.lower()


def test_a_checkout_of_an_audited_remote_is_the_same_project(
    service: TrackerService, git_http: HttpGitServer, git_user_env: Path, tmp_path: Path
) -> None:
    configs = serve_demo(git_http.root, tmp_path)
    service.mirrors = MirrorCache(tmp_path / "mirrors")
    url = git_http.url("acme/platform")
    local = tmp_path / "local"
    # A clone of the remote (its origin written without ".git": the same repository) …
    make_repo(local, "platform", configs["my-project"].decode(), remote=url.removesuffix(".git"))
    # … and an unrelated repo that copied the config: that one is a conflict.
    make_repo(local, "copycat", configs["my-project"].decode())
    report = service.audit([local, url])
    got = {r.label: r.state for r in report.rows}
    assert got["copycat"] == "conflict"  # another repository claiming the uuid
    assert got["platform"] == "conflict"  # (through copycat only)
    copycat = next(r for r in report.rows if r.label == "copycat")
    assert set(copycat.conflicts_with) == {"platform", f"127.0.0.1:{git_http.port}/acme/platform"}

    (local / "copycat").rename(tmp_path / "elsewhere")
    report = service.audit([local, url])
    rows = {r.label: r for r in report.rows}
    remote_name = f"127.0.0.1:{git_http.port}/acme/platform"
    assert rows["platform"].state == rows[remote_name].state == "bound"
    assert rows["platform"].also_at == (remote_name,)
    assert rows[remote_name].also_at == ("platform",)


def test_a_remote_in_conflict_gets_advice_that_works_for_a_remote(
    service: TrackerService, git_daemon: GitDaemon, git_user_env: Path, tmp_path: Path
) -> None:
    """Two unrelated repositories carrying one project config: the fix for either is a
    fresh identity made in a clone (the remote bind keeps the identity on file)."""
    configs = demo_configs(tmp_path)
    make_bare(git_daemon.root, "acme/platform", {".kittify/config.yaml": configs["my-project"]})
    make_bare(
        git_daemon.root,
        "acme/fork",
        {"apps/web/.kittify/config.yaml": configs["my-project"], "other.txt": "unrelated\n"},
    )
    service.mirrors = MirrorCache(tmp_path / "mirrors")
    platform, fork = git_daemon.url("acme/platform"), git_daemon.url("acme/fork")
    report = service.audit([platform, fork])
    assert [r.state for r in report.rows] == ["conflict", "conflict"]
    top, nested = report.rows
    for row in report.rows:
        assert "--new-identity" in row.guidance and f"--repo {row.repo.url}" not in row.guidance
    assert f"git clone {platform} platform" in top.guidance
    assert "--repo platform --provider linear --new-identity" in top.guidance
    assert "push .kittify/config.yaml" in top.guidance
    assert f"git clone {fork} fork" in nested.guidance
    assert "--repo fork/apps/web --provider linear" in nested.guidance
    assert "push apps/web/.kittify/config.yaml" in nested.guidance
