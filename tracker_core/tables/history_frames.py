"""The audit history as DataFrames: one row per recorded audit, the totals in long
form for the Trends charts, the changes between two audits, and the Overview's
"since yesterday" deltas. Host text is cleaned as in the other views."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC
from typing import Any

import pandas as pd

from tracker_core.flows.history import CHANGE_KINDS, Change
from tracker_core.store.records import RepoState, Snapshot
from tracker_core.tables.frames import AUDIT_KINDS, RESOURCE_STATES, _cols, _frame
from tracker_core.tables.health import NO_PROVIDER, NO_WORKSPACE, Totals
from tracker_core.tables.views import clean_column

HISTORY_COLUMNS: dict[str, str] = {
    "taken_at": "datetime64[ns, UTC]",
    "actor": "string",
    "source": "string",
    "team": "string",
    "roots": "string",
    "repos": "int64",
    **{kind: "int64" for kind in AUDIT_KINDS},
    **{f"resources_{state}": "int64" for state in RESOURCE_STATES},
}

TREND_COLUMNS: dict[str, str] = {
    "taken_at": "datetime64[ns, UTC]",
    "snapshot": "int64",
    "source": "string",  # repos | resources
    "provider": "string",
    "workspace": "string",
    "category": "string",  # a state kind (repos) or bound/disabled/available (resources)
    "count": "int64",
}

CHANGE_COLUMNS: dict[str, str] = {
    "at": "datetime64[ns, UTC]",
    "kind": "category",
    "repo": "string",
    "provider": "string",
    "workspace": "string",
    "before_state": "string",
    "after_state": "string",
    "before_ref": "string",
    "after_ref": "string",
    "before_label": "string",
    "after_label": "string",
}
_CHANGE_TEXT = ["repo", "workspace", "before_ref", "after_ref", "before_label", "after_label"]


def history_frame(snapshots: Iterable[Snapshot]) -> pd.DataFrame:
    """One row per recorded audit, oldest first: when, who, and counts per state."""
    data = _cols(HISTORY_COLUMNS)
    for s in snapshots:
        data["taken_at"].append(s.taken_at)
        data["actor"].append(s.actor)
        data["source"].append(s.source)
        data["team"].append(s.scope.team)
        data["roots"].append(" ".join(s.scope.roots))
        data["repos"].append(s.repos)
        for kind in AUDIT_KINDS:
            data[kind].append(s.count("repos", kind))
        for state in RESOURCE_STATES:
            data[f"resources_{state}"].append(s.count("resources", state))
    frame = _frame(HISTORY_COLUMNS, data)
    frame["actor"] = clean_column(frame["actor"])
    return frame


def trends_frame(snapshots: Iterable[Snapshot]) -> pd.DataFrame:
    """Every recorded total in long form (``TREND_COLUMNS``); repos or resources
    without a provider or workspace are placed under ``(no provider)`` /
    ``(no workspace)`` as on the Overview. Built column-wise: a year of audits is
    tens of thousands of rows."""
    snaps = list(snapshots)
    rows = [
        (
            s.id,
            t.source,
            t.provider or NO_PROVIDER,
            t.workspace or NO_WORKSPACE,
            t.category,
            t.count,
        )
        for s in snaps
        for t in s.totals
    ]
    names = [n for n in TREND_COLUMNS if n != "taken_at"]
    frame = pd.DataFrame(rows, columns=names) if rows else pd.DataFrame(columns=names)
    times = pd.Series(
        pd.to_datetime([s.taken_at for s in snaps], utc=True), index=[s.id for s in snaps]
    )
    frame.insert(0, "taken_at", frame["snapshot"].map(times))
    types: dict[str, Any] = dict(TREND_COLUMNS)
    out = pd.DataFrame({n: frame[n].astype(t) for n, t in types.items()})
    out["workspace"] = clean_column(out["workspace"])
    return out


def trend_series(
    trends: pd.DataFrame,
    source: str,
    *,
    providers: Sequence[str] = (),
    workspaces: Sequence[str] = (),
) -> pd.DataFrame:
    """Counts per recorded audit and category for one source, summed over the chosen
    providers and workspaces (all when empty): what a stacked chart over time draws.
    Every audit has every category (zeros included), so stacks never have holes."""
    rows = trends.loc[trends["source"] == source]
    if providers:
        rows = rows.loc[rows["provider"].isin(list(providers))]
    if workspaces:
        rows = rows.loc[rows["workspace"].isin(list(workspaces))]
    categories = AUDIT_KINDS if source == "repos" else RESOURCE_STATES
    times = trends[["snapshot", "taken_at"]].drop_duplicates("snapshot")
    summed = rows.groupby(["snapshot", "category"])["count"].sum()
    grid = pd.MultiIndex.from_product(
        [times["snapshot"], categories], names=["snapshot", "category"]
    )
    full = summed.reindex(grid, fill_value=0).reset_index()
    full = full.merge(times, on="snapshot")
    full["count"] = full["count"].astype("int64")
    return full[["taken_at", "snapshot", "category", "count"]]


def _state_text(state: RepoState | None, attr: str) -> str | None:
    value = getattr(state, attr) if state is not None else None
    return str(value) if value is not None else None


def changes_frame(changes: Iterable[Change]) -> pd.DataFrame:
    """One row per changed repo (``CHANGE_COLUMNS``), in the order given."""
    data = _cols(CHANGE_COLUMNS)
    for c in changes:
        data["at"].append(c.at)
        data["kind"].append(c.kind)
        data["repo"].append(c.repo)
        data["provider"].append(c.provider)
        data["workspace"].append(c.workspace)
        for side, state in (("before", c.before), ("after", c.after)):
            data[f"{side}_state"].append(_state_text(state, "state"))
            data[f"{side}_ref"].append(_state_text(state, "binding_ref"))
            data[f"{side}_label"].append(_state_text(state, "display_label"))
    frame = _frame(CHANGE_COLUMNS, data)
    frame["kind"] = frame["kind"].cat.set_categories(list(CHANGE_KINDS))
    for name in _CHANGE_TEXT:
        frame[name] = clean_column(frame[name])
    return frame


def filter_changes(
    view: pd.DataFrame,
    *,
    kinds: Sequence[str] = (),
    providers: Sequence[str] = (),
    text: str = "",
) -> pd.DataFrame:
    mask = pd.Series(True, index=view.index)
    if kinds:
        mask &= view["kind"].isin(list(kinds))
    if providers:
        mask &= view["provider"].isin(list(providers)).fillna(False).astype(bool)
    needle = text.strip().casefold()
    if needle:
        hay = view[_CHANGE_TEXT].fillna("").astype("string").agg(" ".join, axis=1)
        mask &= hay.str.casefold().str.contains(needle, regex=False)
    return view.loc[mask]


def snapshot_totals(snapshot: Snapshot) -> dict[str, int]:
    """A recorded audit's counts under the names of ``health.Totals``."""
    repos = {kind: snapshot.count("repos", kind) for kind in AUDIT_KINDS}
    res = {state: snapshot.count("resources", state) for state in RESOURCE_STATES}
    return {
        "resources": sum(res.values()),
        **res,
        "repos": snapshot.repos,
        "repos_bound": repos["bound"],
        **{kind: repos[kind] for kind in AUDIT_KINDS[1:]},
    }


def deltas(current: Totals, previous: Snapshot | None) -> dict[str, int | None]:
    """Each Overview count's change since ``previous`` (None: nothing to compare)."""
    if previous is None:
        return {}
    before = snapshot_totals(previous)
    now: dict[str, Any] = vars(current)
    return {name: int(now[name]) - value for name, value in before.items() if name in now}


def since_label(previous: Snapshot | None) -> str:
    if previous is None:
        return ""
    return previous.taken_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
