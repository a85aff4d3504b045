"""Binding a project of a git remote: the host step of a local bind, the config text
of a local bind, committed on ``sk-tracker/bind-<project>`` and pushed; the default
branch is left alone, and a refused push says what is bound and how to finish."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.activity import log_beside
from tests.support.gitserve import (
    GIT_PASSWORD,
    GitDaemon,
    HttpGitServer,
    git,
    make_bare,
    push_change,
    show,
)
from tests.support.host import HostHandle
from tests.support.repos import config_bytes, make_repo, project_section
from tracker_core import TrackerService
from tracker_core.errors import PushRejectedError, RemoteError, TrackerError
from tracker_core.remote.mirror import MirrorCache
from tracker_core.remote.urls import parse_location
from tracker_core.tables.names import relative_name
from tracker_host import seed

UNBOUND = seed.UNBOUND_PROJECT
# spec-kitty's layout with a comment, 4-space list indents and an unknown section:
# every byte of it must survive the bind.
ORIGINAL = (
    "# managed by spec-kitty\n"
    + project_section(UNBOUND.project_slug, UNBOUND.project_uuid)
    + "agents:\n    available:\n    -   claude\n    -   codex\n"
    + "vcs: {type: git}   # flow style stays\n"
    + "future_section:\n  keep: [1, 2]\n"
)


def heads(bare: Path) -> dict[str, str]:
    out = git("for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", cwd=bare)
    return dict(line.split() for line in out.splitlines())


def active_refs(host: HostHandle, provider: str) -> list[str]:
    return [m["binding_ref"] for m in host.mappings(provider) if m["status"] == "active"]


@pytest.fixture
def remote_service(service: TrackerService, git_user_env: Path, tmp_path: Path) -> TrackerService:
    service.mirrors = MirrorCache(tmp_path / "mirrors")
    return service


def test_remote_bind_pushes_a_branch_with_the_same_bytes_as_a_local_bind(
    remote_service: TrackerService, git_http: HttpGitServer, host: HostHandle, tmp_path: Path
) -> None:
    bare = make_bare(
        git_http.root,
        "acme/mono",
        {"apps/mobile/.kittify/config.yaml": ORIGINAL, "README.md": "hello\n"},
    )
    before = heads(bare)
    project = parse_location(git_http.url("acme/mono"), "apps/mobile")
    outcome = remote_service.bind_remote(project, "linear", select=1)

    bound = outcome.bind
    assert bound.status == "bound" and bound.binding_ref in active_refs(host, "linear")
    assert outcome.branch == "sk-tracker/bind-mobile-app" and not outcome.to_default
    assert outcome.review_url is None  # not a GitHub/GitLab URL
    after = heads(bare)
    assert after["refs/heads/main"] == before["refs/heads/main"]
    assert after["refs/heads/sk-tracker/bind-mobile-app"] == outcome.commit
    pushed = show(bare, outcome.commit, "apps/mobile/.kittify/config.yaml")
    message = git("log", "-1", "--format=%B", outcome.commit, cwd=bare)
    assert "apps/mobile/.kittify/config.yaml" in message and "linear" in message
    assert f"tracker.binding_ref: {bound.binding_ref}" in message
    # Only the config changed in that commit.
    changed = git("diff", "--name-only", "main", outcome.commit, cwd=bare).split()
    assert changed == ["apps/mobile/.kittify/config.yaml"]

    # A local checkout with the same file, bound now, is an exact match to the same
    # resource and writes exactly the pushed bytes.
    local = make_repo(tmp_path / "local", "mobile-app", ORIGINAL)
    local_outcome = remote_service.bind(local, "linear")
    assert local_outcome.binding_ref == bound.binding_ref
    assert config_bytes(local) == pushed
    assert pushed.startswith(ORIGINAL.split("tracker:")[0].encode())
    assert GIT_PASSWORD not in repr(outcome)


def test_github_shaped_urls_get_a_pull_request_link() -> None:
    from tracker_core.remote.push import review_url
    from tracker_core.remote.urls import parse_remote

    gh = review_url(parse_remote("git@github.com:acme/app.git"), "sk-tracker/bind-app", "main")
    assert gh == "https://github.com/acme/app/compare/main...sk-tracker/bind-app?expand=1"
    gl = review_url(parse_remote("https://gitlab.com/acme/app.git"), "sk-tracker/bind-x", "dev")
    assert gl is not None and gl.startswith("https://gitlab.com/acme/app/-/merge_requests/new?")
    assert "source_branch%5D=sk-tracker/bind-x" in gl and "target_branch%5D=dev" in gl


def test_a_rejected_push_to_main_reports_the_binding_and_the_finishing_command(
    remote_service: TrackerService, git_daemon: GitDaemon, host: HostHandle
) -> None:
    bare = make_bare(
        git_daemon.root, "acme/guarded", {".kittify/config.yaml": ORIGINAL}, protect_main=True
    )
    before = heads(bare)
    project = parse_location(git_daemon.url("acme/guarded"))
    with pytest.raises(PushRejectedError) as caught:
        remote_service.bind_remote(project, "linear", select=1, push_to_default=True)
    error = caught.value
    message = str(error)
    assert "\n" not in message and "main is protected" in message
    assert error.binding_ref and error.binding_ref in active_refs(host, "linear")
    assert error.finish in message
    assert f"--repo {git_daemon.url('acme/guarded')} --bind-ref {error.binding_ref}" in message
    assert heads(bare) == before

    # The finishing command: the same ref, validated, pushed on a branch.
    done = remote_service.bind_remote(
        project, "linear", bind_ref=error.binding_ref, confirm_rebind=True
    )
    assert done.bind.binding_ref == error.binding_ref and done.bind.method == "bind_ref"
    assert heads(bare)["refs/heads/main"] == before["refs/heads/main"]
    assert heads(bare)["refs/heads/sk-tracker/bind-mobile-app"] == done.commit


def test_refused_credentials_fail_before_the_host_is_asked(
    remote_service: TrackerService, git_http: HttpGitServer, host: HostHandle
) -> None:
    make_bare(git_http.root, "acme/locked", {".kittify/config.yaml": ORIGINAL})
    git_http.refuse.add("acme/locked")
    refs = active_refs(host, "linear")
    with pytest.raises(RemoteError) as caught:
        remote_service.bind_remote(parse_location(git_http.url("acme/locked")), "linear", select=1)
    assert "authentication failed" in str(caught.value).lower()
    assert GIT_PASSWORD not in str(caught.value)
    assert active_refs(host, "linear") == refs


def test_git_never_prompts_for_a_password(
    remote_service: TrackerService, git_http: HttpGitServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_bare(git_http.root, "acme/mono", {".kittify/config.yaml": ORIGINAL})
    monkeypatch.delenv("GIT_ASKPASS")
    # No askpass and no helper: git must fail at once instead of waiting on a prompt.
    scan = remote_service.scan_remotes([git_http.url("acme/mono")])
    [row] = scan.repos
    assert row.unreachable is not None and "terminal prompts disabled" in row.unreachable


def test_every_remote_bind_attempt_is_in_the_activity_log_under_the_remotes_name(
    remote_service: TrackerService, git_daemon: GitDaemon, host: HostHandle, tmp_path: Path
) -> None:
    """A bind whose host step fails is logged like a local one, and entries name the
    project as the rows do (host/org/repo/path), not by its last folder."""
    make_bare(git_daemon.root, "acme/mono", {"apps/mobile/.kittify/config.yaml": ORIGINAL})
    project = parse_location(git_daemon.url("acme/mono"), "apps/mobile")
    log = log_beside(tmp_path / "activity.jsonl")
    remote_service.activity = log
    host.faults(fail_next=100, fail_status=503, path="/api/v1/tracker/bind-resolve/")
    with pytest.raises(TrackerError):
        remote_service.bind_remote(project, "linear", select=1)
    host.clear_faults()
    remote_service.bind_remote(project, "linear", select=1)

    failed, ok = log.entries(newest_first=False)
    assert (failed.result, failed.new_ref, failed.action) == ("failed", None, "bind")
    assert failed.detail and ok.result == "ok" and ok.new_ref
    name = f"127.0.0.1:{git_daemon.port}/acme/mono/apps/mobile"
    assert {relative_name(e.repo, [tmp_path]) for e in (failed, ok)} == {name}


def test_a_bind_asks_the_remote_even_within_the_freshness_window(
    remote_service: TrackerService, git_daemon: GitDaemon, host: HostHandle, tmp_path: Path
) -> None:
    """The commit goes on top of the default branch as it is now, not as last audited."""
    bare = make_bare(git_daemon.root, "acme/app", {".kittify/config.yaml": ORIGINAL})
    remote_service.mirrors = MirrorCache(tmp_path / "mirrors", fresh_for=3600)
    url = git_daemon.url("acme/app")
    remote_service.audit([url])
    push_change(bare, "NOTES.md", "pushed after the audit\n")
    outcome = remote_service.bind_remote(parse_location(url), "linear", select=1)
    parent = git("rev-parse", f"{outcome.commit}^", cwd=bare).strip()
    assert parent == git("rev-parse", "main", cwd=bare).strip()


def test_an_unmerged_bind_branch_is_what_the_audit_says_to_merge(
    remote_service: TrackerService,
    git_daemon: GitDaemon,
    git_http: HttpGitServer,
    tmp_path: Path,
) -> None:
    """After a remote bind, the default branch is unchanged until the branch is merged:
    the audit says so and points at the branch (binding again would push another),
    over git:// and https alike, with a cold cache too; once merged, the row is bound."""
    served = {
        "git": make_bare(git_daemon.root, "acme/app", {".kittify/config.yaml": ORIGINAL}),
        "https": make_bare(git_http.root, "acme/app", {".kittify/config.yaml": ORIGINAL}),
    }
    urls = {"git": git_daemon.url("acme/app"), "https": git_http.url("acme/app")}
    for kind, url in urls.items():
        remote_service.audit([url])  # the mirror exists before the bind, as in real use
        # The first bind picks a candidate; the second finds the project bound (exact).
        outcome = remote_service.bind_remote(
            parse_location(url), "linear", choose=lambda candidates: candidates[0]
        )
        branch = outcome.branch
        assert branch == "sk-tracker/bind-mobile-app"
        for mirrors in ("mirrors", f"cold-{kind}"):  # warm cache, and a fresh one
            remote_service.mirrors = MirrorCache(tmp_path / mirrors)
            [row] = remote_service.audit([url]).rows
            assert row.state == "unbound", kind
            assert f"branch {branch} from an earlier bind is on the remote" in row.reason
            assert row.guidance.startswith(f"merge {branch} into main to finish that bind; or ")
            assert f"--repo {url}" in row.guidance
        remote_service.mirrors = MirrorCache(tmp_path / "mirrors")

        git("update-ref", "refs/heads/main", outcome.commit, cwd=served[kind])  # merged
        [row] = remote_service.audit([url]).rows
        assert row.state == "bound" and "earlier bind" not in row.reason, kind


