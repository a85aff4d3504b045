"""The tables behind the dashboard's pages, computed column-wise from the frames.

Everything here is vectorized pandas: building a view for 20,000 resources costs
milliseconds, and filtering it (what a page does on every rerun) touches no row in
Python. Host text is cleaned of control and format characters once, when a view is
built; it stays text (the renderer must still not interpret it as markup).

Importing this module imports pandas.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tracker_core.access.policy import AccessPolicy, Resolver
from tracker_core.errors import TrackerError
from tracker_core.flows.activity import ActivityEntry
from tracker_core.flows.audit import AuditReport, Location
from tracker_core.flows.discovery import ProviderInventory
from tracker_core.host.wire import Resource
from tracker_core.remote.urls import RemoteProject
from tracker_core.safe_text import DEFAULT_MAX_LEN, clean_text
from tracker_core.tables import frames, palette
from tracker_core.tables.palette import (
    CONNECTION_LABELS,
    REPO_STATE_LABELS,
    RESOURCE_STATE_LABELS,
)

# Host-text columns of each view (cleaned when the view is built, searched by filters).
_RESOURCE_TEXT = ["workspace", "team", "display_label", "bound_project_slug", "binding_ref"]
_AUDIT_TEXT = ["workspace", "binding_ref", "project_slug", "display_label", "reason", "guidance"]

# A CSV cell starting with one of these is a formula to a spreadsheet program.
_FORMULA_START = r"^([=+\-@\t\r])"

StatusFilter = palette.ResourceFilter

# What clean_text may change: anything but printable ASCII, a space next to a space
# or at either end, or text longer than its limit.
_MAYBE_DIRTY = r"[^\x20-\x7e]|  |^ | $"


def clean_column(column: pd.Series) -> pd.Series:
    """Host text made inert for display by :func:`~tracker_core.safe_text.clean_text`,
    the one sanitizer every face uses (missing values stay missing). Only values it
    would change are passed to it (printable ASCII, single-spaced and short, is
    clean already), each distinct one once: 20,000 labels cost no Python loop."""
    text = column.astype("string")
    suspect = text.str.contains(_MAYBE_DIRTY, regex=True) | (text.str.len() > DEFAULT_MAX_LEN)
    suspect = suspect.fillna(False).astype(bool)
    if not suspect.any():
        return text
    distinct = text[suspect].unique()
    cleaned = text[suspect].map({value: clean_text(value) for value in distinct})
    return text.mask(suspect, cleaned).astype("string")


def _lower_text(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """One lower-cased haystack per row, for free-text search."""
    hay = pd.Series("", index=frame.index, dtype="string")
    for name in columns:
        hay = hay + "\x1f" + frame[name].astype("string").fillna("").str.casefold()
    return hay


# --- resources ---------------------------------------------------------------------


def resource_view(inventories: Iterable[ProviderInventory]) -> pd.DataFrame:
    """Every discovered resource (``frames.RESOURCE_COLUMNS``), host text cleaned,
    plus ``state`` (a status pill: ``● bound`` / ``⊘ disabled`` / ``○ available``; a
    resource held by a disabled mapping is not bound), ``search`` (the
    lower-cased text the free-text filter looks in) and ``resource_json`` (the
    resource as the host sent it, candidate token included, for binding to it; not
    for display)."""
    inventories = list(inventories)
    frame = frames.resources_frame(inventories)
    for name in _RESOURCE_TEXT:
        frame[name] = clean_column(frame[name])
    frame.insert(0, "state", frame["status"].cat.rename_categories(RESOURCE_STATE_LABELS))
    frame["search"] = _lower_text(frame, ["provider", *_RESOURCE_TEXT])
    frame["resource_json"] = pd.Series(
        [r.model_dump_json() for inv in inventories for r in inv.resources], dtype="string"
    )
    return frame


def filter_resources(
    view: pd.DataFrame,
    *,
    providers: Sequence[str] = (),
    workspaces: Sequence[str] = (),
    status: StatusFilter = "all",
    text: str = "",
) -> pd.DataFrame:
    """The rows of a ``resource_view`` that pass every filter (an empty filter
    passes everything); the free text matches any text column, case-insensitively."""
    mask = pd.Series(True, index=view.index)
    if providers:
        mask &= view["provider"].isin(list(providers))
    if workspaces:
        mask &= view["workspace"].isin(list(workspaces)).fillna(False).astype(bool)
    if status != "all":
        mask &= view["status"] == status
    needle = text.strip().casefold()
    if needle:
        mask &= view["search"].str.contains(needle, regex=False).fillna(False).astype(bool)
    return view.loc[mask]


def workspace_options(view: pd.DataFrame, providers: Sequence[str] = ()) -> list[str]:
    """The workspaces present (of the chosen providers, if any), sorted."""
    rows = view if not providers else view.loc[view["provider"].isin(list(providers))]
    names = rows["workspace"].dropna().unique()
    return sorted((str(n) for n in names), key=lambda n: (n.casefold(), n))


def bindable_resources(view: pd.DataFrame, provider: str, project_slug: str | None) -> pd.DataFrame:
    """The rows of a ``resource_view`` a project may pick for ``provider``: the
    available resources and those already bound to it (the host has the last word:
    another project's resource is refused on confirm)."""
    mine = view["bound_project_slug"] == project_slug if project_slug else False
    free = view["status"] == "available"
    mask = (view["provider"] == provider) & (free | mine)
    return view.loc[mask.fillna(False).astype(bool)]


def resource_at(view: pd.DataFrame, label: object) -> Resource:
    """The resource (as the host sent it) of the ``resource_view`` row ``label``."""
    return Resource.model_validate_json(str(view.at[label, "resource_json"]))


def context_for_label(view: pd.DataFrame, provider: str, label: str) -> dict[str, str]:
    """The provider context of ``provider``'s resource called ``label`` (empty when
    there is none), e.g. to preview what a bind to a candidate will write."""
    shown = clean_column(pd.Series([label])).iloc[0]
    rows = view.loc[(view["provider"] == provider) & (view["display_label"] == shown)]
    if not len(rows):
        return {}
    return dict(resource_at(view, rows.index[0]).provider_context)


# --- providers ----------------------------------------------------------------------

PROVIDER_HEALTH_COLUMNS: dict[str, Any] = {
    "provider": "string",
    "connection": "string",
    "connected": "bool",
    "resources": "int64",
    "bound": "int64",
    "disabled": "int64",
    "available": "int64",
    "guidance": "string",
}


def provider_health(inventories: Iterable[ProviderInventory]) -> pd.DataFrame:
    """One row per provider: connected, not installed (with the guidance to connect
    it) or unreachable (with the reason), and its resource counts."""
    rows: dict[str, list[Any]] = {name: [] for name in PROVIDER_HEALTH_COLUMNS}
    for inv in inventories:
        if inv.connected:
            state = "connected"
        elif inv.failure is not None:
            state = "unreachable"
        else:
            state = "not_installed"
        rows["provider"].append(inv.provider)
        rows["connection"].append(CONNECTION_LABELS[state])
        rows["connected"].append(inv.connected)
        rows["resources"].append(len(inv.resources))
        rows["bound"].append(inv.bound_count)
        rows["disabled"].append(inv.disabled_count)
        rows["available"].append(inv.available_count)
        rows["guidance"].append(inv.error or "")
    frame = pd.DataFrame(
        {
            n: pd.Series(rows[n], dtype="object").astype(t)
            for n, t in PROVIDER_HEALTH_COLUMNS.items()
        }
    )
    frame["guidance"] = clean_column(frame["guidance"])
    return frame


# --- repositories -------------------------------------------------------------------


def write_refusal(
    policy: AccessPolicy, repo: Location, resolver: Resolver | None = None
) -> str | None:
    """Why ``policy`` would refuse a config write to ``repo`` (``None``: allowed). A
    git remote is written by a pushed branch: the role decides, git the permission."""
    try:
        if isinstance(repo, RemoteProject):
            policy.require_mutation("push bindings")
        else:
            policy.require_writable(repo, resolver)
    except TrackerError as exc:
        return str(exc)
    return None


def writable(repos: Iterable[Location], allowed_roots: Sequence[Path] | None) -> list[bool]:
    """Whether a config write to each of ``repos`` is within ``allowed_roots``, for an
    admin (the check every write makes again, right before it writes)."""
    admin = AccessPolicy(role="admin", allowed_roots=allowed_roots)
    folders = Resolver()  # the repos share their roots' folders: resolve those once
    return [write_refusal(admin, repo, folders) is None for repo in repos]


def repo_view(
    report: AuditReport, allowed_roots: Sequence[Path] | None, *, with_writable: bool = True
) -> pd.DataFrame:
    """Every audited repo (``frames.AUDIT_COLUMNS``), host text cleaned, plus
    ``state_label`` (a status pill with the state's reason code) and, unless
    ``with_writable`` is false, ``writable`` (see ``writable``: a check of every
    repo's folders, which a view showing one repo at a time makes for that one)."""
    frame = frames.audit_frame(report)
    for name in _AUDIT_TEXT:
        frame[name] = clean_column(frame[name])
    pill = frame["kind"].astype("string").map(REPO_STATE_LABELS, na_action="ignore")
    detail = frame["state"].str.extract(r"^[^:]*:(.*)$", expand=False).fillna("")
    suffix = ("  " + detail).where(detail.str.len() > 0, "")
    frame.insert(0, "state_label", (pill.fillna("") + suffix).astype("string"))
    if with_writable:
        frame["writable"] = pd.Series(
            writable((row.repo for row in report.rows), allowed_roots), dtype="bool"
        )
    return frame


def filter_repos(view: pd.DataFrame, kinds: Sequence[str] = (), text: str = "") -> pd.DataFrame:
    """The repos of a ``repo_view`` whose kind is one of ``kinds`` and whose path,
    label, ref or reason contains ``text`` (case-insensitive)."""
    mask = pd.Series(True, index=view.index)
    if kinds:
        mask &= view["kind"].isin(list(kinds)).fillna(False).astype(bool)
    needle = text.strip().casefold()
    if needle:
        hay = _lower_text(view, ["repo", "provider", *_AUDIT_TEXT])
        mask &= hay.str.contains(needle, regex=False).fillna(False).astype(bool)
    return view.loc[mask]


def unclaimed_view(report: AuditReport) -> pd.DataFrame:
    """Host mappings no audited repo claims, host text cleaned."""
    frame = frames.unclaimed_frame(report)
    for name in ("display_label", "workspace", "project_slug", "binding_ref"):
        frame[name] = clean_column(frame[name])
    return frame


# --- activity and export ------------------------------------------------------------

ACTIVITY_COLUMNS: dict[str, Any] = {
    "at": "datetime64[ns, UTC]",
    "actor": "string",
    "action": "string",
    "repo": "string",
    "provider": "string",
    "old_ref": "string",
    "new_ref": "string",
    "result": "string",
    "detail": "string",
}


def activity_frame(entries: Sequence[ActivityEntry]) -> pd.DataFrame:
    """Activity log entries as a frame, in the order given."""
    data: dict[str, Any] = {}
    for name, dtype in ACTIVITY_COLUMNS.items():
        values = pd.Series([getattr(e, name) for e in entries], dtype="object")
        if dtype.startswith("datetime"):
            data[name] = pd.to_datetime(values, utc=True, errors="coerce").astype(dtype)
        else:
            data[name] = clean_column(values)
    return pd.DataFrame(data, columns=list(ACTIVITY_COLUMNS))


def csv_bytes(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> bytes:
    """``frame`` (or its ``columns``) as UTF-8 CSV. A text cell that a spreadsheet
    would run as a formula (starting with ``= + - @``, tab or CR) gets a leading
    ``'``, so an exported host label cannot execute in the reader's spreadsheet."""
    shown = frame if columns is None else frame[list(columns)]
    out = shown.copy()
    for name in out.columns:
        column = out[name]
        if isinstance(column.dtype, pd.CategoricalDtype | pd.StringDtype) or column.dtype == object:
            out[name] = column.astype("string").str.replace(_FORMULA_START, r"'\1", regex=True)
    return out.to_csv(index=False).encode("utf-8")
