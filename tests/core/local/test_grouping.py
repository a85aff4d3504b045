"""tracker_core.local.grouping at scale: many clones of one project stay one project,
and a different project claiming its uuid conflicts with every one of them."""

from __future__ import annotations

from pathlib import Path

from tests.support.repos import COMMON, make_repo, project_section
from tracker_core.local.grouping import relate
from tracker_core.local.scan import scan_roots

UUID = "11111111-2222-4333-8444-555555555555"
CONFIG = project_section("web", UUID) + COMMON


def test_many_clones_are_one_project_and_a_copy_elsewhere_conflicts_with_each(
    tmp_path: Path,
) -> None:
    clones = 40
    for i in range(clones):
        # Both spellings of one origin: they are the same remote.
        url = "git@github.com:Acme/web.git" if i % 2 else "https://github.com/acme/web"
        make_repo(tmp_path, f"dev-{i:02d}/web", CONFIG, remote=url)
    make_repo(tmp_path, "other/api", CONFIG, remote="https://github.com/acme/api.git")
    repos = scan_roots([tmp_path])
    relations = relate(repos)
    by_name = {r.name: r for r in repos}
    other = relations[by_name["other/api"].path]
    assert other.copies == ()
    assert len(other.conflicts) == clones
    assert {c.other.name for c in other.conflicts} == {f"dev-{i:02d}/web" for i in range(clones)}
    for i in range(clones):
        relation = relations[by_name[f"dev-{i:02d}/web"].path]
        assert len(relation.copies) == clones - 1
        assert by_name[f"dev-{i:02d}/web"] not in relation.copies
        assert [c.other.name for c in relation.conflicts] == ["other/api"]
        assert "origins differ" in relation.conflicts[0].why
