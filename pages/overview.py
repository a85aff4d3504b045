"""Overview: installation-wide binding health per provider and workspace."""

import altair as alt
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from tracker_core.tables import attention, health, palette
from tracker_dashboard import entry, history_cache, hostdown, loaders, tab_session
from tracker_dashboard.text import md_text
from tracker_dashboard.widgets import repo_key

entry.require_app("pages/overview.py")
st.title("Overview")
current = tab_session.current()
hostdown.notice(current, needs_host=True)
inv = loaders.inventory(current)
aud = loaders.audit(current)
t = health.totals(inv.resources, aud.repos)

# What to fix first: each repo needing action, its state and the one fix.
ATTENTION_SHOWN = 12
st.subheader("Needs attention")
todo = attention.needs_attention(aud.repos)
if todo.empty:
    st.success("Nothing needs attention: every repository is bound.", icon=":material/check:")
for item in todo.head(ATTENTION_SHOWN).itertuples():
    with st.container(border=True, key=f"attention_{repo_key(str(item.repo))}"):
        left, right = st.columns([2, 5], vertical_alignment="center")
        left.text(f"{item.state_label}\n{item.name}")  # plain text: names are not Markdown
        right.code(str(item.fix), language="bash", wrap_lines=True)
        if item.button:
            right.caption("or on the dashboard: " + str(item.button))
if len(todo) > ATTENTION_SHOWN:
    st.caption(f"…and {len(todo) - ATTENTION_SHOWN} more on the Repositories page.")
if not todo.empty:
    st.page_link("pages/bind.py", label="Fix them on the Bind page", icon=":material/link:")

day, since = history_cache.day_deltas(current, t)

st.caption("Resources on the host")
cols = list(st.columns(4))
cols[0].metric("Resources", t.resources, day.get("resources"), "off", border=True)
cols[1].metric("Bound", t.bound, day.get("bound"), "off", border=True)
cols[2].metric(
    "Disabled",
    t.disabled,
    day.get("disabled"),
    "off",
    help="Held by a disabled mapping: neither bound nor free",
    border=True,
)
cols[3].metric("Available", t.available, day.get("available"), "off", border=True)

st.caption(f"Repositories under the roots ({t.repos})")
cols = list(st.columns(5))
cols[0].metric("Bound repos", t.repos_bound, day.get("repos_bound"), border=True)
cols[1].metric("Stale", t.stale, day.get("stale"), "inverse", border=True)
cols[2].metric(
    "Legacy",
    t.legacy,
    help="Slug-only configs; pending: the host already knows their binding ref",
    delta=day.get("legacy", f"{t.pending_upgrades} pending" if t.pending_upgrades else None),
    delta_color="inverse" if day else "off",
    border=True,
)
cols[3].metric("Unbound", t.unbound, day.get("unbound"), "inverse", border=True)
cols[4].metric("Misconfigured", t.misconfigured, day.get("misconfigured"), "inverse", border=True)
if since:
    st.caption(since)
if t.conflict or t.unverified:
    st.warning(
        f"{t.conflict} repo(s) in conflict (two repos claim one binding or project) and "
        f"{t.unverified} that could not be checked against the host: see Repositories.",
        icon=":material/warning:",
    )

by_workspace = health.health_counts(inv.resources, aud.repos)
long = health.health_long(by_workspace)

st.subheader("Binding health by provider × workspace")