def test_a_bind_branch_pushed_within_the_freshness_window_shows_at_once(
    remote_service: TrackerService, git_daemon: GitDaemon, tmp_path: Path
) -> None:
    url = git_daemon.url("acme/app")
    make_bare(git_daemon.root, "acme/app", {".kittify/config.yaml": ORIGINAL})
    remote_service.mirrors = MirrorCache(tmp_path / "mirrors", fresh_for=3600)
    [before] = remote_service.audit([url]).rows
    assert before.state == "unbound" and "earlier bind" not in before.reason
    asked = git_daemon.requests("acme/app")
    remote_service.bind_remote(parse_location(url), "linear", select=1)
    requests_of_the_bind = git_daemon.requests("acme/app") - asked

    [after] = remote_service.audit([url]).rows
    assert git_daemon.requests("acme/app") == asked + requests_of_the_bind  # not asked
    assert "(remote checked" in after.reason
    assert "branch sk-tracker/bind-mobile-app from an earlier bind" in after.reason


def test_a_slug_that_is_no_branch_name_still_gets_a_pushable_branch(
    remote_service: TrackerService, git_daemon: GitDaemon
) -> None:
    """A hand-written slug may hold what a git branch name cannot (spaces, ``..``, a
    trailing ``.lock``); the bind must not end with the binding on the host only."""
    config = project_section('"Mobile App..v2 (old).lock"', UNBOUND.project_uuid)
    bare = make_bare(git_daemon.root, "acme/odd", {".kittify/config.yaml": config})
    url = git_daemon.url("acme/odd")
    outcome = remote_service.bind_remote(parse_location(url), "linear", select=1)
    assert outcome.branch == "sk-tracker/bind-mobile-app-v2-old-lock"
    assert heads(bare)[f"refs/heads/{outcome.branch}"] == outcome.commit
    [row] = remote_service.audit([url]).rows
    assert f"branch {outcome.branch} from an earlier bind" in row.reason
