"""Changes: what happened to each repo between recorded audits (newly stale, fixed,
appeared, gone, moved to another resource), with before and after."""

from datetime import UTC, date, datetime, time

import streamlit as st

from tracker_core.flows.history import CHANGE_KINDS
from tracker_core.tables import history_frames
from tracker_dashboard import entry, history_cache, tab_session
from tracker_dashboard.widgets import download_csv

entry.require_app("pages/changes.py")
st.title("Changes")
current = tab_session.current()
st.caption(
    "Each repo whose binding changed, comparing the audit recorded at the start of the "
    "period with the newest one."
)

A_DATE = "A date…"
since: datetime | None
left, middle = st.columns([2, 2])
period = left.selectbox("Since", [*history_cache.CHANGE_PERIODS, A_DATE], index=2, key="chg_period")
if period == A_DATE:
    day = middle.date_input("Date", key="chg_date", format="YYYY-MM-DD")
    since = datetime.combine(day, time(), tzinfo=UTC) if isinstance(day, date) else None
else:
    since = history_cache.days_back(history_cache.CHANGE_PERIODS[period])
view = history_frames.changes_frame(history_cache.changes(current, since))

left, middle, right = st.columns([2, 2, 3])
kinds = left.multiselect("Change", list(CHANGE_KINDS), key="chg_kinds", placeholder="All")
providers = middle.multiselect(
    "Provider", sorted(view["provider"].dropna().unique()), key="chg_providers", placeholder="All"
)
text = right.text_input("Search", key="chg_text", placeholder="repo, ref, label…")
shown = history_frames.filter_changes(view, kinds=kinds, providers=providers, text=text)

if not len(view):
    st.info(
        "No changes in this period: recorded audits appear on the Trends page; two are "
        "needed before anything can change."
    )
st.dataframe(
    shown,
    hide_index=True,
    placeholder="—",
    key="changes_table",
    column_config={
        "at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm", width=130),
        "kind": st.column_config.TextColumn("Change", width=80),
        "repo": st.column_config.TextColumn("Repository", width=220),
        "provider": st.column_config.TextColumn("Provider", width=80),
        "workspace": st.column_config.TextColumn("Workspace", width=120),
        "before_state": st.column_config.TextColumn("Before", width=150),
        "after_state": st.column_config.TextColumn("After", width=150),
        "before_ref": st.column_config.TextColumn("Ref before", width=140),
        "after_ref": st.column_config.TextColumn("Ref after", width=140),
        "before_label": st.column_config.TextColumn("Resource before", width=160),
        "after_label": st.column_config.TextColumn("Resource after", width=160),
    },
)
download_csv(
    shown,
    list(history_frames.CHANGE_COLUMNS),
    file_name="changes.csv",
    key="changes_csv",
    label="Download CSV",
)
