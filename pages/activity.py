"""Activity: the append-only log of binds, re-binds and config writes, newest first."""

import streamlit as st

from tracker_core.flows.activity import ActivityLog
from tracker_core.tables import views
from tracker_core.tables.names import relative_names
from tracker_dashboard import entry, tab_session
from tracker_dashboard.text import or_dash
from tracker_dashboard.widgets import download_csv

entry.require_app("pages/activity.py")
st.title("Activity")
current = tab_session.current()
log = ActivityLog.from_settings(current.settings)
st.caption("Who bound, re-bound or upgraded which repository, and when (newest first).")
st.text(f"Store: {log.store.masked_url}")

entries = views.activity_frame(log.entries(newest_first=True))
# Repos by their name under the roots; the full path shows for a selected row.
entries["name"] = relative_names(entries["repo"], current.repo_roots)
left, right = st.columns([2, 3])
actions = left.multiselect(
    "Action", sorted(entries["action"].dropna().unique()), key="act_actions", placeholder="All"
)
text = right.text_input("Search", key="act_text", placeholder="actor, repo, ref…")
shown = entries
if actions:
    shown = shown.loc[shown["action"].isin(actions)]
if text.strip():
    needle = text.strip().casefold()
    hay = shown[["actor", "repo", "old_ref", "new_ref", "detail"]].fillna("").agg(" ".join, axis=1)
    shown = shown.loc[hay.str.casefold().str.contains(needle, regex=False)]

if not len(entries):
    st.info(
        "Nothing recorded yet: binds, re-binds and upgrades made here or with the CLI appear here."
    )
event = st.dataframe(
    shown,
    hide_index=True,
    placeholder="—",
    key="activity_table",
    on_select="rerun",
    selection_mode="single-row",
    # The refs and the path are in the selected row's panel below (and in the CSV): the
    # table fits a 1280 px window with the sidebar open (820 px, 30 of them checkboxes).
    column_order=["at", "actor", "action", "result", "name", "provider", "detail"],
    column_config={
        "at": st.column_config.DatetimeColumn("At", format="YYYY-MM-DD HH:mm:ss", width=135),
        "actor": st.column_config.TextColumn("Who", width=135),
        "action": st.column_config.TextColumn("Action", width=70),
        "result": st.column_config.TextColumn("Result", width=65),
        "name": st.column_config.TextColumn("Repository", width=150),
        "provider": st.column_config.TextColumn("Provider", width=75),
        "detail": st.column_config.TextColumn("Detail", width=155),
    },
)
st.caption("Select a row to see its path, refs and whole detail.")
for row in event.selection.rows:
    if 0 <= row < len(shown):
        chosen = shown.iloc[row]
        st.text(  # plain text, never Markdown
            f"Path: {chosen['repo']}\nOld ref: {or_dash(chosen['old_ref'])}\n"
            f"New ref: {or_dash(chosen['new_ref'])}\nDetail: {or_dash(chosen['detail'])}"
        )
download_csv(
    shown,
    list(views.ACTIVITY_COLUMNS),
    file_name="activity.csv",
    key="activity_csv",
    label="Download CSV",
)
