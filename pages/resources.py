"""Resources: every discovered resource across providers and workspaces, filtered."""

import streamlit as st

from tracker_core.tables import palette, views
from tracker_dashboard import entry, hostdown, loaders, tab_session
from tracker_dashboard.widgets import download_csv, pill_column, pills

entry.require_app("pages/resources.py")
st.title("Resources")
current = tab_session.current()
hostdown.notice(current, needs_host=True)
inv = loaders.inventory(current)
view = inv.resources

STATUS = palette.RESOURCE_FILTER_LABELS
SHOWN = [
    "state",
    "provider",
    "workspace",
    "display_label",
    "bound_project_slug",
    "bound_at",
    "binding_ref",
    "team",
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
    shown[SHOWN].assign(state=pills(shown["state"])),
    hide_index=True,
    placeholder="—",
    height=560 if len(shown) > 12 else "auto",
    column_config={
        "state": pill_column("Status", palette.RESOURCE_STATE_COLOURS, width=110),
        "provider": st.column_config.TextColumn("Provider", width=75),
        "workspace": st.column_config.TextColumn("Workspace", width=140),
        "display_label": st.column_config.TextColumn("Resource", width=200),
        "bound_project_slug": st.column_config.TextColumn("Bound project", width=130),
        "bound_at": st.column_config.DatetimeColumn(
            "Bound at", format="YYYY-MM-DD HH:mm", timezone="UTC", width=125
        ),
        "binding_ref": st.column_config.TextColumn("Binding ref", width=150),
        "team": st.column_config.TextColumn("Team", width=120),
    },
    key="resources_table",
)
download_csv(shown, SHOWN, file_name="resources.csv", key="resources_csv", label="Download CSV")
