"""The dashboard over git remotes: remote rows next to local ones, and the bind panel
of a remote row pushing a branch (the default branch untouched)."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.dashboard.conftest import PAGES, Dashboard, assert_clean, frame_with, goto, start
from tests.support.gitserve import GitDaemon, git, git_daemon, git_user_env, make_bare
from tests.support.repos import config_bytes, project_section, tracker_section
from tracker_dashboard.widgets import repo_key
from tracker_host import seed

__all__ = ["git_daemon", "git_user_env"]


def test_remote_rows_and_a_remote_bind_from_the_bind_page(
    dash: Dashboard, git_daemon: GitDaemon, git_user_env: Path, tmp_path: Path
) -> None:
    # The mobile app's project, under an identity of its own (the same uuid as the
    # local demo repo would make the two a conflict).
    config = config_bytes(dash.repos["mobile-app"].path).replace(
        seed.UNBOUND_PROJECT.project_uuid.encode(), b"0c3c2f4e-7d2a-4b8e-9b1a-5d6e7f8a9b0c"
    )
    bare = make_bare(git_daemon.root, "acme/mobile", {"app/.kittify/config.yaml": config})
    main = git("rev-parse", "main", cwd=bare)
    url = git_daemon.url("acme/mobile")
    sources = tmp_path / "remotes.txt"
    sources.write_text(f"# the mobile team\n{url}\n", encoding="utf-8")
    dash.monkeypatch.setenv("SK_TRACKER_REPO_SOURCES", str(sources))

    at = start(dash, "repositories")
    table = frame_with(at, "state_label", "reason").set_index("name")
    remote_name = f"127.0.0.1:{git_daemon.port}/acme/mobile/app"
    assert table.loc[remote_name, "state_label"] == "○ unbound"
    assert table.loc["my-project", "state_label"] == "● bound"  # local rows as before

    goto(at, "bind")
    project = f"{url}#app"
    at.multiselect(key="bind_pick").select(project).run()
    assert_clean(at)
    key = repo_key(project)
    captions = [c.value.replace("\\", "") for c in at.caption]  # markdown escapes removed
    assert any("on branch sk-tracker/bind-mobile-app and pushed" in c for c in captions), captions
    at.button(key=f"resolve_{key}").click().run()
    at.selectbox(key=f"cand_{key}_linear").select_index(0).run()
    assert "+tracker:" in at.code[0].value
    at.button(key=f"bind_{key}").click().run()
    assert_clean(at)
    shown = [s.value.replace("\\", "") for s in at.success]  # markdown escapes removed
    assert any("pushed to branch sk-tracker/bind-mobile-app" in text for text in shown), shown
    assert git("rev-parse", "main", cwd=bare) == main
    pushed = git("show", "sk-tracker/bind-mobile-app:app/.kittify/config.yaml", cwd=bare)
    assert "display_label: Mobile App (LINEAR-789)" in pushed


def test_with_the_host_down_remote_rows_stay_unverified_with_the_reason(
    dash: Dashboard, git_daemon: GitDaemon, git_user_env: Path, tmp_path: Path
) -> None:
    # A project of its own, bound by a ref only the host can judge.
    config = project_section("search", "5e0c3c2f-7d2a-4b8e-9b1a-5d6e7f8a9b0c") + (
        tracker_section("linear", binding_ref="srm_01REMOTEONLY")
    )
    make_bare(git_daemon.root, "acme/search", {".kittify/config.yaml": config})
    sources = tmp_path / "remotes.txt"
    sources.write_text(
        f"{git_daemon.url('acme/search')}\n{git_daemon.url('acme/gone')}\n", encoding="utf-8"
    )
    dash.monkeypatch.setenv("SK_TRACKER_REPO_SOURCES", str(sources))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = int(sock.getsockname()[1])
    dash.monkeypatch.setenv("SPEC_KITTY_SAAS_URL", f"http://127.0.0.1:{closed}")
    dash.monkeypatch.setenv("SK_TRACKER_TIMEOUT", "2")

    at = dash.app().run()
    at.switch_page(PAGES["repositories"]).run()
    assert not at.exception, [e.value for e in at.exception]
    table = frame_with(at, "state_label", "reason").set_index("name")
    host = f"127.0.0.1:{git_daemon.port}"
    search, gone = table.loc[f"{host}/acme/search"], table.loc[f"{host}/acme/gone"]
    assert "unverified" in search["state_label"] and "host unreachable" in search["reason"]
    assert "unverified" in gone["state_label"] and "host unreachable" not in gone["reason"]
    assert "unverified" in table.loc["search-indexer", "state_label"]  # local rows as before
