""" "Needs attention": each repo that needs action, its state and the one thing that
fixes it (a command to paste, or the dashboard button that does the same)."""

from __future__ import annotations

import shlex

import pandas as pd

ATTENTION_COLUMNS = ["state_label", "name", "fix", "button", "repo"]

# The dashboard control that does what the command does, by kind.
_BUTTONS = {
    "stale": "Bind page: Resolve",
    "unbound": "Bind page: Bind",
    "legacy": "Bind page: Apply upgrades",
}


def _fix(guidance: str, repo: str) -> str:
    """The guidance, with a bind command made runnable from anywhere (``--repo``)."""
    command = guidance.partition("with: ")[2] if "with: " in guidance else ""
    if command.startswith("sk-tracker bind") and "--repo" not in command:
        return f"{command} --repo {shlex.quote(repo)}"
    return command or guidance


def needs_attention(repos: pd.DataFrame) -> pd.DataFrame:
    """The rows of a ``views.repo_view`` that need action, worst first (stale,
    conflicts and misconfigured before legacy and unbound), with ``fix`` and
    ``button``."""
    rows = repos[repos["needs_action"].fillna(False).astype(bool)]
    order = {"stale": 0, "conflict": 1, "misconfigured": 2, "unverified": 3, "legacy": 4}
    rows = rows.assign(_order=rows["kind"].astype("string").map(order).fillna(5))
    rows = rows.sort_values(["_order", "name"], kind="stable")
    kinds = rows["kind"].astype("string").fillna("")
    fixes = [
        _fix(str(g or ""), str(r)) for g, r in zip(rows["guidance"], rows["repo"], strict=True)
    ]
    return pd.DataFrame(
        {
            "state_label": rows["state_label"].to_numpy(),
            "name": rows["name"].to_numpy(),
            "fix": fixes,
            "button": [_BUTTONS.get(k, "") for k in kinds],
            "repo": rows["repo"].to_numpy(),
        },
        columns=ATTENTION_COLUMNS,
    ).astype("string")
