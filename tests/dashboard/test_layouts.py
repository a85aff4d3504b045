"""The dashboard over real spec-kitty layouts built with git: every table, selector
and panel names a repo by its path under the root, worktrees and clones read as
such, and the walk's skipped folders are in a caption."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboard.conftest import Dashboard, frame_with, goto, start
from tests.support.layouts import Layout, build_layout


@pytest.fixture
def layout(dash: Dashboard, tmp_path: Path) -> Layout:
    built = build_layout(tmp_path / "layout")
    dash.monkeypatch.setenv("SK_TRACKER_REPO_ROOTS", str(built.root))
    return built


def test_repositories_page_names_and_groups_every_project(dash: Dashboard, layout: Layout) -> None:
    at = start(dash, "repositories")
    table = frame_with(at, "state_label", "reason").set_index("name")
    assert sorted(table.index) == sorted(layout.names)
    hotfix = table.loc["web-frontend-hotfix"]
    assert hotfix["state_label"] == "● bound"
    assert "worktree of web-frontend (branch hotfix)" in hotfix["reason"]
    assert "also checked out at team/b/data-pipeline" in table.loc["team/a/data-pipeline", "reason"]
    assert "--new-identity" in table.loc["copycat", "guidance"]
    captions = " ".join(c.value for c in at.caption).replace("\\", "")  # markdown escapes
    assert "skipped 1 folder: 1 node_modules" in captions
    assert "1 git repo(s) without .kittify/" in captions and "plain-git" in captions
    # The selector offers the same names (two `api` folders are told apart).
    options = at.multiselect(key="repo_pick").options
    assert "team/a/api" in options and "team/b/api" in options


def test_bind_panel_is_headed_by_the_repo_name(dash: Dashboard, layout: Layout) -> None:
    at = start(dash, "repositories")
    target = str(layout.root.resolve() / "team" / "b" / "api")
    at.multiselect(key="repo_pick").set_value([target]).run()
    goto(at, "bind")
    assert "#### team/b/api" in [m.value.replace("\\", "") for m in at.markdown]
