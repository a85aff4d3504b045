"""History across every face: audits recorded by a notebook and by ``sk-tracker audit
--record`` around drift made with the host's dev controls and config edits; the CLI's
``changes --json``, the dashboard's Changes table and ``ws.changes()`` report exactly
those changes. The Trends page charts them, the Overview shows each count's change
since yesterday, and a store that cannot be opened stops no page but Trends."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from tests.cli.conftest import Cli
from tests.dashboard.conftest import Dashboard, assert_clean, frame_with, goto, start
from tests.support import history_scenario as story
from tests.support.services import make_service
from tracker_core.access.settings import load_settings
from tracker_core.flows.history import History
from tracker_core.tables.notebook import connect
from tracker_host import seed


def rows_of(frame: pd.DataFrame) -> list[story.Expected]:
    """A changes frame (dashboard table, ``ws.changes()``) in the shape of EXPECTED."""

    def text(value: Any) -> str | None:
        return None if pd.isna(value) else str(value)

    return [
        (
            str(r["kind"]),
            Path(str(r["repo"])).name,
            text(r["before_state"]),
            text(r["after_state"]),
            text(r["before_ref"]),
            text(r["after_ref"]),
        )
        for _, r in frame.iterrows()
    ]


def test_every_face_reports_exactly_the_drift(dash: Dashboard, tmp_path: Path) -> None:
    root = tmp_path / "story"
    story.before(root)
    dash.monkeypatch.setenv("SK_TRACKER_REPO_ROOTS", str(root))
    dash.monkeypatch.setenv("SK_TRACKER_TOKEN", dash.host.admin_token)
    with connect() as ws:
        first = ws.audit(record=True)
    assert len(first) == 5

    story.drift(dash.host, root)
    cli = Cli(
        url=dash.host.url,
        team=dash.host.team,
        token=dash.host.admin_token,
        home=tmp_path / "home",
        extra_env={"SK_TRACKER_ACTIVITY_LOG": str(dash.activity_log)},
    )
    (tmp_path / "home").mkdir()
    assert "recorded snapshot" in cli.run("audit", root, "--record").err

    assert story.as_expected(cli.run("changes", "--json").json()) == story.EXPECTED
    with connect() as ws:
        changes = ws.changes()
        history = ws.history()
    assert rows_of(changes) == story.EXPECTED
    assert str(changes["at"].dtype) == "datetime64[ns, UTC]"
    assert list(history["source"]) == ["notebook", "cli"]
    assert list(history["stale"]) == [0, 2] and list(history["legacy"]) == [1, 0]

    at = start(dash, "changes")  # the Overview first: its audit is paced, not recorded
    assert rows_of(frame_with(at, "kind", "before_state")) == story.EXPECTED
    at.multiselect(key="chg_kinds").set_value(["stale", "gone"]).run()
    shown = rows_of(frame_with(at, "kind", "before_state"))
    assert [r[1] for r in shown] == ["my-project", "payments-service", "web-frontend"]
    exported = pd.read_csv(io.BytesIO(dash.download("changes.csv")))
    assert list(exported["kind"]) == ["stale", "stale", "gone"]
    assert list(exported["after_state"].fillna("")) == [
        "stale:mapping_deleted",
        "stale:mapping_disabled",
        "",
    ]

    goto(at, "trends")
    audits = frame_with(at, "taken_at", "stale")
    assert list(audits["source"]) == ["cli", "notebook"]  # newest first
    charts = [el for el in at.main if el.type in ("arrow_vega_lite_chart", "vega_lite_chart")]
    assert len(charts) == 2
    at.multiselect(key="trend_providers").set_value(["jira"]).run()
    assert_clean(at)
    assert len(History.from_settings(load_settings()).snapshots()) == 2


def test_the_dashboard_records_its_audit_paced_and_overview_shows_day_changes(
    dash: Dashboard,
) -> None:
    history = History.from_settings(load_settings())
    with make_service(dash.host) as service:
        report = service.audit([dash.root])
        history.record(
            report,
            host=service.client.base_url,
            team=dash.host.team,
            roots=[dash.root],
            actor="cron",
            source="cli",
            inventories=service.discover_all(),
            taken_at=datetime.now(UTC) - timedelta(days=1),
        )
    dash.host.delete(seed.MY_PROJECT.binding_ref)  # one more stale repo today

    at = start(dash, "overview")
    metrics = {m.label: m for m in at.metric}
    assert metrics["Stale"].proto.delta == "1"
    assert metrics["Bound repos"].proto.delta == "-1"
    assert metrics["Unbound"].proto.delta == "0"
    assert any("Changes since the audit of" in c.value for c in at.caption)
    snaps = history.snapshots()
    assert [s.source for s in snaps] == ["cli", "dashboard"]
    assert snaps[-1].count("repos", "stale") == snaps[0].count("repos", "stale") + 1

    start(dash, "overview", "viewer")  # another session within the hour: no new record
    assert len(history.snapshots()) == 2


def test_a_store_that_cannot_be_opened_stops_only_the_history_pages(dash: Dashboard) -> None:
    secret = "pw-5d1e"
    dash.monkeypatch.setenv(
        "SK_TRACKER_DATABASE_URL", f"postgresql+psycopg://sk:{secret}@127.0.0.1:9/h"
    )
    at = start(dash, "overview")  # clean: no error on the page
    assert any("history store cannot be read" in c.value for c in at.caption)
    goto(at, "repositories")
    at.switch_page("pages/trends.py").run()
    assert not at.exception
    (error,) = at.error
    shown = re.sub(r"\\(.)", r"\1", error.value)  # Markdown escapes off: the text as seen
    assert shown.startswith("history store postgresql+psycopg://sk:***@127.0.0.1:9/h: ")
    assert secret not in error.value
