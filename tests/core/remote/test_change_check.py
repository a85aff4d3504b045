"""A warm re-audit asks each remote whether its branch moved, and fetches only the
ones that did. Counted with a real ``git`` on PATH that logs each run (no mock of our
code) and with the servers' own request logs."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.support.gitserve import GitDaemon, HttpGitServer, git, make_bare, push_change
from tests.support.host import HostHandle
from tracker_core import TrackerService
from tracker_core.access.settings import Settings
from tracker_core.remote.marker import CHECKED_FILE
from tracker_core.remote.mirror import MirrorCache
from tracker_core.remote.scan import scan_remotes

ALPHA = "project:\n  uuid: 33333333-3333-4333-8333-333333333333\n  slug: alpha\n  node_id: n\n"
BETA = "project:\n  uuid: 44444444-4444-4444-8444-444444444444\n  slug: beta\n  node_id: n\n"


class GitRuns:
    """Every ``git`` this test's code runs, by its arguments."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        real = shutil.which("git")
        assert real is not None
        folder = tmp_path / "git-wrapper"
        folder.mkdir()
        self.log = tmp_path / "git-runs.log"
        wrapper = folder / "git"
        wrapper.write_text(
            f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{self.log}"\nexec "{real}" "$@"\n',
            encoding="utf-8",
        )
        wrapper.chmod(0o755)
        monkeypatch.setenv("PATH", f"{folder}:{Path(real).parent}")

    def take(self) -> list[str]:
        """The client's runs since the last call (not the test HTTP server's backend,
        nor the one read of the user's config per batch)."""
        lines = self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []
        self.log.write_text("", encoding="utf-8")
        return [r for r in lines if not r.startswith(("http-backend", "config --get-regexp"))]


def slugs(scan_repos: list[object]) -> list[str]:
    out = []
    for repo in scan_repos:
        config = getattr(repo, "config", None)
        assert config is not None and config.project is not None, repo
        out.append(config.project.slug)
    return out


