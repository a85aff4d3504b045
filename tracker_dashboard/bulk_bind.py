"""The Bind page's batch parts: the bulk re-bind of stale repos, pending upgrades and
the summary of what changed this session.

Every control here is a plain widget with a key (AppTest can drive all of them).
Mutating buttons are disabled for a viewer, and the actions they call check the role
again.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st
from streamlit.elements.lib.mutable_status_container import StatusContainer

from tracker_core.flows import rebind
from tracker_core.flows.audit import AuditRow
from tracker_core.host.wire import Candidate

from . import actions
from .bind_panel import MAX_OPTIONS, candidate_option, short_text
from .loaders import Audit, repo_name
from .tab_session import DashboardSession
from .widgets import repo_key


def _run_with_progress(label: str, total: int) -> tuple[actions.Progress, StatusContainer]:
    status = st.status(label, expanded=True)
    bar = status.progress(0.0, text=f"0 of {total}")

    def progress(done: int, count: int, result: rebind.RebindResult) -> None:
        bar.progress(done / max(count, 1), text=f"{done} of {count}")
        mark = "✓" if result.ok else "✕"
        outcome = short_text(result.binding_ref or result.error or "", 200)
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
                    "resource": [short_text(i.display_label) for i in exact],
                }
            ),
            hide_index=True,
            key="rebind_exact_table",
        )
        _rebind_button(
            plan,
            f"Re-bind {len(exact)} exact match(es)",
            "rebind_exact",
            enabled=session.can_mutate,
            running="Re-binding exact matches…",
            what="Exact re-binds",
            count=len(exact),
            run=lambda progress: actions.rebind_exact(session, exact, progress),
        )
    if queued:
        st.markdown("**Waiting for a choice** — pick a candidate for each, then re-bind them")
        choices: list[tuple[rebind.RebindItem, Candidate]] = []
        for item in queued:
            offered = list(item.candidates[:MAX_OPTIONS])
            left, right = st.columns([1, 2])
            left.text(f"{repo_name(item.repo)}\nstale: {item.previous_ref or '-'}")
            labels = [candidate_option(c) for c in offered]
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
        _rebind_button(
            plan,
            f"Re-bind {len(choices)} chosen",
            "rebind_chosen",
            enabled=session.can_mutate and bool(choices),
            running="Re-binding chosen candidates…",
            what="Chosen re-binds",
            count=len(choices),
            run=lambda progress: actions.rebind_choices(session, choices, progress),
        )
    if unresolved:
        st.markdown("**Cannot be re-bound here**")
        st.dataframe(
            pd.DataFrame(
                {
                    "repository": [repo_name(i.repo) for i in unresolved],
                    "why": [short_text(i.detail, 300) for i in unresolved],
                }
            ),
            hide_index=True,
            key="rebind_unresolved_table",
        )


def _rebind_button(
    plan: rebind.RebindPlan,
    label: str,
    key: str,
    *,
    enabled: bool,
    running: str,
    what: str,
    count: int,
    run: Callable[[actions.Progress], list[actions.Change]],
) -> None:
    """A button that re-binds ``count`` repos with ``run``, shows each result as it
    lands, then drops the re-bound ones from the plan."""
    if st.button(label, key=key, type="primary", disabled=not enabled):
        progress, status = _run_with_progress(running, count)
        results = run(progress)
        _finish(status, results, what)
        _drop_done(plan, results)
        st.rerun()


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
                "resource": [short_text(r.display_label) for r in pending],
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
                mark = "✓" if c.ok else "✕"
                status.text(f"{mark} {repo_name(c.repo)}: {short_text(c.new_ref or c.detail)}")
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
                "resource": [short_text(c.label) if c.label else None for c in rows],
                "detail": [short_text(c.detail, 300) for c in rows],
            }
        ),
        hide_index=True,
        key="changes_table",
        column_config={"at": st.column_config.DatetimeColumn("At", format="HH:mm:ss")},
    )
