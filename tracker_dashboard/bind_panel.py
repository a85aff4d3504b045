"""The Bind page's panel for one selected repo: resolve, choose, preview, confirm
(the bulk re-bind, pending upgrades and the summary live in ``bulk_bind``).

Every control here is a plain widget with a key (AppTest can drive all of them);
nothing acts from inside a dialog. Mutating buttons are disabled for a viewer, and
the actions they call check the role again.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tracker_core.flows import bind_host, binding
from tracker_core.flows.remote_bind import bind_branch
from tracker_core.host.wire import Candidate, ResolveResult
from tracker_core.providers import PROVIDERS
from tracker_core.remote.urls import RemoteProject
from tracker_core.safe_text import clean_text
from tracker_core.tables import views
from tracker_core.tables.names import relative_name

from . import actions
from .loaders import Audit, Inventory, repo_name
from .tab_session import DashboardSession
from .text import error_line, md_text
from .widgets import guard, repo_key

MAX_OPTIONS = 200  # a selectbox beyond this is unusable; the tables show everything
SOURCES = {"candidates": "Candidates from the host", "inventory": "Any resource from the inventory"}


def short_text(text: object, max_len: int = 120) -> str:
    return clean_text(text, max_len=max_len)


def candidate_option(c: Candidate) -> str:
    return f"{c.sort_position + 1}. {short_text(c.display_label, 80)} ({c.confidence})"


def _context_for(inv: Inventory, provider: str, label: str) -> dict[str, str]:
    """The provider context the host shows for a resource label (for the preview;
    the host's answer on confirm is what gets written)."""
    return views.context_for_label(inv.resources, provider, label)


def _candidates_table(candidates: tuple[Candidate, ...] | list[Candidate]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "#": [c.sort_position + 1 for c in candidates],
            "resource": [short_text(c.display_label, 200) for c in candidates],
            "confidence": [c.confidence for c in candidates],
            "why": [short_text(c.match_reason, 300) for c in candidates],
        }
    )


def _providers(inv: Inventory, configured: str | None) -> list[str]:
    connected = [p for p in inv.health.loc[inv.health["connected"], "provider"]]
    names = connected or list(PROVIDERS)
    if configured and configured not in names:
        names = [configured, *names]
    return names


def _choose_candidate(
    key: str, inv: Inventory, provider: str, resolved: ResolveResult
) -> actions.BindChoice | None:
    if resolved.match_type == "exact" and resolved.binding_ref:
        label = resolved.display_label or resolved.binding_ref
        st.success(
            f"Exact match: the host already binds this project to {md_text(label)} "
            f"({md_text(resolved.binding_ref)}).",
            icon=":material/check_circle:",
        )
        return actions.BindChoice(
            "exact",
            label,
            binding_ref=resolved.binding_ref,
            context=_context_for(inv, provider, label),
        )
    if not resolved.candidates:
        st.warning(md_text(bind_host.no_candidates_message(provider)))
        return None
    st.dataframe(
        _candidates_table(resolved.candidates),
        hide_index=True,
        height=min(38 + 35 * len(resolved.candidates), 260),
        column_config={
            "#": st.column_config.NumberColumn("#", width=40),
            "resource": st.column_config.TextColumn("Resource", width=260),
            "confidence": st.column_config.TextColumn("Confidence", width=90),
            "why": st.column_config.TextColumn("Match reason", width=400),
        },
        key=f"cands_table_{key}",
    )
    offered = list(resolved.candidates[:MAX_OPTIONS])
    index = st.selectbox(
        "Candidate",
        range(len(offered)),
        index=None,
        format_func=lambda i: candidate_option(offered[i]),
        placeholder="Choose a candidate",
        key=f"cand_{key}_{provider}",
    )
    if index is None:
        return None
    cand = offered[index]
    return actions.BindChoice(
        "candidate",
        cand.display_label,
        context=_context_for(inv, provider, cand.display_label),
        candidate=cand,
    )


