"""Activity page: the append-only log, newest first, filterable and downloadable."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from tests.cli.conftest import Cli
from tests.dashboard.conftest import Dashboard, assert_clean, frame_with, goto, start
from tests.support.activity import log_beside
from tests.support.person import PERSON
from tracker_host import seed


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_empty_log_says_so(dash: Dashboard, role: str) -> None:
    at = start(dash, "activity", role)
    assert any("Nothing recorded yet" in i.value for i in at.info)
    assert len(frame_with(at, "actor", "new_ref")) == 0


def test_entries_newest_first_with_who_what_and_refs(dash: Dashboard) -> None:
    log = log_beside(dash.activity_log)
    log.record(
        actor="cli user",
        action="bind",
        repo="/r/a",
        provider="linear",
        old_ref=None,
        new_ref="srm_A",
        result="ok",
    )
    at = start(dash, "bind")
    at.button(key="apply_upgrades").click().run()  # recorded by the dashboard
    assert_clean(at)
    goto(at, "activity")
    table = frame_with(at, "actor", "new_ref")
    assert list(table["action"]) == ["upgrade", "bind"]
    assert list(table["actor"]) == [PERSON, "cli user"]
    assert table["new_ref"].iloc[0] == seed.LEGACY_BILLING.binding_ref
    assert table["repo"].iloc[0] == dash.path("billing-service")
    at.multiselect(key="act_actions").set_value(["bind"]).run()
    assert list(frame_with(at, "actor", "new_ref")["actor"]) == ["cli user"]
    at.multiselect(key="act_actions").set_value([]).run()
    at.text_input(key="act_text").input("billing").run()
    assert list(frame_with(at, "actor", "new_ref")["action"]) == ["upgrade"]
    exported = pd.read_csv(io.BytesIO(dash.download("activity.csv")))
    assert list(exported["action"]) == ["upgrade"]
    assert list(exported["actor"]) == [PERSON]


def test_viewer_sees_and_exports_the_log(dash: Dashboard) -> None:
    log_beside(dash.activity_log).record(
        actor="admin@acme.example",
        action="rebind",
        repo="/r/b",
        provider="jira",
        old_ref="srm_old",
        new_ref="srm_new",
        result="ok",
    )
    at = start(dash, "activity", "viewer")
    table = frame_with(at, "actor", "new_ref")
    assert list(table["old_ref"]) == ["srm_old"]
    assert not at.download_button(key="activity_csv").disabled
    assert b"srm_new" in dash.download("activity.csv")


def test_a_person_signed_in_with_st_login_is_the_actor(dash: Dashboard) -> None:
    at = dash.app()
    at.user = {"is_logged_in": True, "email": "alice@acme.example", "name": "Alice"}
    at.run()
    assert_clean(at)
    assert "alice@acme.example" in [t.value for t in at.sidebar.text]
    goto(at, "bind")
    at.button(key="apply_upgrades").click().run()
    goto(at, "activity")
    assert list(frame_with(at, "actor", "new_ref")["actor"]) == ["alice@acme.example"]


def test_a_cli_bind_shows_on_the_activity_page_through_the_default_log(
    dash: Dashboard, tmp_path: Path
) -> None:
    # Neither face is told where the log is: both use the one default location.
    home = tmp_path / "home"
    home.mkdir()
    dash.monkeypatch.delenv("SK_TRACKER_ACTIVITY_LOG")
    dash.monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    cli = Cli(url=dash.host.url, team=dash.host.team, token=dash.host.admin_token, home=home)
    done = cli.run(
        "bind", "--provider", "linear", "--select", "1", "--repo", dash.path("mobile-app")
    )
    assert done.code == 0, done
    at = start(dash, "activity")
    table = frame_with(at, "actor", "new_ref")
    assert list(table["action"]) == ["bind"]
    assert list(table["actor"]) == [PERSON]  # the person, as the dashboard would name them
    assert table["repo"].iloc[0] == dash.path("mobile-app")
    assert (home / ".local" / "state" / "sk-tracker" / "sk-tracker.db").is_file()


def test_repos_are_named_under_their_root_with_the_full_path_on_selection(
    dash: Dashboard,
) -> None:
    log_beside(dash.activity_log).record(
        actor="cli user",
        action="bind",
        repo=dash.path("mobile-app"),
        provider="linear",
        old_ref=None,
        new_ref="srm_A",
        result="ok",
    )
    at = start(dash, "activity")
    table = frame_with(at, "actor", "new_ref")
    assert list(table["name"]) == ["mobile-app"]
    assert not any(t.value.startswith("Path: ") for t in at.text)
    at.session_state["activity_table"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    panel = next(t.value for t in at.text if t.value.startswith("Path: "))
    # The table leaves out the path and the refs; the selected row's panel has them.
    assert panel.splitlines()[:3] == [
        f"Path: {dash.path('mobile-app')}",
        "Old ref: —",
        "New ref: srm_A",
    ]
