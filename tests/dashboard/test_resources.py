"""Resources page: one table of every resource, filters, and a CSV of what is shown."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from tests.dashboard.conftest import Dashboard, assert_clean, frame_with, start
from tracker_core.tables import palette
from tracker_host import seed


def shown(at) -> pd.DataFrame:
    """The table as the user reads it: each status pill as its text."""
    table = frame_with(at, "state", "display_label", "bound_at").copy()
    table["state"] = [pill for (pill,) in table["state"]]
    return table


def pill_colours(at) -> dict[str, str]:
    """Each row's status pill (by resource) and the colour the browser gives it."""
    element = next(df for df in at.dataframe if "display_label" in df.value.columns)
    config = json.loads(element.proto.columns)
    state = next(c for c in config.values() if c.get("label") == "Status")
    colour = {o["value"]: o["color"] for o in state["type_config"]["options"]}
    table = shown(at)
    return {row.display_label: colour[row.state] for row in table.itertuples()}


def caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Showing"))


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_every_resource_in_one_table(dash: Dashboard, role: str) -> None:
    at = start(dash, "resources", role)
    table = shown(at)
    assert len(table) == seed.RESOURCE_TOTAL
    assert list(table.columns) == [
        "state",
        "provider",
        "workspace",
        "display_label",
        "bound_project_slug",
        "bound_at",
        "binding_ref",
        "team",
    ]
    assert set(table["provider"]) == {"linear", "jira", "github", "gitlab"}
    mine = table.set_index("display_label").loc[seed.MY_PROJECT.display_label]
    assert mine["state"] == "● bound"
    assert mine["bound_project_slug"] == "my-project"
    assert mine["binding_ref"] == seed.MY_PROJECT.binding_ref
    assert pd.Timestamp(mine["bound_at"]) == pd.Timestamp(seed.MY_PROJECT.bound_at)
    free = table.set_index("display_label").loc["Search Service (LAB-34)"]  # freed by the delete
    assert free["state"] == "○ available"
    assert pd.isna(free["binding_ref"])
    assert caption(at) == "Showing 40 of 40 resources"


def test_filters_narrow_the_table(dash: Dashboard) -> None:
    at = start(dash, "resources")
    at.multiselect(key="res_providers").set_value(["jira"]).run()
    assert_clean(at)
    assert set(shown(at)["provider"]) == {"jira"} and len(shown(at)) == 10
    # The workspace choices follow the provider filter.
    assert at.multiselect(key="res_workspaces").options == ["Acme Jira Cloud", "Acme Partners Jira"]
    at.multiselect(key="res_workspaces").set_value(["Acme Jira Cloud"]).run()
    assert len(shown(at)) == 6
    at.selectbox(key="res_status").set_value("bound").run()
    assert sorted(shown(at)["display_label"]) == ["Payments (PAY)"]
    # The disabled mapping's resource is neither bound nor available.
    at.selectbox(key="res_status").set_value("disabled").run()
    assert list(shown(at)["display_label"]) == ["Legacy CRM (CRM)"]
    assert list(shown(at)["state"]) == ["⊘ disabled"]
    at.selectbox(key="res_status").set_value("available").run()
    assert len(shown(at)) == 4
    assert caption(at) == "Showing 4 of 40 resources"


def test_free_text_matches_any_column_case_insensitively(dash: Dashboard) -> None:
    at = start(dash, "resources")
    at.text_input(key="res_text").input("ACME-OPS").run()
    assert set(shown(at)["workspace"]) == {"acme-ops"} and len(shown(at)) == 3
    at.text_input(key="res_text").input("payments-service").run()  # the bound project
    assert list(shown(at)["display_label"]) == ["Payments (PAY)"]
    at.text_input(key="res_text").input(seed.INFRA_TOOLS.binding_ref.lower()).run()
    assert list(shown(at)["display_label"]) == ["acme/infra-tools"]
    at.text_input(key="res_text").input("no such thing").run()
    assert len(shown(at)) == 0
    assert caption(at) == "Showing 0 of 40 resources"


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_csv_download_is_exactly_what_is_shown(dash: Dashboard, role: str) -> None:
    at = start(dash, "resources", role)
    at.multiselect(key="res_providers").set_value(["linear"]).run()
    at.text_input(key="res_text").input("lab").run()
    table = shown(at)
    assert len(table) == 7
    button = at.download_button(key="resources_csv")
    assert not button.disabled  # a viewer can export too
    exported = pd.read_csv(io.BytesIO(dash.download("resources.csv")))
    assert list(exported.columns) == list(table.columns)
    assert list(exported["display_label"]) == list(table["display_label"])
    assert list(exported["state"]) == list(table["state"])
    bound = exported.set_index("display_label").loc["Billing Service (LAB-56)"]
    assert bound["binding_ref"] == seed.LEGACY_BILLING.binding_ref
    assert bound["bound_project_slug"] == "billing-service"


def test_each_status_has_its_palette_colour(dash: Dashboard) -> None:
    at = start(dash, "resources")
    colours = pill_colours(at)
    assert len(colours) == seed.RESOURCE_TOTAL
    # The same colours as the notebook's cells and the charts; a disabled mapping
    # reads as stale, so it never looks bound.
    assert colours["Legacy CRM (CRM)"] == palette.tint("stale")
    assert colours[seed.MY_PROJECT.display_label] == palette.tint("bound")
    assert colours["Payments (PAY)"] == palette.tint("bound")
    assert colours["Search Service (LAB-34)"] == palette.tint("available")
    assert len({palette.tint("stale"), palette.tint("bound"), palette.tint("available")}) == 3
    # The colour follows the status filter.
    at.selectbox(key="res_status").set_value("disabled").run()
    assert pill_colours(at) == {"Legacy CRM (CRM)": palette.tint("stale")}
