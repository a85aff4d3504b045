"""tracker_core.flows.rebind against the reference host: plan, exact matches in one go,
queued choices, and a viewer refused before anything is sent or written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.host import HostHandle
from tests.support.repos import COMMON, config_bytes, make_repo, mapped_repo, project_section
from tests.support.services import make_service
from tracker_core.access.policy import AccessPolicy
from tracker_core.config.config_io import load_config
from tracker_core.errors import PermissionDeniedError
from tracker_core.flows import rebind
from tracker_core.flows.audit import AuditRow
from tracker_host import seed


def stale_rows(root: Path) -> list[AuditRow]:
    search = mapped_repo(root, seed.DELETED_SEARCH)
    crm = mapped_repo(root, seed.DISABLED_CRM)
    return [
        AuditRow(search, "stale:mapping_deleted", "linear", seed.DELETED_SEARCH.binding_ref),
        AuditRow(crm, "stale:mapping_disabled", "jira", seed.DISABLED_CRM.binding_ref),
    ]


def test_plan_sorts_repos_by_what_the_host_offers(host: HostHandle, tmp_path: Path) -> None:
    rows = stale_rows(tmp_path)
    # A clone of search-indexer was re-bound elsewhere: the host holds an active mapping.
    clone = make_repo(
        tmp_path / "clone",
        "search-indexer",
        project_section("search-indexer", seed.DELETED_SEARCH.project_uuid) + COMMON,
    )
    with make_service(host) as svc:
        fresh = svc.bind(clone, "linear", select=1).binding_ref
    broken = make_repo(tmp_path, "broken", "tracker: [\n")
    rows.append(AuditRow(broken, "stale:mapping_deleted", "linear", "srm_x"))
    rows.append(AuditRow(tmp_path / "nowhere", "unbound"))
    with make_service(host, policy=AccessPolicy(role="viewer")) as viewer:
        plan = rebind.plan_rebind(viewer, rows)  # planning only reads: a viewer may
    (exact,) = plan.exact
    assert (exact.repo.name, exact.binding_ref, exact.previous_ref) == (
        "search-indexer",
        fresh,
        seed.DELETED_SEARCH.binding_ref,
    )
    (queued,) = plan.queued
    assert queued.repo.name == "crm-sync"
    assert queued.top_candidate is not None
    assert queued.top_candidate.display_label == "Legacy CRM (CRM)"
    assert {i.repo.name for i in plan.unresolved} == {"broken", "nowhere"}
    assert all(i.detail for i in plan.unresolved)


def test_apply_exact_writes_the_hosts_ref_without_a_new_mapping(
    host: HostHandle, tmp_path: Path
) -> None:
    (search_row, _crm_row) = stale_rows(tmp_path)
    clone = make_repo(
        tmp_path / "clone",
        "search-indexer",
        project_section("search-indexer", seed.DELETED_SEARCH.project_uuid) + COMMON,
    )
    with make_service(host) as svc:
        fresh = svc.bind(clone, "linear", select=1).binding_ref
        plan = rebind.plan_rebind(svc, [search_row])
        progress: list[tuple[int, int, bool]] = []
        (result,) = rebind.apply_exact(
            svc, plan.items, progress=lambda d, n, r: progress.append((d, n, r.ok))
        )
    assert result.ok and result.binding_ref == fresh
    assert result.previous_ref == seed.DELETED_SEARCH.binding_ref
    assert progress == [(1, 1, True)]
    tracker = load_config(search_row.repo).tracker
    assert tracker is not None and tracker.binding_ref == fresh
    active = [m for m in host.mappings("linear") if m["project_slug"] == "search-indexer"]
    assert [m["binding_ref"] for m in active if m["status"] == "active"] == [fresh]


def test_apply_choices_binds_each_to_its_candidate(host: HostHandle, tmp_path: Path) -> None:
    rows = stale_rows(tmp_path)
    with make_service(host) as svc:
        plan = rebind.plan_rebind(svc, rows)
        assert not plan.exact
        choices = [(item, item.candidates[0]) for item in plan.queued]
        results = rebind.apply_choices(svc, choices)
    assert [r.ok for r in results] == [True, True]
    for row, result in zip(rows, results, strict=True):
        tracker = load_config(row.repo).tracker
        assert tracker is not None and tracker.binding_ref == result.binding_ref
        assert result.binding_ref != row.binding_ref


def test_a_choice_must_be_one_of_the_items_candidates(host: HostHandle, tmp_path: Path) -> None:
    rows = stale_rows(tmp_path)
    with make_service(host) as svc:
        plan = rebind.plan_rebind(svc, rows)
        search, crm = sorted(plan.queued, key=lambda i: i.repo.name, reverse=True)
        with pytest.raises(Exception, match="not a candidate"):
            rebind.apply_choices(svc, [(search, crm.candidates[0])])


def test_failures_are_per_repo_and_write_nothing(host: HostHandle, tmp_path: Path) -> None:
    rows = stale_rows(tmp_path)
    with make_service(host) as svc:
        plan = rebind.plan_rebind(svc, rows)
        host.faults(fail_next=100, fail_status=401, path="/api/v1/tracker/bind-resolve/")
        before = [config_bytes(r.repo) for r in rows]
        results = rebind.apply_choices(svc, [(i, i.candidates[0]) for i in plan.queued])
    assert [r.ok for r in results] == [False, False]
    assert all(r.error for r in results)
    assert [config_bytes(r.repo) for r in rows] == before


def test_a_viewer_is_refused_before_any_request(host: HostHandle, tmp_path: Path) -> None:
    rows = stale_rows(tmp_path)
    with make_service(host) as admin:
        plan = rebind.plan_rebind(admin, rows)
    before = [config_bytes(r.repo) for r in rows]
    counts = host.mapping_counts()
    with make_service(host, host.viewer_token, policy=AccessPolicy(role="viewer")) as viewer:
        with pytest.raises(PermissionDeniedError):
            rebind.apply_choices(viewer, [(i, i.candidates[0]) for i in plan.queued])
        with pytest.raises(PermissionDeniedError):
            rebind.apply_exact(viewer, plan.items)
        assert viewer.client.request_count == 0
    assert [config_bytes(r.repo) for r in rows] == before
    assert host.mapping_counts() == counts
