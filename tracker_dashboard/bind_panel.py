"""The Bind page's parts: one panel per selected repo, the bulk re-bind of stale
repos, pending upgrades and the summary of what changed.

Every control here is a plain widget with a key (AppTest can drive all of them);
nothing acts from inside a dialog. Mutating buttons are disabled for a viewer, and
the actions they call check the role again.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.elements.lib.mutable_status_container import StatusContainer

from tracker_core.flows import binding, rebind
from tracker_core.flows.audit import AuditRow
from tracker_core.host.wire import Candidate, ResolveResult
from tracker_core.providers import PROVIDERS
from tracker_core.remote.urls import RemoteProject
from tracker_core.safe_text import clean_text
from tracker_core.tables import views

from . import actions
from .loaders import Audit, Inventory, repo_name
from .session import DashboardSession
from .text import error_line, md_text
from .widgets import guard, repo_key

MAX_OPTIONS = 200  # a selectbox beyond this is unusable; the tables show everything
SOURCES = {"candidates": "Candidates from the host", "inventory": "Any resource from the inventory"}


def _label(text: object, max_len: int = 120) -> str:
    return clean_text(text, max_len=max_len)


def _candidate_option(c: Candidate) -> str:
    return f"{c.sort_position + 1}. {_label(c.display_label, 80)} ({c.confidence})"


def _context_for(inv: Inventory, provider: str, label: str) -> dict[str, str]:
    """The provider context the host shows for a resource label (for the preview;
    the host's answer on confirm is what gets written)."""
    return views.context_for_label(inv.resources, provider, label)


def _candidates_table(candidates: tuple[Candidate, ...] | list[Candidate]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "#": [c.sort_position + 1 for c in candidates],
            "resource": [_label(c.display_label, 200) for c in candidates],
            "confidence": [c.confidence for c in candidates],
            "why": [_label(c.match_reason, 300) for c in candidates],
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
        st.warning(md_text(binding.no_candidates_message(provider)))
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
        format_func=lambda i: _candidate_option(offered[i]),
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
            st.markdown(f"#### {md_text(Path(repo).name)}")
            st.warning("This repository is no longer under the roots.")
            return
        row = aud.report.rows[position]
        st.markdown(f"#### {md_text(row.label)}")
        shown = aud.repos.iloc[position]
        st.text(f"{shown['state_label']} — {_label(row.reason, 300)}")
        if row.kind == "misconfigured":
            st.warning(
                "This config cannot be parsed, so it is never written here: fix the file by hand.",
                icon=":material/error:",
            )
            return
        writable = bool(shown["writable"])
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
                st.caption(
                    "A git remote: the change is committed on a branch "
                    "sk-tracker/bind-<project> and pushed, never to the default branch."
                )
                ctx = session.service.prepare_remote(row.repo, provider)
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


def _run_with_progress(label: str, total: int) -> tuple[actions.Progress, StatusContainer]:
    status = st.status(label, expanded=True)
    bar = status.progress(0.0, text=f"0 of {total}")

    def progress(done: int, count: int, result: rebind.RebindResult) -> None:
        bar.progress(done / max(count, 1), text=f"{done} of {count}")
        mark = "✓" if result.ok else "✕"
        outcome = _label(result.binding_ref or result.error or "", 200)
        status.text(f"{mark} {repo_name(result.repo)}: {outcome}")

    return progress, status


def _finish(status: StatusContainer, results: list[actions.Change], what: str) -> None:
    ok = sum(c.ok for c in results)
    status.update(
        label=f"{what}: {ok} of {len(results)} done",
        state="complete" if ok == len(results) else "error",
        expanded=False,
    )
    st.toast(f"{what}: {ok} of {len(results)} done")


def _rows_for(aud: Audit, paths: list[str]) -> list[AuditRow]:
    by_path = {str(r.repo): r for r in aud.report.rows}
    return [by_path[p] for p in paths if p in by_path]


PLAN_KEY = "_rebind_plan"


def bulk_rebind(session: DashboardSession, aud: Audit, selected: list[str]) -> None:
    """Re-bind stale repos: exact matches in one go, the rest queued for a choice each."""
    stale = aud.repos.loc[aud.repos["kind"] == "stale"]
    if not len(stale):
        st.caption("No stale repository under the roots.")
        return
    names = dict(zip(stale["repo"], stale["name"], strict=True))
    default = [p for p in selected if p in names] or list(names)
    if "rebind_pick" not in st.session_state:
        st.session_state["rebind_pick"] = default
    st.session_state["rebind_pick"] = [p for p in st.session_state["rebind_pick"] if p in names]
    picked = st.multiselect(
        "Stale repositories to re-bind",
        list(names),
        format_func=lambda p: names[p],
        key="rebind_pick",
    )
    if st.button(
        "Find matches on the host",
        key="rebind_plan",
        icon=":material/travel_explore:",
        disabled=not picked,
    ):
        with st.spinner("Resolving on the host…"):
            st.session_state[PLAN_KEY] = rebind.plan_rebind(session.service, _rows_for(aud, picked))
    plan = st.session_state.get(PLAN_KEY)
    if not isinstance(plan, rebind.RebindPlan):
        return
    exact, queued, unresolved = plan.exact, plan.queued, plan.unresolved
    st.caption(
        f"{len(exact)} exact match(es) · {len(queued)} waiting for a choice · "
        f"{len(unresolved)} cannot be re-bound here"
    )
    if exact:
        st.markdown("**Exact matches** — the host already holds a binding for these projects")
        st.dataframe(
            pd.DataFrame(
                {
                    "repository": [repo_name(i.repo) for i in exact],
                    "stale ref": [i.previous_ref for i in exact],
                    "new ref": [i.binding_ref for i in exact],
                    "resource": [_label(i.display_label) for i in exact],
                }
            ),
            hide_index=True,
            key="rebind_exact_table",
        )
        if st.button(
            f"Re-bind {len(exact)} exact match(es)",
            key="rebind_exact",
            type="primary",
            disabled=not session.can_mutate,
        ):
            progress, status = _run_with_progress("Re-binding exact matches…", len(exact))
            results = actions.rebind_exact(session, exact, progress)
            _finish(status, results, "Exact re-binds")
            _drop_done(plan, results)
            st.rerun()
    if queued:
        st.markdown("**Waiting for a choice** — pick a candidate for each, then re-bind them")
        choices: list[tuple[rebind.RebindItem, Candidate]] = []
        for item in queued:
            offered = list(item.candidates[:MAX_OPTIONS])
            left, right = st.columns([1, 2])
            left.text(f"{repo_name(item.repo)}\nstale: {item.previous_ref or '-'}")
            labels = [_candidate_option(c) for c in offered]
            index = right.selectbox(
                "Candidate",
                range(len(offered)),
                index=None,
                format_func=labels.__getitem__,
                placeholder="Choose a candidate (or leave it for later)",
                key=f"queue_{repo_key(str(item.repo))}",
            )
            if index is not None:
                choices.append((item, offered[index]))
        if st.button(
            f"Re-bind {len(choices)} chosen",
            key="rebind_chosen",
            type="primary",
            disabled=not (session.can_mutate and choices),
        ):
            progress, status = _run_with_progress("Re-binding chosen candidates…", len(choices))
            results = actions.rebind_choices(session, choices, progress)
            _finish(status, results, "Chosen re-binds")
            _drop_done(plan, results)
            st.rerun()
    if unresolved:
        st.markdown("**Cannot be re-bound here**")
        st.dataframe(
            pd.DataFrame(
                {
                    "repository": [repo_name(i.repo) for i in unresolved],
                    "why": [_label(i.detail, 300) for i in unresolved],
                }
            ),
            hide_index=True,
            key="rebind_unresolved_table",
        )


def _drop_done(plan: rebind.RebindPlan, results: list[actions.Change]) -> None:
    done = {c.repo for c in results if c.ok}
    left = tuple(i for i in plan.items if str(i.repo) not in done)
    st.session_state[PLAN_KEY] = rebind.RebindPlan(left) if left else None


def pending_upgrades(session: DashboardSession, aud: Audit) -> None:
    pending = aud.report.pending_upgrades
    if not pending:
        st.caption("No legacy repository has an upgrade pending.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "repository": [r.label for r in pending],
                "project slug": [r.project_slug for r in pending],
                "binding ref to write": [r.pending_ref for r in pending],
                "resource": [_label(r.display_label) for r in pending],
            }
        ),
        hide_index=True,
        key="upgrades_table",
    )
    if st.button(
        f"Apply {len(pending)} pending upgrade(s)",
        key="apply_upgrades",
        type="primary",
        icon=":material/upgrade:",
        disabled=not session.can_mutate,
    ):
        with st.status("Writing binding refs…", expanded=True) as status:
            results = actions.apply_upgrades(session, pending)
            for c in results:
                status.text(
                    f"{'✓' if c.ok else '✕'} {repo_name(c.repo)}: {_label(c.new_ref or c.detail)}"
                )
        _finish(status, results, "Upgrades")
        st.rerun()


def summary() -> None:
    done = actions.changes()
    if not done:
        return
    ok = sum(c.ok for c in done)
    st.subheader("Changes in this session")
    st.caption(f"{ok} succeeded, {len(done) - ok} failed (newest first)")
    rows = list(reversed(done))
    st.dataframe(
        pd.DataFrame(
            {
                "at": [c.at for c in rows],
                "result": ["✓ ok" if c.ok else "✕ failed" for c in rows],
                "action": [c.action for c in rows],
                "repository": [repo_name(c.repo) for c in rows],
                "provider": [c.provider for c in rows],
                "old ref": [c.old_ref for c in rows],
                "new ref": [c.new_ref for c in rows],
                "resource": [_label(c.label) if c.label else None for c in rows],
                "detail": [_label(c.detail, 300) for c in rows],
            }
        ),
        hide_index=True,
        key="changes_table",
        column_config={"at": st.column_config.DatetimeColumn("At", format="HH:mm:ss")},
    )
