"""``sk-tracker activity``: the log every face writes, read from the store without
the host; a store that cannot be opened is one line, password masked."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Cli
from tests.core.store.test_activity_store import old_release_log
from tests.support.repos import COMMON, make_repo, project_section
from tracker_host import seed


def test_activity_lists_binds_and_the_imported_old_log(cli: Cli, repos: Path) -> None:
    old_release_log(cli.home / ".local" / "state" / "sk-tracker" / "activity.jsonl")
    m = seed.MY_PROJECT
    fresh = make_repo(
        repos, m.project_slug, project_section(m.project_slug, m.project_uuid) + COMMON
    )
    assert cli.run("bind", "--provider", "linear", cwd=fresh).code == 0
    result = cli.run("activity", "--json", env={"SPEC_KITTY_SAAS_URL": "http://127.0.0.1:9"})
    assert result.code == 0, result
    entries = result.json()
    assert [(e["action"], e["repo"], e["result"]) for e in entries] == [
        ("bind", str(fresh), "ok"),
        ("upgrade", "/r/legacy", "ok"),
        ("bind", "/r/old", "ok"),
    ]
    table = cli.run("activity")
    assert table.code == 0 and "srm_old_2" in table.out and str(fresh) in table.out


def test_an_unreachable_store_is_one_line_and_binds_still_work(cli: Cli, repos: Path) -> None:
    secret = "pw-7f3e1c"
    env = {"SK_TRACKER_DATABASE_URL": f"postgresql+psycopg://sk:{secret}@127.0.0.1:9/h"}
    result = cli.run("activity", env=env)
    assert result.code == 1
    line = result.one_error_line()
    assert "postgresql+psycopg://sk:***@127.0.0.1:9/h" in line and secret not in line
    m = seed.MY_PROJECT
    fresh = make_repo(
        repos, m.project_slug, project_section(m.project_slug, m.project_uuid) + COMMON
    )
    bound = cli.run("bind", "--provider", "linear", cwd=fresh, env=env)
    assert bound.code == 0, bound  # the log is a record, not a gate
    assert secret not in bound.out + bound.err
