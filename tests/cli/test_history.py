"""``audit --record``, ``history`` and ``changes``: audits recorded across drift made
with the host's dev controls and config edits report exactly those changes, on SQLite
and on PostgreSQL; ``--fail-on`` gates CI on the kinds it names."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Cli
from tests.support import history_scenario as story
from tests.support.host import HostHandle


def test_recorded_audits_report_exactly_the_drift(
    cli: Cli, host: HostHandle, repos: Path, store_url: str
) -> None:
    env = {"SK_TRACKER_DATABASE_URL": store_url}
    assert cli.run("history", env=env).out.startswith("No audits recorded yet")
    story.before(repos)
    first = cli.run("audit", repos, "--record", env=env)
    assert first.code == 1, first  # the legacy repo needs action
    assert "recorded snapshot" in first.err
    assert cli.run("changes", "--json", env=env).json() == []  # one snapshot: nothing yet

    story.drift(host, repos)
    second = cli.run("audit", repos, "--record", "--json", env=env)
    assert second.code == 1 and "recorded snapshot" in second.err
    second.json()  # stdout stays JSON

    changes = cli.run("changes", "--json", env=env)
    assert changes.code == 0, changes
    assert story.as_expected(changes.json()) == story.EXPECTED
    providers = {Path(c["repo"]).name: c["provider"] for c in changes.json()}
    assert providers["payments-service"] == "jira" and providers["new-app"] is None
    # From a date before the first audit: the first audit is the baseline.
    since = cli.run("changes", "--json", "--since", "2000-01-01", env=env)
    assert story.as_expected(since.json()) == story.EXPECTED

    table = cli.run("changes", env=env)
    assert table.code == 0 and "my-project" in table.out and "stale:mapping_deleted" in table.out

    gate = cli.run("changes", "--fail-on", "stale,gone", env=env)
    assert gate.code == 1 and "stale" in gate.err
    assert cli.run("changes", "--fail-on", "changed", env=env).code == 0
    bad = cli.run("changes", "--fail-on", "exploded", env=env)
    assert bad.code == 2 and "unknown change kind exploded" in bad.one_error_line()

    history = cli.run("history", "--json", env=env)
    assert history.code == 0
    snaps = history.json()
    assert [s["states"]["stale"] for s in snaps] == [0, 2]
    assert [s["repos"] for s in snaps] == [5, 5]
    assert [s["states"]["legacy"] for s in snaps] == [1, 0]
    assert all(s["resources"]["bound"] + s["resources"]["available"] > 0 for s in snaps)
    assert snaps[0]["roots"] == [str(repos.resolve())] and snaps[0]["source"] == "cli"
    assert cli.run("history", env=env).code == 0
    later = cli.run("history", "--json", "--since", "2999-01-01", env=env)
    assert later.json() == []


def test_a_broken_store_fails_the_record_but_not_the_audit_output(cli: Cli, repos: Path) -> None:
    story.before(repos)
    env = {"SK_TRACKER_DATABASE_URL": "postgresql+psycopg://sk:pw-93ab@127.0.0.1:9/h"}
    result = cli.run("audit", repos, "--record", "--json", env=env)
    assert result.code == 1
    assert "pw-93ab" not in result.out + result.err
    assert "sk:***@127.0.0.1:9/h" in result.one_error_line()
    assert len(result.json()["repos"]) == 5  # the audit itself was printed first
