"""Repositories: every repo under the roots with its binding state; select to act."""

import streamlit as st

from tracker_core.tables import palette, views
from tracker_dashboard import entry, hostdown, loaders, selection, tab_session
from tracker_dashboard.text import md_text, or_dash
from tracker_dashboard.widgets import download_csv, repo_key

entry.require_app("pages/repositories.py")
st.title("Repositories")
current = tab_session.current()
hostdown.notice(current, needs_host=False)
aud = loaders.audit(current)
repos = aud.repos

LABELS = palette.REPO_STATE_LABELS
KINDS = list(palette.REPO_STATES)
# What the CSV holds; the table shows TABLE (it fits a 1280 px window, sidebar open),
# and a selected repo's panel below it the rest.
TABLE = ["state_label", "name", "provider", "display_label", "reason", "guidance"]
SHOWN = [
    "state_label",
    "name",
    "provider",
    "display_label",
    "reason",
    "guidance",
    "binding_ref",
    "workspace",
    "project_slug",
    "writable",
    "repo",
]

counts = repos["kind"].value_counts()
st.caption(
    " · ".join(f"{LABELS[k]}: {int(counts.get(k, 0))}" for k in KINDS if counts.get(k, 0))
    or "No repositories under the roots."
)
for note in aud.report.walk.notes():  # what the walk skipped, and non-project git repos
    st.caption(md_text(note))

left, right = st.columns([2, 3])
kinds = left.multiselect(
    "State",
    KINDS,
    format_func=LABELS.__getitem__,
    key="repo_kinds",
    placeholder="All",
)
text = right.text_input("Search", key="repo_text", placeholder="name, label, ref, reason…")
shown = views.filter_repos(repos, kinds, text).reset_index(drop=True)
visible = shown["repo"].tolist()


def _table_selected() -> None:
    """Row selection in the table → the shared selection (rows hidden by the
    filter keep their selection)."""
    rows = st.session_state["repos_table"]["selection"]["rows"]
    picked = [visible[i] for i in rows if 0 <= i < len(visible)]
    hidden = [p for p in selection.selected() if p not in set(visible)]
    selection.set_selected(hidden + picked)


# The table shows the shared selection (it may have changed on another page or in
# the multiselect below): seed its selection state before it is drawn.
chosen = set(selection.selected())
wanted = [i for i, p in enumerate(visible) if p in chosen]
table_state = st.session_state.get("repos_table")
if table_state is None or sorted(table_state["selection"]["rows"]) != wanted:
    st.session_state["repos_table"] = {"selection": {"rows": wanted, "columns": []}}
st.dataframe(
    shown[[c for c in SHOWN if c != "writable"]],  # checked for a selected repo, below
    hide_index=True,
    on_select=_table_selected,
    selection_mode="multi-row",
    key="repos_table",
    row_height=35,
    placeholder="—",
    column_order=TABLE,
    column_config={  # 785 px with the row checkboxes' 30: the table is 820 px at 1280
        "state_label": st.column_config.TextColumn("State", width=160),
        "name": st.column_config.TextColumn("Repository", width=200),
        "provider": st.column_config.TextColumn("Provider", width=75),
        "display_label": st.column_config.TextColumn("Bound to", width=130),
        "reason": st.column_config.TextColumn("Reason", width=115),
        "guidance": st.column_config.TextColumn("Guidance", width=105),
    },
)
st.caption("Select rows to see their whole reason, guidance, binding and path below.")

names = dict(zip(repos["repo"], repos["name"], strict=True))
picked = selection.multiselect(
    "Selected repositories (also selectable in the table)",
    repos["repo"].tolist(),
    key="repo_pick",
    names=names,
)
left, middle, right = st.columns([2, 2, 6])
if left.button("Select all needing action", key="select_needing_action"):
    selection.set_selected(repos.loc[repos["needs_action"], "repo"].tolist())
    st.rerun()
if middle.button("Clear selection", key="clear_selection", disabled=not picked):
    selection.set_selected([])
    st.rerun()
if picked:
    right.page_link(
        "pages/bind.py", label=f"Bind or re-bind {len(picked)} selected →", icon=":material/link:"
    )

# The whole reason and guidance of the selected repos (the table cuts long text), and
# the columns the table leaves out.
DETAILS_SHOWN = 5
DETAIL_FIELDS = [
    ("Bound to", "display_label"),
    ("Workspace", "workspace"),
    ("Project slug", "project_slug"),
    ("Binding ref", "binding_ref"),
]


details = repos.set_index("repo")
for path in picked[:DETAILS_SHOWN]:
    if path not in details.index:
        continue
    row = details.loc[path]
    with st.container(border=True, key=f"detail_{repo_key(path)}"):
        # Plain text: reasons carry host text and paths, never Markdown.
        st.text(f"{row['state_label']}  {row['name']}\n{path}")
        st.text(f"Reason: {row['reason'] or '—'}")
        st.text(f"Guidance: {row['guidance'] or '—'}")
        fields = [f"{label}: {or_dash(row[column])}" for label, column in DETAIL_FIELDS]
        writable = aud.writable([path], current.allowed_roots)[0]
        fields.append(f"Writable here: {'yes' if writable else 'no'}")
        st.text("\n".join(fields))
if len(picked) > DETAILS_SHOWN:
    st.caption(f"Details of the first {DETAILS_SHOWN} selected repositories.")

download_csv(
    shown,
    SHOWN,
    file_name="repositories.csv",
    key="repos_csv",
    label="Download CSV",
    complete=lambda frame: frame.assign(
        writable=aud.writable(frame["repo"], current.allowed_roots)
    ),
)

st.subheader("Host mappings not found locally")
st.caption("Bindings on the host that no repository under the roots claims.")
if len(aud.unclaimed):
    st.dataframe(
        aud.unclaimed,
        hide_index=True,
        key="unclaimed_table",
        column_config={  # 800 px: fits the 820 px a 1280 px window leaves
            "provider": st.column_config.TextColumn("Provider", width=75),
            "display_label": st.column_config.TextColumn("Resource", width=140),
            "workspace": st.column_config.TextColumn("Workspace", width=130),
            "project_slug": st.column_config.TextColumn("Project slug", width=120),
            "binding_ref": st.column_config.TextColumn("Binding ref", width=140),
            "status": st.column_config.TextColumn("Status", width=70),
            "bound_at": st.column_config.DatetimeColumn(
                "Bound at", format="YYYY-MM-DD HH:mm", width=125
            ),
        },
    )
    download_csv(
        aud.unclaimed,
        list(aud.unclaimed.columns),
        file_name="unclaimed-mappings.csv",
        key="unclaimed_csv",
        label="Download CSV",
    )
else:
    st.info("Every host mapping is claimed by a repository under the roots.")

for provider, message in aud.report.provider_errors.items():
    st.warning(f"Could not read **{md_text(provider)}** mappings: {md_text(message)}")
