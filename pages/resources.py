"""Resources: every discovered resource across providers and workspaces, filtered."""

import streamlit as st

from tracker_core import views
from tracker_dashboard import entry, loaders, session
from tracker_dashboard.widgets import download_csv

entry.require_app("pages/resources.py")
st.title("Resources")
current = session.current()
inv = loaders.inventory(current)
view = inv.resources

STATUS = {"all": "All", "bound": "● Bound", "available": "○ Available"}
SHOWN = [
    "state",
    "provider",
    "workspace",
    "team",
    "display_label",
    "bound_project_slug",
    "binding_ref",
    "bound_at",
]

left, middle, right, status_col = st.columns([2, 3, 3, 2])
providers = left.multiselect(
    "Provider", sorted(view["provider"].cat.categories), key="res_providers", placeholder="All"
)
workspaces = middle.multiselect(
    "Workspace", views.workspace_options(view, providers), key="res_workspaces", placeholder="All"
)
text = right.text_input("Search", key="res_text", placeholder="label, project, ref…")
status = status_col.selectbox(
    "Status", list(STATUS), format_func=STATUS.__getitem__, key="res_status"
)

shown = views.filter_resources(
    view, providers=providers, workspaces=workspaces, status=status, text=text
)
st.caption(f"Showing {len(shown):,} of {len(view):,} resources")
# Only the shown columns go to the browser (not the search text or candidate tokens).
st.dataframe(
    shown[SHOWN],
    hide_index=True,
    placeholder="—",
    height=560 if len(shown) > 12 else "auto",
    column_config={
        "state": st.column_config.TextColumn("Status", width="small"),
        "provider": st.column_config.TextColumn("Provider", width="small"),
        "workspace": st.column_config.TextColumn("Workspace", width="medium"),
        "team": st.column_config.TextColumn("Team", width="medium"),
        "display_label": st.column_config.TextColumn("Resource", width="large"),
        "bound_project_slug": st.column_config.TextColumn("Bound project", width="medium"),
        "binding_ref": st.column_config.TextColumn("Binding ref", width="medium"),
        "bound_at": st.column_config.DatetimeColumn(
            "Bound at", format="YYYY-MM-DD HH:mm", timezone="UTC", width="medium"
        ),
    },
    key="resources_table",
)
download_csv(shown, SHOWN, file_name="resources.csv", key="resources_csv", label="Download CSV")
