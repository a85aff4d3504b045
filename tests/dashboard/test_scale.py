"""20,000 resources: one table, filters on every rerun, no request to the host."""

from __future__ import annotations

from typing import Any

from tests.dashboard.conftest import Dashboard, frame_with, goto, start

PER_WORKSPACE = 5_000


def big_state() -> dict[str, Any]:
    workspaces = [
        {
            "name": f"Workspace {w}",
            "team_name": f"Team {w}",
            "resources": [
                {"key": f"R{w}-{i}", "name": f"Service {w}-{i}"} for i in range(PER_WORKSPACE)
            ],
        }
        for w in range(4)
    ]
    return {"installations": [{"provider": "linear", "workspaces": workspaces}], "mappings": []}


def test_twenty_thousand_resources_filter_without_host_calls(dash: Dashboard) -> None:
    dash.host.load(big_state())
    at = start(dash, "resources")
    assert len(frame_with(at, "state", "display_label")) == 4 * PER_WORKSPACE
    calls = at.session_state["_tracker_session"].service.client.request_count
    at.text_input(key="res_text").input("service 2-17").run()
    at.multiselect(key="res_workspaces").set_value(["Workspace 2"]).run()
    at.selectbox(key="res_status").set_value("available").run()
    shown = frame_with(at, "state", "display_label")
    # "Service 2-17" and "Service 2-170".."Service 2-179", "Service 2-1700".."2-1799"
    assert len(shown) == 1 + 10 + 100
    assert set(shown["workspace"]) == {"Workspace 2"}
    assert at.session_state["_tracker_session"].service.client.request_count == calls
    # How fast the reruns are is measured by bench/bench_resources_page.py.
    goto(at, "overview")
    assert {m.label: m.value for m in at.metric}["Resources"] == "20000"
