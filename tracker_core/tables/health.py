"""Binding health per provider × workspace: one count of the same data for every face
(the dashboard's Overview and its headline figures, the notebook's
``Workspace.overview()``, the recorded history's totals).

Resources come from ``frames.resources_frame`` (or a view of it), repos from
``frames.audit_frame`` (or a view of it). Every repo is counted once, whatever its
state: a repo without a provider (unbound with no tracker section, misconfigured)
is placed under ``(no provider)``, a resource or repo without a workspace under
``(no workspace)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from tracker_core.tables.palette import REPO_STATES, RESOURCE_STATES

NO_PROVIDER = "(no provider)"
NO_WORKSPACE = "(no workspace)"

HEALTH_COLUMNS: dict[str, Any] = {
    "provider": "string",
    "workspace": "string",
    "resources": "int64",
    "bound": "int64",
    "disabled": "int64",
    "available": "int64",
    "repos": "int64",
    "repos_bound": "int64",
    "legacy": "int64",
    "pending_upgrades": "int64",
    "stale": "int64",
    "unbound": "int64",
    "misconfigured": "int64",
    "conflict": "int64",
    "unverified": "int64",
}
_REPO_KINDS = list(REPO_STATES)


def _repo_keys(audit: pd.DataFrame) -> pd.DataFrame:
    """The audit with every repo placed: repos without a provider (unbound ones with
    no tracker section, misconfigured ones) under ``(no provider)``."""
    return pd.DataFrame(
        {
            "provider": audit["provider"].astype("string").fillna(NO_PROVIDER),
            "workspace": audit["workspace"].astype("string").fillna(NO_WORKSPACE),
            "kind": audit["kind"].astype("string"),
            "pending": audit["pending_ref"].notna(),
        }
    )


def health_counts(
    resources: pd.DataFrame, audit: pd.DataFrame, *, by_workspace: bool = True
) -> pd.DataFrame:
    """Binding health per provider (× workspace): resources bound and available on
    the host beside the audited repos by state (``HEALTH_COLUMNS``; without
    ``by_workspace`` the workspace column is empty). Sorted by provider, workspace."""
    keys = ["provider", "workspace"] if by_workspace else ["provider"]
    res = pd.DataFrame(
        {
            "provider": resources["provider"].astype("string"),
            "workspace": resources["workspace"].astype("string").fillna(NO_WORKSPACE),
            "category": resources["status"].astype("string"),
        }
    )
    repos = _repo_keys(audit)
    long = pd.concat(
        [
            res,
            repos[["provider", "workspace"]].assign(category="repos_" + repos["kind"]),
            repos.loc[repos["pending"], ["provider", "workspace"]].assign(
                category="pending_upgrades"
            ),
        ],
        ignore_index=True,
    )
    if not len(long):
        return pd.DataFrame({n: pd.Series(dtype=t) for n, t in HEALTH_COLUMNS.items()})
    wide = long.groupby([*keys, "category"]).size().unstack("category", fill_value=0)
    wanted = [
        "bound",
        "disabled",
        "available",
        "pending_upgrades",
        *(f"repos_{k}" for k in _REPO_KINDS),
    ]
    wide = wide.reindex(columns=wanted, fill_value=0).reset_index()
    out = pd.DataFrame(
        {
            "provider": wide["provider"],
            "workspace": wide["workspace"] if by_workspace else "",
            "resources": wide["bound"] + wide["disabled"] + wide["available"],
            "bound": wide["bound"],
            "disabled": wide["disabled"],
            "available": wide["available"],
            "repos": wide[[f"repos_{k}" for k in _REPO_KINDS]].sum(axis=1),
            "repos_bound": wide["repos_bound"],
            "pending_upgrades": wide["pending_upgrades"],
            **{k: wide[f"repos_{k}"] for k in _REPO_KINDS[1:]},
        }
    )
    result = pd.DataFrame({n: out[n].astype(t) for n, t in HEALTH_COLUMNS.items()})
    # Repos with no provider go last, after every real provider.
    last = (result["provider"] == NO_PROVIDER).map({True: "1", False: "0"}).astype("string")
    order = last + result["provider"].str.casefold() + "\x1f" + result["workspace"].str.casefold()
    return result.iloc[order.argsort(kind="stable")].reset_index(drop=True)


def health_long(counts: pd.DataFrame) -> pd.DataFrame:
    """``health_counts`` in long form for a stacked bar chart: one row per provider ×
    workspace × category with its ``count`` and ``source`` (resources or repos)."""
    label = counts["provider"] + " · " + counts["workspace"]
    parts = []
    for source, categories in (
        ("resources", {s: s for s in RESOURCE_STATES}),
        ("repos", {"repos_bound": "bound", **{k: k for k in _REPO_KINDS[1:]}}),
    ):
        for column, category in categories.items():
            parts.append(
                pd.DataFrame(
                    {
                        "provider": counts["provider"],
                        "workspace": counts["workspace"],
                        "group": label,
                        "category": category,
                        "count": counts[column].astype("int64"),
                        "source": source,
                    }
                )
            )
    long = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return long.loc[long["count"] > 0].reset_index(drop=True) if len(long) else long


@dataclass(frozen=True)
class Totals:
    resources: int
    bound: int
    disabled: int
    available: int
    repos: int
    repos_bound: int
    legacy: int
    pending_upgrades: int
    stale: int
    unbound: int
    misconfigured: int
    conflict: int
    unverified: int


def totals(resources: pd.DataFrame, audit: pd.DataFrame) -> Totals:
    """Installation-wide counts for the overview's headline figures."""
    status = resources["status"].astype("string")
    kind = audit["kind"].astype("string")

    def kinds(name: str) -> int:
        return int((kind == name).sum())

    return Totals(
        resources=len(resources),
        bound=int((status == "bound").sum()),
        disabled=int((status == "disabled").sum()),
        available=int((status == "available").sum()),
        repos=len(audit),
        repos_bound=kinds("bound"),
        legacy=kinds("legacy"),
        pending_upgrades=int(audit["pending_ref"].notna().sum()),
        stale=kinds("stale"),
        unbound=kinds("unbound"),
        misconfigured=kinds("misconfigured"),
        conflict=kinds("conflict"),
        unverified=kinds("unverified"),
    )


HEALTH_FRAME_COLUMNS = ["provider", "workspace", "category", "count", "source"]


def health_frame(resources: pd.DataFrame, audit: pd.DataFrame) -> pd.DataFrame:
    """Binding health per provider × workspace in long form (``provider``,
    ``workspace``, ``category``, ``count``, ``source``), ready for a stacked bar chart:
    ``health_long`` of ``health_counts``."""
    long = health_long(health_counts(resources, audit))
    if not len(long):
        return pd.DataFrame({c: pd.Series(dtype="string") for c in HEALTH_FRAME_COLUMNS})
    return long[HEALTH_FRAME_COLUMNS].reset_index(drop=True)
