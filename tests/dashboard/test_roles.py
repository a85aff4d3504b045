"""Roles: a viewer sees and exports everything, every mutating control is disabled,
and the mutating code paths refuse a viewer even when called directly."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.errors import AppTestError

from tests.dashboard.conftest import Dashboard, assert_clean, frame_with, goto, start
from tracker_host import seed


def test_viewer_can_preview_but_every_mutating_control_is_disabled(dash: Dashboard) -> None:
    at = start(dash, "bind", "viewer")
    assert any("signed in as a viewer" in i.value for i in at.info)
    at.multiselect(key="bind_pick").select(dash.path("mobile-app")).run()
    key = dash.key("mobile-app")
    # Resolving and previewing only read: allowed.
    at.button(key=f"resolve_{key}").click().run()
    assert_clean(at)
    at.selectbox(key=f"cand_{key}_linear").select_index(0).run()
    assert "+  display_label: Mobile App (LINEAR-789)" in at.code[0].value
    assert at.button(key=f"bind_{key}").disabled
    at.button(key="rebind_plan").click().run()
    at.selectbox(key=f"queue_{dash.key('crm-sync')}").select_index(0).run()
    assert at.button(key="rebind_chosen").disabled
    assert at.button(key="apply_upgrades").disabled
    # AppTest, like a browser, cannot press a disabled button.
    for key_ in (f"bind_{key}", "rebind_chosen", "apply_upgrades"):
        with pytest.raises(AppTestError, match="disabled"):
            at.button(key=key_).click()
    assert "tracker:" not in dash.config("mobile-app")


def test_admin_gets_the_same_controls_enabled(dash: Dashboard) -> None:
    at = start(dash, "bind", "admin")
    assert not any("signed in as a viewer" in i.value for i in at.info)
    assert not at.button(key="apply_upgrades").disabled


def test_viewer_role_comes_from_the_host_not_the_setting(dash: Dashboard) -> None:
    dash.monkeypatch.setenv("SK_TRACKER_ROLE", "admin")  # only a fallback for hosts without /me
    at = start(dash, "bind", "viewer")
    assert at.button(key="apply_upgrades").disabled
    assert at.session_state["_tracker_session"].role == "viewer"


VIEWER_SCRIPT = """
import io
from pathlib import Path

import streamlit as st

from tracker_core.flows import binding
from tracker_core.flows.audit import AuditRow
from tracker_core.flows.rebind import RebindItem
from tracker_dashboard import actions
from tracker_dashboard.tab_session import open_session

current = open_session()
repos = Path(REPOS)
# Resolving only reads: a viewer may, and gets a real candidate to try to bind.
ctx = binding.prepare(repos / "mobile-app", "linear")
cand = current.service.client.bind_resolve("linear", ctx.identity).candidates[0]
choice = actions.BindChoice("candidate", cand.display_label, candidate=cand)
stale = RebindItem(repos / "search-indexer", "linear", "choice", candidates=(cand,))
exact = RebindItem(repos / "crm-sync", "jira", "exact", binding_ref="srm_x")
legacy = AuditRow(
    repos / "billing-service", "legacy", "linear", project_slug="billing-service",
    pending_ref=PENDING,
)
# Every mutating path the pages use, called directly with the viewer's session.
results = [
    actions.bind_one(current, repos / "mobile-app", "linear", choice, None),
    *actions.rebind_choices(current, [(stale, cand)]),
    *actions.rebind_exact(current, [exact]),
    *actions.apply_upgrades(current, [legacy]),
]
for change in results:
    st.text(f"{change.ok}|{change.detail}")
"""


def test_a_viewer_session_cannot_write_even_through_the_action_functions(dash: Dashboard) -> None:
    before = {name: dash.config(name) for name in dash.repos}
    counts = dash.host.mapping_counts()
    dash.monkeypatch.setenv("SK_TRACKER_TOKEN", dash.host.viewer_token)
    script = VIEWER_SCRIPT.replace("REPOS", repr(str(dash.root))).replace(
        "PENDING", repr(seed.LEGACY_BILLING.binding_ref)
    )
    at = AppTest.from_string(script, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    outcomes = [t.value.split("|", 1) for t in at.text]
    assert len(outcomes) == 4
    for ok, detail in outcomes:
        assert ok == "False"
        assert "viewer role may not" in detail
    assert {name: dash.config(name) for name in dash.repos} == before
    assert dash.host.mapping_counts() == counts


def test_writes_only_under_the_allowed_roots(dash: Dashboard, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dash.monkeypatch.setenv("SK_TRACKER_ALLOWED_ROOTS", str(elsewhere))
    at = start(dash)
    assert any("outside the allowed roots" in t.value for t in at.sidebar.text)
    goto(at, "repositories")
    exported = pd.read_csv(io.BytesIO(dash.download("repositories.csv")))
    assert len(exported) == len(dash.repos)
    assert not exported["writable"].any()
    at.multiselect(key="repo_pick").select(dash.path("mobile-app")).run()
    assert any("Writable here: no" in t.value for t in at.text)
    goto(at, "bind")
    key = dash.key("mobile-app")
    assert any("Outside the allowed roots" in w.value for w in at.warning)
    at.button(key=f"resolve_{key}").click().run()
    at.selectbox(key=f"cand_{key}_linear").select_index(0).run()
    assert at.button(key=f"bind_{key}").disabled
    assert at.button(key="apply_upgrades").disabled is False  # the control is there...
    at.button(key="apply_upgrades").click().run()  # ...but the write is refused
    details = list(frame_with(at, "result", "detail")["detail"])
    assert any("outside the allowed roots" in d for d in details), details
    assert "binding_ref" not in dash.config("billing-service").split("tracker:")[1]


def test_a_host_without_me_falls_back_to_the_role_setting(
    dash: Dashboard, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker_core.host.client import HostClient

    monkeypatch.setattr(HostClient, "me", lambda self: None)  # as a host answering 404
    at = start(dash, "bind", "admin")  # the default setting is viewer
    assert at.session_state["_tracker_session"].role == "viewer"
    assert at.button(key="apply_upgrades").disabled
    dash.monkeypatch.setenv("SK_TRACKER_ROLE", "admin")
    at = start(dash, "bind", "admin")
    assert at.session_state["_tracker_session"].role == "admin"
    assert not at.button(key="apply_upgrades").disabled