def test_git_remotes_are_asked_natively_and_only_a_moved_one_is_fetched(
    git_daemon: GitDaemon,
    git_user_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_bare(git_daemon.root, "acme/alpha", {".kittify/config.yaml": ALPHA})
    beta = make_bare(git_daemon.root, "acme/beta", {".kittify/config.yaml": BETA})
    urls = [git_daemon.url("acme/alpha"), git_daemon.url("acme/beta")]
    cache = MirrorCache(tmp_path / "mirrors")
    scan_remotes(urls, cache)
    runs = GitRuns(tmp_path, monkeypatch)
    before = {n: git_daemon.requests(n) for n in ("acme/alpha", "acme/beta")}

    warm = scan_remotes(urls, cache)
    assert slugs(warm.repos) == ["alpha", "beta"]
    assert warm.cloned == warm.fetched == warm.blobs_fetched == 0
    # No git fetch (no git at all beyond reading the user's config once per batch) ...
    assert runs.take() == []
    # ... yet each remote was asked once, on the server.
    for name in ("acme/alpha", "acme/beta"):
        assert git_daemon.requests(name) == before[name] + 1

    push_change(beta, ".kittify/config.yaml", BETA.replace("slug: beta", "slug: beta-two"))
    runs.take()
    before = {n: git_daemon.requests(n) for n in ("acme/alpha", "acme/beta")}
    changed = scan_remotes(urls, cache)
    assert slugs(changed.repos) == ["alpha", "beta-two"]
    assert changed.fetched == 1 and changed.blobs_fetched == 1
    [mirror_beta] = [m for u, m in changed.mirrors.items() if u.endswith("beta.git")]
    assert mirror_beta.fetched and mirror_beta.head == git("rev-parse", "main", cwd=beta).strip()
    # alpha: the check alone; beta: the check, the branch's fetch and its one blob.
    assert git_daemon.requests("acme/alpha") == before["acme/alpha"] + 1
    assert git_daemon.requests("acme/beta") == before["acme/beta"] + 3
    assert sum(1 for r in runs.take() if " fetch " in r) == 2


def test_https_style_remotes_are_asked_with_ls_remote_and_not_refetched(
    git_http: HttpGitServer,
    git_user_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bare = make_bare(git_http.root, "acme/alpha", {".kittify/config.yaml": ALPHA})
    url = git_http.url("acme/alpha")
    cache = MirrorCache(tmp_path / "mirrors")
    scan_remotes([url], cache)
    downloads = git_http.fetch_commands("acme/alpha")
    runs = GitRuns(tmp_path, monkeypatch)

    warm = scan_remotes([url], cache)
    assert slugs(warm.repos) == ["alpha"] and warm.fetched == 0
    taken = runs.take()
    assert [r.split()[0] for r in taken] == ["ls-remote"]
    assert git_http.fetch_commands("acme/alpha") == downloads

    push_change(bare, ".kittify/config.yaml", ALPHA.replace("slug: alpha", "slug: alpha-two"))
    changed = scan_remotes([url], cache)
    assert slugs(changed.repos) == ["alpha-two"] and changed.fetched == 1
    assert git_http.fetch_commands("acme/alpha") > downloads


def test_a_remote_gone_since_the_last_audit_is_unreachable_with_gits_reason(
    git_daemon: GitDaemon, git_user_env: Path, tmp_path: Path
) -> None:
    alpha = make_bare(git_daemon.root, "acme/alpha", {".kittify/config.yaml": ALPHA})
    make_bare(git_daemon.root, "acme/beta", {".kittify/config.yaml": BETA})
    urls = [git_daemon.url("acme/alpha"), git_daemon.url("acme/beta")]
    cache = MirrorCache(tmp_path / "mirrors")
    scan_remotes(urls, cache)
    shutil.rmtree(alpha)
    scan = scan_remotes(urls, cache)
    gone, kept = scan.repos
    assert gone.unreachable and "\n" not in gone.unreachable
    assert kept.unreachable is None and slugs([kept]) == ["beta"]


def test_a_git_proxy_setting_sends_the_check_through_git(
    git_daemon: GitDaemon,
    git_user_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """git:// reached through a user's rewrite rule is asked the way git reaches it."""
    make_bare(git_daemon.root, "acme/alpha", {".kittify/config.yaml": ALPHA})
    url = git_daemon.url("acme/alpha")
    cache = MirrorCache(tmp_path / "mirrors")
    scan_remotes([url], cache)
    # A rewrite that leads to the same server: the answer is the same, the route git's.
    git("config", "--global", f"url.{url}.insteadOf", url)
    runs = GitRuns(tmp_path, monkeypatch)
    warm = scan_remotes([url], cache)
    assert slugs(warm.repos) == ["alpha"] and warm.fetched == 0
    assert [r.split()[0] for r in runs.take()] == ["ls-remote"]


def test_the_freshness_window_skips_the_check_and_says_when_it_was_made(
    service: TrackerService, git_daemon: GitDaemon, git_user_env: Path, tmp_path: Path
) -> None:
    bare = make_bare(git_daemon.root, "acme/alpha", {".kittify/config.yaml": ALPHA})
    name = "acme/alpha"
    url = git_daemon.url(name)
    service.mirrors = MirrorCache(tmp_path / "mirrors", fresh_for=3600)
    first = service.audit([url])
    assert "checked" not in first.rows[0].reason  # asked just now
    push_change(bare, ".kittify/config.yaml", ALPHA.replace("slug: alpha", "slug: alpha-two"))
    asked = git_daemon.requests(name)

    within = service.audit([url])
    assert git_daemon.requests(name) == asked  # not asked at all
    [row] = within.rows
    assert row.reason.endswith("s ago)") and "(remote checked " in row.reason
    assert within.rows[0].project_uuid == first.rows[0].project_uuid

    # Once the window has passed (the last check made two hours old), the change is seen.
    marker = next((tmp_path / "mirrors").glob("*.git")) / CHECKED_FILE
    old = time.time() - 7200
    os.utime(marker, (old, old))
    after = scan_remotes([url], service.mirrors)
    assert slugs(after.repos) == ["alpha-two"] and after.fetched == 1
    assert git_daemon.requests(name) > asked


def test_the_window_is_a_setting_off_by_default(
    host: HostHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SPEC_KITTY_SAAS_URL", host.url)
    monkeypatch.setenv("SK_TRACKER_TOKEN", host.admin_token)
    monkeypatch.setenv("SK_TRACKER_TEAM", host.team)
    monkeypatch.setenv("SK_TRACKER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SK_TRACKER_SETTINGS_FILE", str(tmp_path / "none.toml"))
    with TrackerService.from_settings(Settings()) as off:
        assert off.mirrors is not None and off.mirrors.fresh_for == 0
    monkeypatch.setenv("SK_TRACKER_REMOTE_FRESHNESS", "300")
    with TrackerService.from_settings(Settings()) as on:
        assert on.mirrors is not None and on.mirrors.fresh_for == 300
    monkeypatch.setenv("SK_TRACKER_REMOTE_FRESHNESS", "-1")
    with pytest.raises(ValidationError):
        Settings()


class CountingRelay:
    """A TCP relay in front of a git daemon, slow to pass connections on: each waits a
    moment first, like a connection queued on a busy daemon. It counts how many wait
    at once (each is counted before our side can have had an answer on it)."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = int(self.listener.getsockname()[1])
        self.waiting = self.most = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        with self.lock:
            self.waiting += 1
            self.most = max(self.most, self.waiting)
        time.sleep(0.05)
        with self.lock:
            self.waiting -= 1
        with client, socket.create_connection(("127.0.0.1", self.upstream)) as server:
            back = threading.Thread(target=_pump, args=(server, client), daemon=True)
            back.start()
            _pump(client, server)
            back.join()

    def close(self) -> None:
        self.listener.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def test_change_checks_keep_within_what_one_git_daemon_can_queue(
    git_daemon: GitDaemon, git_user_env: Path, tmp_path: Path
) -> None:
    # git daemon listens with a backlog of 5: more checks at once than it can queue
    # would be dropped by the kernel and retried a second later.
    names = [f"acme/r{i:02d}" for i in range(16)]
    for name in names:
        make_bare(git_daemon.root, name, {".kittify/config.yaml": ALPHA})
    relay = CountingRelay(git_daemon.port)
    try:
        urls = [f"git://127.0.0.1:{relay.port}/{name}.git" for name in names]
        cache = MirrorCache(tmp_path / "mirrors")
        assert scan_remotes(urls, cache, max_workers=8).cloned == 16
        relay.most = 0
        warm = scan_remotes(urls, cache, max_workers=8)
    finally:
        relay.close()
    assert slugs(warm.repos) == ["alpha"] * 16 and warm.fetched == 0
    assert 1 < relay.most <= 5


def test_a_remote_whose_default_branch_was_renamed_is_followed_to_the_new_one(
    git_daemon: GitDaemon, git_http: HttpGitServer, git_user_env: Path, tmp_path: Path
) -> None:
    """master → main on the remote (the old branch gone): the mirror follows the
    remote's default branch instead of failing on the one it cloned, over git:// and
    https alike."""
    served = [
        (make_bare(git_daemon.root, "acme/alpha", {".kittify/config.yaml": ALPHA}, branch="master"),
         git_daemon.url("acme/alpha")),
        (make_bare(git_http.root, "acme/alpha", {".kittify/config.yaml": ALPHA}, branch="master"),
         git_http.url("acme/alpha")),
    ]  # fmt: skip
    cache = MirrorCache(tmp_path / "mirrors")
    assert {m.branch for m in scan_remotes([u for _, u in served], cache).mirrors.values()} == {
        "master"
    }
    for bare, _ in served:
        git("branch", "-m", "master", "main", cwd=bare)
        push_change(bare, ".kittify/config.yaml", BETA, "renamed, then changed")

    after = scan_remotes([u for _, u in served], cache)
    assert [r.unreachable for r in after.repos] == [None, None]
    assert slugs(after.repos) == ["beta", "beta"]
    assert {m.branch for m in after.mirrors.values()} == {"main"}
    again = scan_remotes([u for _, u in served], cache)
    assert again.fetched == 0 and slugs(again.repos) == ["beta", "beta"]


def test_audits_at_once_on_one_cache_all_read_every_remote(
    git_daemon: GitDaemon, git_user_env: Path, tmp_path: Path
) -> None:
    """Sessions of a shared dashboard (and the CLI beside it) audit the same mirrors
    at the same time; while one fetches a moved remote, the others wait for it rather
    than fail on git's ref locks."""
    bares = [
        make_bare(git_daemon.root, f"acme/r{i}", {".kittify/config.yaml": ALPHA}) for i in range(6)
    ]
    urls = [git_daemon.url(f"acme/r{i}") for i in range(6)]
    scan_remotes(urls, MirrorCache(tmp_path / "mirrors"))
    for round_ in range(3):
        slug = f"alpha-{round_}"
        for bare in bares:
            push_change(bare, ".kittify/config.yaml", ALPHA.replace("slug: alpha", f"slug: {slug}"))
        with ThreadPoolExecutor(4) as pool:
            scans = list(
                pool.map(lambda _: scan_remotes(urls, MirrorCache(tmp_path / "mirrors")), range(4))
            )
        for scan in scans:
            assert [(r.unreachable, r.error) for r in scan.repos] == [(None, None)] * 6
            assert slugs(scan.repos) == [slug] * 6
