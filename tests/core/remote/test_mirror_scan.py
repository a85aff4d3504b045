"""Remote roots read from partial bare mirrors, over git:// and smart HTTP."""

from __future__ import annotations

from pathlib import Path

from tests.support.gitserve import (
    GIT_PASSWORD,
    GitDaemon,
    HttpGitServer,
    git,
    make_bare,
    push_change,
)
from tracker_core.remote.mirror import MirrorCache
from tracker_core.remote.scan import scan_remotes

TOP = "project:\n  uuid: 11111111-1111-4111-8111-111111111111\n  slug: top\n  node_id: n\n"
NESTED = "project:\n  uuid: 22222222-2222-4222-8222-222222222222\n  slug: plugin\n  node_id: n\n"


def _monorepo(root: Path) -> Path:
    return make_bare(
        root,
        "acme/mono",
        {
            ".kittify/config.yaml": TOP,
            "plugins/a/.kittify/config.yaml": NESTED,
            "README.md": "big file we never download\n" * 1000,
            "docs/notes.txt": "no project here\n",
        },
    )


def test_nested_projects_are_read_from_blobs_only(
    git_daemon: GitDaemon, git_user_env: Path, tmp_path: Path
) -> None:
    bare = _monorepo(git_daemon.root)
    cache = MirrorCache(tmp_path / "mirrors")
    scan = scan_remotes([git_daemon.url("acme/mono")], cache)
    names = [r.path.name for r in scan.repos]
    port = git_daemon.port
    assert names == [f"127.0.0.1:{port}/acme/mono", f"127.0.0.1:{port}/acme/mono/plugins/a"]
    assert [str(r.path) for r in scan.repos] == [
        git_daemon.url("acme/mono"),
        git_daemon.url("acme/mono") + "#plugins/a",
    ]
    top, nested = scan.repos
    assert top.config is not None and top.config.project is not None
    assert top.config.project.slug == "top"
    assert nested.config is not None and nested.config.project is not None
    assert nested.config.project.slug == "plugin"
    mirror = scan.mirrors[git_daemon.url("acme/mono")]
    assert mirror.cloned and mirror.branch == "main" and mirror.blobs_fetched == 2
    # A bare mirror without a checkout, and without the README's blob.
    assert (mirror.git_dir / "HEAD").is_file() and not (mirror.git_dir / "README.md").exists()
    readme = git("rev-parse", "HEAD:README.md", cwd=bare).strip()
    missing = git("rev-list", "--objects", "--missing=print", "--all", cwd=mirror.git_dir)
    assert f"?{readme}" in missing.split()


def test_a_warm_rescan_makes_no_clone_and_downloads_nothing(
    git_http: HttpGitServer, git_user_env: Path, tmp_path: Path
) -> None:
    _monorepo(git_http.root)
    cache = MirrorCache(tmp_path / "mirrors")
    url = git_http.url("acme/mono")
    first = scan_remotes([url], cache)
    assert first.cloned == 1 and first.blobs_fetched == 2
    downloads = git_http.fetch_commands("acme/mono")
    assert downloads == 2  # the clone (commits and trees) and one request for both blobs

    again = scan_remotes([url], cache)
    assert again.cloned == 0 and again.blobs_fetched == 0
    assert git_http.fetch_commands("acme/mono") == downloads
    assert [r.config for r in again.repos] == [r.config for r in first.repos]


def test_a_change_on_the_remote_downloads_only_the_changed_config(
    git_http: HttpGitServer, git_user_env: Path, tmp_path: Path
) -> None:
    bare = _monorepo(git_http.root)
    cache = MirrorCache(tmp_path / "mirrors")
    url = git_http.url("acme/mono")
    scan_remotes([url], cache)
    push_change(bare, "plugins/a/.kittify/config.yaml", NESTED.replace("plugin", "plugin-two"))
    scan = scan_remotes([url], cache)
    assert scan.cloned == 0 and scan.blobs_fetched == 1
    nested = scan.repos[1].config
    assert nested is not None and nested.project is not None
    assert nested.project.slug == "plugin-two"


def test_credentials_come_from_askpass_and_are_never_kept(
    git_http: HttpGitServer, git_user_env: Path, tmp_path: Path
) -> None:
    _monorepo(git_http.root)
    cache = MirrorCache(tmp_path / "mirrors")
    scan = scan_remotes([git_http.url("acme/mono")], cache)
    assert all(r.unreachable is None for r in scan.repos)
    assert git_http.authorizations  # the server did ask, and got them
    for path in (tmp_path / "mirrors").rglob("*"):
        if path.is_file():
            assert GIT_PASSWORD.encode() not in path.read_bytes(), path


def test_an_unfetchable_remote_is_one_entry_with_gits_reason(
    git_http: HttpGitServer, git_daemon: GitDaemon, git_user_env: Path, tmp_path: Path
) -> None:
    _monorepo(git_http.root)
    make_bare(git_http.root, "acme/locked", {".kittify/config.yaml": TOP})
    git_http.refuse.add("acme/locked")
    cache = MirrorCache(tmp_path / "mirrors")
    urls = [
        git_http.url("acme/locked"),
        git_daemon.url("acme/missing"),
        git_http.url("acme/mono"),
    ]
    scan = scan_remotes(urls, cache)
    locked, missing, *mono = scan.repos
    assert locked.unreachable and "authentication failed" in locked.unreachable.lower()
    assert "\n" not in locked.unreachable and GIT_PASSWORD not in locked.unreachable
    assert missing.unreachable and "\n" not in missing.unreachable
    assert len(mono) == 2 and all(r.config is not None for r in mono)