def stacked(source: str, categories: list[str]) -> alt.Chart:
    """Counts per provider · workspace, stacked by state (labels are drawn as SVG
    text by Vega, not as HTML)."""
    part = long.loc[long["source"] == source]
    present = set(part["group"])
    order = [
        g for g in by_workspace["provider"] + " · " + by_workspace["workspace"] if g in present
    ]
    chart: alt.Chart = (
        alt.Chart(part)
        .mark_bar()
        .encode(
            x=alt.X("count:Q", title=None, stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("group:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
            color=alt.Color(
                "category:N",
                title="State",
                scale=alt.Scale(domain=categories, range=[palette.colour(c) for c in categories]),
            ),
            order=alt.Order("order:Q"),
            tooltip=["provider", "workspace", "category", "count"],
        )
        .transform_calculate(order=f"indexof({categories!r}, datum.category)")
        .properties(height=alt.Step(26))
    )
    return chart


if len(long):
    left, right = st.columns(2)
    with left:
        st.caption("Resources on the host")
        st.altair_chart(stacked("resources", list(palette.RESOURCE_STATES)), width="stretch")
    with right:
        st.caption("Local repositories by binding state")
        repo_states = list(palette.REPO_STATES)
        st.altair_chart(stacked("repos", repo_states), width="stretch")
else:
    st.info("Nothing to chart yet: no resources on the host and no repos under the roots.")

st.subheader("Connectivity")
st.dataframe(
    inv.health.drop(columns=["connected"]),
    hide_index=True,
    placeholder="—",
    column_config={
        "provider": st.column_config.TextColumn("Provider", width="small"),
        "connection": st.column_config.TextColumn("Connection", width="small"),
        "resources": st.column_config.NumberColumn("Resources", width="small"),
        "bound": st.column_config.NumberColumn("Bound", width="small"),
        "disabled": st.column_config.NumberColumn("Disabled", width="small"),
        "available": st.column_config.NumberColumn("Available", width="small"),
        # Not "large" (400 px): with the Disabled column the table must still fit 1280 px.
        "guidance": st.column_config.TextColumn("Guidance", width=360),
    },
)
for _, row in inv.health.loc[~inv.health["connected"]].iterrows():
    st.warning(
        f"**{md_text(row['provider'])}**: {md_text(row['guidance'])}", icon=":material/link_off:"
    )

# Narrow number columns with short headers (the full name on hover), host resources
# and local repos side by side per row group, so the tables fit a 1280 px window.
N = 56


def _n(label: str, help: str | None = None) -> ColumnConfig:
    return st.column_config.NumberColumn(label, width=N, help=help)


counts_config = {
    "provider": st.column_config.TextColumn("Provider", width=95),
    "where": st.column_config.TextColumn("Provider · workspace", width=140),
    "resources": _n("Res.", "Resources on the host"),
    "bound": _n("Bound", "Resources bound to a project"),
    "disabled": _n("Dis.", "Resources held by a disabled mapping"),
    "available": _n("Free", "Resources available to bind"),
    "repos": _n("Repos", "Repos under the roots"),
    "repos_bound": _n("OK", "Repos bound and verified"),
    "legacy": _n("Legacy", "Slug-only configs"),
    "pending_upgrades": _n("Pend.", "Legacy repos the host can upgrade now"),
    "stale": _n("Stale"),
    "unbound": _n("Unbd.", "Unbound repos"),
    "misconfigured": _n("Misc.", "Misconfigured repos"),
    "conflict": _n("Confl.", "Repos in conflict"),
    "unverified": _n("Unver.", "Repos not checked against the host"),
}
st.subheader("Per provider")
per_provider = health.health_counts(inv.resources, aud.repos, by_workspace=False)
# (Resources = bound + free: the total is in the metrics and the connectivity table.)
SHOWN_COUNTS = [c for c in counts_config if c not in ("provider", "where", "resources")]
st.dataframe(
    per_provider.drop(columns=["workspace"]),
    column_order=["provider", *SHOWN_COUNTS],
    hide_index=True,
    column_config=counts_config,
    key="per_provider",
)
st.subheader("Per workspace")
where = by_workspace["provider"] + " · " + by_workspace["workspace"]
per_workspace = by_workspace.assign(where=where)
st.dataframe(
    per_workspace,
    column_order=["where", *SHOWN_COUNTS],
    hide_index=True,
    column_config=counts_config,
    key="per_workspace",
)

if aud.report.provider_errors:
    for provider, message in aud.report.provider_errors.items():
        st.warning(
            f"Audit could not read **{md_text(provider)}** mappings: {md_text(message)}",
            icon=":material/warning:",
        )
