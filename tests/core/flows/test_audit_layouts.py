"""The audit over real spec-kitty layouts built with git: every project found (nested,
monorepo sub-folders, build/target, 12 levels deep), worktrees grouped with their
main checkout, clones not conflicts, true conflicts with a fix that touches one repo,
names relative to the root, skipped folders reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.layouts import Layout, build_layout
from tracker_core import TrackerService
from tracker_core.flows.audit import AuditReport, AuditRow
from tracker_host import seed


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    return build_layout(tmp_path_factory.mktemp("layout"))


@pytest.fixture
def report(service: TrackerService, layout: Layout) -> AuditReport:
    return service.audit([layout.root])


def rows(report: AuditReport) -> dict[str, AuditRow]:
    return {r.name: r for r in report.rows}


def test_every_project_is_found_and_named_by_its_path_under_the_root(
    report: AuditReport, layout: Layout
) -> None:
    assert sorted(rows(report)) == sorted(layout.names)
    # Two folders called api are two rows with different names.
    api = [r for r in report.rows if r.repo.name == "api"]
    assert {r.name for r in api} == {"team/a/api", "team/b/api"}
    for row in report.rows:
        assert row.repo.is_absolute() and row.repo == layout.root.resolve() / row.name


def test_a_plain_git_repo_is_not_a_project_but_is_counted(report: AuditReport) -> None:
    assert "plain-git" not in rows(report)
    assert [p.name for p in report.walk.git_repos] == ["plain-git"]


def test_skipped_folders_are_reported_and_content_skips_are_silent(
    report: AuditReport, layout: Layout
) -> None:
    skipped = [
        (s.path.relative_to(layout.root.resolve()).as_posix(), s.reason)
        for s in report.walk.skipped
    ]
    assert skipped == [("web-frontend/node_modules", "node_modules")]
    assert "1 node_modules" in report.walk.skipped_summary()
    assert not any("vendored" in r.name for r in report.rows)


def test_worktrees_share_their_main_checkouts_state(report: AuditReport) -> None:
    got = rows(report)
    main = got["web-frontend"]
    assert main.state == "bound" and main.binding_ref == seed.WEB_FRONTEND.binding_ref
    for name in ("web-frontend/.worktrees/checkout-lane-a", "web-frontend-hotfix"):
        wt = got[name]
        assert wt.worktree_of == "web-frontend" and wt.state == "bound"
        assert not wt.needs_action and wt.state != "conflict"
        assert f"worktree of web-frontend (branch {wt.branch})" in wt.reason
    assert got["web-frontend-hotfix"].branch == "hotfix"
    early = got["web-frontend/.worktrees/early-lane-a"]
    assert early.branch == "kitty/mission-early" and early.binding_ref is None
    assert early.state == "bound" and not early.needs_action
    assert "differs from web-frontend's" in early.reason


def test_clones_of_one_origin_are_one_project_seen_twice(report: AuditReport) -> None:
    got = rows(report)
    a, b = got["team/a/data-pipeline"], got["team/b/data-pipeline"]
    assert a.state == b.state == "bound"
    assert a.also_at == ("team/b/data-pipeline",) and b.also_at == ("team/a/data-pipeline",)
    assert "also checked out at team/b/data-pipeline" in a.reason


def test_a_copied_kittify_is_a_conflict_with_a_fix_for_one_repo(report: AuditReport) -> None:
    got = rows(report)
    copy, original = got["copycat"], got["platform"]
    assert copy.state == original.state == "conflict"
    assert copy.conflicts_with == ("platform",) and original.conflicts_with == ("copycat",)
    assert "origins differ" in copy.reason
    assert f"sk-tracker bind --repo {copy.repo} --provider linear --new-identity" in copy.guidance
    assert "uuid" not in copy.guidance.split("--new-identity")[0]


def test_nested_monorepo_and_oddly_named_projects_are_ordinary_rows(
    report: AuditReport,
) -> None:
    got = rows(report)
    for name in (
        "platform/billing/plugins/tax-engine",
        "mono/services/search",
        "mono/services/billing",
        "build/legacy-tool",
        "target/rusty",
        "deep/l1/l2/l3/l4/l5/l6/l7/l8/l9/l10/l11/abyss",
    ):
        assert got[name].state == "unbound", name


def test_not_found_locally_holds_no_binding_a_project_under_the_roots_holds(
    report: AuditReport,
) -> None:
    claimed = {r.binding_ref for r in report.rows if r.binding_ref}
    unclaimed = {u.mapping.binding_ref for u in report.unclaimed}
    assert not claimed & unclaimed
    for m in (seed.WEB_FRONTEND, seed.DATA_PIPELINE, seed.MY_PROJECT):
        assert m.binding_ref not in unclaimed
    assert seed.PAYMENTS.binding_ref in unclaimed


def test_the_depth_limit_is_reported_not_silent(tmp_path: Path) -> None:
    from tracker_core.local.walk import walk_roots

    deep = tmp_path / "a" / "b" / "c"
    (deep / ".kittify").mkdir(parents=True)
    (deep / ".kittify" / "config.yaml").write_text("project: {}\n")
    walked = walk_roots([tmp_path], max_depth=2)
    assert walked.projects == []
    assert [(s.path, s.reason) for s in walked.report.skipped] == [(deep, "depth")]
    assert "deeper than 2 levels" in walked.report.skipped_summary()
