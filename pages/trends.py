"""Trends: binding health over time from the recorded audits."""

import streamlit as st

from tracker_core.flows.history import scope_of
from tracker_core.tables import history_frames
from tracker_core.tables.frames import AUDIT_KINDS, RESOURCE_STATES
from tracker_dashboard import entry, history_cache, tab_session
from tracker_dashboard.charts import stacked_over_time
from tracker_dashboard.widgets import download_csv

entry.require_app("pages/trends.py")
st.title("Trends")
current = tab_session.current()
st.caption(
    "Binding health over time, from the audits recorded by this dashboard (at most one per "
    "SK_TRACKER_RECORD_EVERY minutes), `sk-tracker audit --record` and notebooks."
)

left, right = st.columns([1, 3])
period = left.selectbox("Period", list(history_cache.TREND_PERIODS), index=2, key="trend_period")
snaps = history_cache.snapshots(
    current, history_cache.days_back(history_cache.TREND_PERIODS[period])
)
scopes = sorted({s.scope.roots for s in snaps})
if not scopes:
    st.info(
        "No audits recorded yet: this dashboard records one when it reads the repositories, "
        "and `sk-tracker audit ROOT… --record` records one from cron or CI."
    )
    st.stop()
mine = scope_of(current.host, current.team, [*current.repo_roots, *current.remote_roots]).roots
chosen = right.selectbox(
    "Repo roots",
    scopes,
    index=scopes.index(mine) if mine in scopes else 0,
    format_func=history_cache.roots_label,
    key="trend_scope",
)
snaps = [s for s in snaps if s.scope.roots == chosen]
trends = history_frames.trends_frame(snaps)

left, right = st.columns(2)
providers = left.multiselect(
    "Provider",
    sorted(trends["provider"].dropna().unique()),
    key="trend_providers",
    placeholder="All",
)
in_providers = trends if not providers else trends.loc[trends["provider"].isin(providers)]
workspaces = right.multiselect(
    "Workspace",
    sorted(in_providers["workspace"].dropna().unique()),
    key="trend_workspaces",
    placeholder="All",
)

repos = history_frames.trend_series(trends, "repos", providers=providers, workspaces=workspaces)
resources = history_frames.trend_series(
    trends, "resources", providers=providers, workspaces=workspaces
)
st.subheader("Repositories by binding state")
st.altair_chart(stacked_over_time(repos, list(AUDIT_KINDS), "Repos"), width="stretch")
st.subheader("Host resources: bound and available")
st.altair_chart(stacked_over_time(resources, list(RESOURCE_STATES), "Resources"), width="stretch")

st.subheader("Recorded audits")
table = history_frames.history_frame(snaps).iloc[::-1]
st.dataframe(
    table,
    hide_index=True,
    key="trend_audits",
    column_config={
        "taken_at": st.column_config.DatetimeColumn("Taken", format="YYYY-MM-DD HH:mm"),
        "actor": st.column_config.TextColumn("Who"),
        "source": st.column_config.TextColumn("From"),
        "roots": None,
        "team": None,
    },
)
download_csv(
    table,
    list(history_frames.HISTORY_COLUMNS),
    file_name="audits.csv",
    key="trend_csv",
    label="Download CSV",
)
