"""Each distinct reason a binding does not route, as the dashboard shows it: the host
decides (bind-validate or its listings), the client reads it, the Repositories page
says it in its own words beside the host's."""

from __future__ import annotations

import pandas as pd

from tests.dashboard.conftest import Dashboard, frame_with, start
from tests.support.repos import COMMON, make_repo, project_section, tracker_section
from tracker_host import seed

NEVER_ISSUED = "srm_01ZZZZZZZZZZZZZZZZZZZZZZZZ"


def add_repo(dash: Dashboard, name: str, uuid: str, provider: str, ref: str) -> None:
    config = project_section(name, uuid) + COMMON + tracker_section(provider, binding_ref=ref)
    make_repo(dash.root, name, config)


def test_every_reason_has_its_own_state_and_the_host_words(dash: Dashboard) -> None:
    add_repo(dash, "never-issued", "11111111-1111-4111-8111-111111111111", "linear", NEVER_ISSUED)
    # a jira binding configured as linear
    payments = seed.PAYMENTS
    add_repo(dash, "wrong-provider", payments.project_uuid, "linear", payments.binding_ref)
    # another project's ref (its owner is not under the roots, so no conflict)
    pipeline = seed.DATA_PIPELINE
    add_repo(
        dash, "not-mine", "22222222-2222-4222-8222-222222222222", "linear", pipeline.binding_ref
    )

    at = start(dash, "repositories")
    table: pd.DataFrame = frame_with(at, "state_label", "reason").set_index("name")

    assert table.loc["never-issued", "state_label"] == "✕ stale  binding_not_found"
    assert "never issued" in table.loc["never-issued", "reason"]
    assert table.loc["wrong-provider", "state_label"] == "✕ stale  provider_mismatch"
    assert "belongs to jira, not linear" in table.loc["wrong-provider", "reason"]
    assert "--provider jira" in table.loc["wrong-provider", "reason"]
    assert table.loc["not-mine", "state_label"] == "✕ stale  project_mismatch"
    assert table.loc["search-indexer", "state_label"] == "✕ stale  mapping_deleted"
    assert table.loc["crm-sync", "state_label"] == "✕ stale  mapping_disabled"
    for name in ("never-issued", "wrong-provider", "not-mine", "search-indexer", "crm-sync"):
        assert "sk-tracker bind --provider" in table.loc[name, "guidance"], name
