"""Git remotes in a real browser: a remote's project is a row of the Repositories
table next to the local ones, and binding it from there pushes a branch (the default
branch untouched), as an admin does it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import StartDashboard
from tests.e2e.test_dashboard_browser import (
    _expect,
    cell,
    choose,
    click_table_row,
    grid_texts,
    open_page,
    shot,
    wait_for_run,
)
from tests.support.gitserve import GitDaemon, git, git_daemon, git_user_env, make_bare
from tests.support.repos import project_section
from tracker_dashboard.widgets import repo_key

__all__ = ["git_daemon", "git_user_env"]

# A project of its own in a monorepo folder, not bound yet.
CONFIG = (
    "# the mobile team's project\n"
    + project_section("mobile-remote", "0c3c2f4e-7d2a-4b8e-9b1a-5d6e7f8a9b0c")
    + "agents:\n  available: [claude]\n"
)


def test_a_remote_row_is_bound_by_selecting_it_and_the_push_lands_on_a_branch(
    browser: Any,
    start_dashboard: StartDashboard,
    git_daemon: GitDaemon,
    git_user_env: Path,
    tmp_path: Path,
) -> None:
    expect = _expect()
    bare = make_bare(git_daemon.root, "acme/mobile", {"app/.kittify/config.yaml": CONFIG})
    main = git("rev-parse", "main", cwd=bare)
    url = git_daemon.url("acme/mobile")
    sources = tmp_path / "remotes.txt"
    sources.write_text(f"# the mobile team\n{url}\n", encoding="utf-8")
    dash = start_dashboard("admin", env={"SK_TRACKER_REPO_SOURCES": str(sources)})
    name = f"127.0.0.1:{git_daemon.port}/acme/mobile/app"

    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        open_page(page, dash, "repositories", "Host mappings not found locally")
        expect(cell(page, name)).to_be_attached()
        texts = grid_texts(page)
        assert texts[texts.index(name) - 1].startswith("○ unbound"), texts
        # The grid's rows count from 1 and the header is row 1: data row n is n + 2.
        row = page.locator("[role='row']").filter(has=cell(page, name))
        index = int(row.get_attribute("aria-rowindex") or "0") - 2
        shot(page, "remote-repositories")

        click_table_row(page, "repos_table", index)
        wait_for_run(page)
        expect(page.locator(".st-key-repo_pick")).to_contain_text(name)
        page.get_by_role("link", name="Bind or re-bind 1 selected").click()
        key = repo_key(f"{url}#app")
        resolve = page.locator(f".st-key-resolve_{key} button")
        expect(resolve).to_be_visible()
        expect(
            page.get_by_text("on branch sk-tracker/bind-mobile-remote and pushed")
        ).to_be_visible()
        wait_for_run(page)
        resolve.click()
        wait_for_run(page)
        choose(page, f"cand_{key}_linear", "1. Mobile App (LINEAR-789) (medium)")
        expect(page.get_by_test_id("stCode")).to_contain_text("+tracker:")
        shot(page, "remote-bind-preview")
        page.locator(f".st-key-bind_{key} button").click()
        wait_for_run(page)
        expect(page.get_by_text("pushed to branch sk-tracker/bind-mobile-remote")).to_be_visible()
        shot(page, "remote-bind-done")

        # Until the branch is merged the remote's default branch is unbound still, and
        # its row says what finishes the job instead of "bind" again.
        open_page(page, dash, "repositories", "Host mappings not found locally")
        expect(cell(page, name)).to_be_attached()
        row = page.locator("[role='row']").filter(has=cell(page, name))
        click_table_row(page, "repos_table", int(row.get_attribute("aria-rowindex") or "0") - 2)
        wait_for_run(page)
        shot(page, "remote-waiting-branch")
        panel = page.get_by_text("Guidance: merge sk-tracker/bind-mobile-remote into main")
        expect(panel).to_be_visible()
    finally:
        page.close()

    assert git("rev-parse", "main", cwd=bare) == main
    pushed = git("show", "sk-tracker/bind-mobile-remote:app/.kittify/config.yaml", cwd=bare)
    assert pushed.startswith(CONFIG) and "display_label: Mobile App (LINEAR-789)" in pushed