def _choose_resource(
    key: str, inv: Inventory, provider: str, project_slug: str | None
) -> actions.BindChoice | None:
    bindable = views.bindable_resources(inv.resources, provider, project_slug)
    if not len(bindable):
        st.warning(f"The {md_text(provider)} inventory has no resource this project can bind.")
        return None
    needle = st.text_input("Filter resources", key=f"resfilter_{key}_{provider}").strip().casefold()
    if needle:
        bindable = bindable.loc[bindable["search"].str.contains(needle, regex=False)]
    offered = bindable.head(MAX_OPTIONS)
    if len(bindable) > len(offered):
        st.caption(f"First {len(offered)} of {len(bindable)}: narrow with the filter.")
    labels = (
        offered["state"].astype("string").str[:1]
        + " "
        + offered["display_label"].fillna("")
        + " — "
        + offered["workspace"].fillna("")
    ).tolist()
    index = st.selectbox(
        "Resource",
        range(len(offered)),
        index=None,
        format_func=lambda i: labels[i],
        placeholder="Choose a resource",
        key=f"res_{key}_{provider}",
    )
    if index is None:
        return None
    res = views.resource_at(offered, offered.index[index])
    return actions.BindChoice(
        "resource", res.display_label, context=dict(res.provider_context), resource=res
    )


def repo_panel(session: DashboardSession, aud: Audit, inv: Inventory, repo: str) -> None:
    """Resolve → choose → preview → confirm, for one repo."""
    key = repo_key(repo)
    position = aud.row(repo)
    with st.container(border=True):
        if position is None:
            st.markdown(f"#### {md_text(relative_name(str(repo), []))}")
            st.warning("This repository is no longer under the roots.")
            return
        row = aud.report.rows[position]
        st.markdown(f"#### {md_text(row.label)}")
        shown = aud.repos.iloc[position]
        st.text(f"{shown['state_label']} — {short_text(row.reason, 300)}")
        if row.kind == "misconfigured":
            st.warning(
                "This config cannot be parsed, so it is never written here: fix the file by hand.",
                icon=":material/error:",
            )
            return
        writable = views.writable([row.repo], session.allowed_roots)[0]
        if not writable:
            st.warning("Outside the allowed roots: read-only here.", icon=":material/lock:")
        left, right = st.columns(2)
        names = _providers(inv, row.provider)
        provider = left.selectbox(
            "Provider",
            names,
            index=names.index(row.provider) if row.provider in names else 0,
            key=f"prov_{key}",
        )
        source = right.selectbox(
            "Bind to", list(SOURCES), format_func=SOURCES.__getitem__, key=f"src_{key}"
        )
        with guard():
            if isinstance(row.repo, RemoteProject):
                ctx = session.service.prepare_remote(row.repo, provider)
                st.caption(
                    f"A git remote: the change is committed on branch {md_text(bind_branch(ctx))} "
                    "and pushed, never to the default branch."
                )
            else:
                ctx = binding.prepare(row.repo, provider)
            choice: actions.BindChoice | None = None
            if source == "candidates":
                state_key = f"_resolved_{key}_{provider}"
                if st.button("Resolve on the host", key=f"resolve_{key}", icon=":material/search:"):
                    st.session_state[state_key] = session.service.client.bind_resolve(
                        ctx.provider, ctx.identity
                    )
                resolved = st.session_state.get(state_key)
                if isinstance(resolved, ResolveResult):
                    choice = _choose_candidate(key, inv, provider, resolved)
                else:
                    st.caption("Resolve to see the resources the host suggests for this project.")
            else:
                choice = _choose_resource(key, inv, provider, ctx.identity.slug)
            if choice is not None:
                st.caption(
                    "Preview of the config change (the ref is filled in by the host on confirm)"
                )
                diff = binding.preview(
                    ctx, binding_ref=choice.binding_ref, label=choice.label, context=choice.context
                )
                st.code(diff or "(no change)", language="diff")
            clicked = st.button(
                "Confirm and write",
                key=f"bind_{key}",
                type="primary",
                icon=":material/link:",
                disabled=not (session.can_mutate and writable and choice is not None),
            )
            if clicked and choice is not None:
                with st.spinner("Binding…"):
                    change = actions.bind_one(session, row.repo, provider, choice, row.binding_ref)
                st.session_state.pop(f"_resolved_{key}_{provider}", None)  # tokens are spent
                st.session_state[f"_result_{key}"] = change
                st.rerun()
        result = st.session_state.get(f"_result_{key}")
        if isinstance(result, actions.Change):
            _show_change(result)


def _show_change(change: actions.Change) -> None:
    name = md_text(repo_name(change.repo))
    if change.ok:
        pushed = f"; {md_text(change.detail)}" if change.detail.startswith("pushed") else ""
        st.success(
            f"{name}: bound to {md_text(change.label or '')} ({md_text(change.new_ref or '')})"
            + pushed,
            icon=":material/check:",
        )
    else:
        st.error(
            f"{name}: {error_line(Exception(change.detail or 'failed'))}", icon=":material/close:"
        )
