"""Bind: resolve → choose → preview → confirm for the selected repos; bulk re-bind
of stale repos; pending upgrades; what changed."""

import streamlit as st

from tracker_dashboard import (
    bind_panel,
    bulk_bind,
    entry,
    hostdown,
    loaders,
    selection,
    tab_session,
)
from tracker_dashboard.widgets import viewer_notice

MAX_PANELS = 25

entry.require_app("pages/bind.py")
st.title("Bind")
current = tab_session.current()
hostdown.notice(current, needs_host=True)
viewer_notice(current)
aud = loaders.audit(current)
inv = loaders.inventory(current)

bulk_bind.summary()

st.subheader("Bind selected repositories")
names = dict(zip(aud.repos["repo"], aud.repos["name"], strict=True))
picked = selection.multiselect(
    "Repositories (selected here or on the Repositories page)",
    aud.repos["repo"].tolist(),
    key="bind_pick",
    names=names,
)
if not picked:
    st.caption("Select repositories here or in the table on the Repositories page.")
if len(picked) > MAX_PANELS:
    st.warning(f"Showing the first {MAX_PANELS} of {len(picked)} selected repositories.")
for repo in picked[:MAX_PANELS]:
    bind_panel.repo_panel(current, aud, inv, repo)

st.subheader("Re-bind stale repositories")
st.caption(
    "Exact matches (the host already holds a binding for the project) are re-bound in one "
    "go; the others wait for a choice each."
)
bulk_bind.bulk_rebind(current, aud, picked)

st.subheader("Apply pending upgrades")
st.caption("Legacy repos know only their project slug; the host already knows their binding ref.")
bulk_bind.pending_upgrades(current, aud)
