"""Bind scenarios of DESIGN §9 at the library level, against the reference host over
real HTTP, checking the result, the config file and the host afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.activity import log_beside
from tests.support.host import HostHandle
from tests.support.repos import (
    COMMON,
    config_bytes,
    make_repo,
    mapped_repo,
    project_section,
    tracker_section,
)
from tests.support.services import make_service
from tracker_core import (
    AccessPolicy,
    AlreadyBoundError,
    ConfigError,
    ForbiddenError,
    NoCandidatesError,
    PermissionDeniedError,
    SelectionOutOfRangeError,
    StaleBindingError,
    TrackerService,
    load_config,
)
from tracker_core.flows.binding import ExistingBinding
from tracker_core.host.wire import Candidate
from tracker_host import seed

UNBOUND = seed.UNBOUND_PROJECT


def unbound_repo(root: Path) -> Path:
    return make_repo(
        root,
        UNBOUND.project_slug,
        project_section(UNBOUND.project_slug, UNBOUND.project_uuid) + COMMON,
    )


def active_refs(host: HostHandle, provider: str) -> list[str]:
    return [m["binding_ref"] for m in host.mappings(provider) if m["status"] == "active"]


def test_exact_match_auto_binds_and_caches_metadata(
    service: TrackerService, tmp_path: Path
) -> None:
    # The project already has an active mapping on the host, but no tracker section locally.
    m = seed.MY_PROJECT
    repo = make_repo(
        tmp_path, m.project_slug, project_section(m.project_slug, m.project_uuid) + COMMON
    )
    before = config_bytes(repo)

    outcome = service.bind(repo, "linear")

    assert outcome.status == "bound" and outcome.method == "exact"
    assert outcome.binding_ref == m.binding_ref
    tracker = load_config(repo).tracker
    assert tracker is not None
    assert tracker.binding_ref == m.binding_ref
    assert tracker.display_label == "My Project (LINEAR-123)"
    assert tracker.provider_context["workspace_name"] == "Acme Corp"
    assert tracker.project_slug == "my-project"
    # Everything that was there before is still there, byte for byte.
    assert config_bytes(repo).startswith(before)


def test_ambiguous_candidates_go_through_choose(
    service: TrackerService, host: HostHandle, tmp_path: Path
) -> None:
    repo = unbound_repo(tmp_path)
    seen: list[list[Candidate]] = []

    def choose(cands: list[Candidate]) -> Candidate:
        seen.append(list(cands))
        return cands[0]

    outcome = service.bind(repo, "linear", choose=choose)

    cands = seen[0]
    assert [c.sort_position for c in cands] == list(range(len(cands)))
    assert cands[0].display_label == "Mobile App (LINEAR-789)"
    assert cands[0].confidence == "high"
    # Resources bound to other projects are never candidates.
    assert "My Project (LINEAR-123)" not in {c.display_label for c in cands}
    assert outcome.display_label == "Mobile App (LINEAR-789)"
    assert outcome.binding_ref in active_refs(host, "linear")
    assert load_config(repo).tracker.binding_ref == outcome.binding_ref  # type: ignore[union-attr]


def test_select_n_picks_sort_position_n_minus_1(service: TrackerService, tmp_path: Path) -> None:
    repo = unbound_repo(tmp_path)
    resolved = service.client.bind_resolve("linear", load_config(repo).project)  # type: ignore[arg-type]
    second = next(c for c in resolved.candidates if c.sort_position == 1)

    outcome = service.bind(repo, "linear", select=2)

    assert outcome.display_label == second.display_label
    assert load_config(repo).tracker.display_label == second.display_label  # type: ignore[union-attr]


def test_select_out_of_range_names_the_range_and_writes_nothing(
    service: TrackerService, tmp_path: Path
) -> None:
    repo = unbound_repo(tmp_path)
    before = config_bytes(repo)
    with pytest.raises(SelectionOutOfRangeError, match=r"choose 1 to \d+"):
        service.bind(repo, "linear", select=99)
    assert config_bytes(repo) == before


def test_no_candidates_gives_guidance_without_tracker_ids(
    host: HostHandle, service: TrackerService, tmp_path: Path
) -> None:
    # An installation whose only resource is bound to another project.
    m = seed.MY_PROJECT
    host.load(
        {
            "installations": [
                {
                    "provider": "linear",
                    "workspaces": [
                        {
                            "name": "Acme Corp",
                            "team_name": "Eng",
                            "resources": [{"key": "LINEAR-123", "name": "My Project"}],
                        }
                    ],
                }
            ],
            "mappings": [
                {
                    "binding_ref": m.binding_ref,
                    "provider": "linear",
                    "resource_key": "LINEAR-123",
                    "project_slug": m.project_slug,
                    "project_uuid": m.project_uuid,
                    "status": "active",
                }
            ],
        }
    )
    repo = unbound_repo(tmp_path)
    before = config_bytes(repo)
    with pytest.raises(NoCandidatesError) as info:
        service.bind(repo, "linear")
    assert "SaaS dashboard" in str(info.value)
    assert "--project-slug" not in str(info.value)
    assert "LINEAR-123" not in str(info.value)
    assert config_bytes(repo) == before


def test_bind_ref_valid_is_validated_then_persisted(
    service: TrackerService, tmp_path: Path
) -> None:
    m = seed.DATA_PIPELINE
    repo = make_repo(
        tmp_path, m.project_slug, project_section(m.project_slug, m.project_uuid) + COMMON
    )
    outcome = service.bind(repo, "linear", bind_ref=m.binding_ref)
    assert outcome.method == "bind_ref"
    tracker = load_config(repo).tracker
    assert tracker is not None and tracker.binding_ref == m.binding_ref
    assert tracker.display_label == m.display_label


@pytest.mark.parametrize(
    ("mapping", "reason"),
    [(seed.DELETED_SEARCH, "mapping_deleted"), (seed.DISABLED_CRM, "mapping_disabled")],
)
def test_bind_ref_invalid_changes_nothing(
    service: TrackerService, tmp_path: Path, mapping: seed.SeedMapping, reason: str
) -> None:
    repo = make_repo(
        tmp_path,
        mapping.project_slug,
        project_section(mapping.project_slug, mapping.project_uuid) + COMMON,
    )
    before = config_bytes(repo)
    with pytest.raises(StaleBindingError) as info:
        service.bind(repo, mapping.provider, bind_ref=mapping.binding_ref)
    assert info.value.reason == reason
    assert mapping.binding_ref in str(info.value)
    assert config_bytes(repo) == before


def test_bind_ref_of_another_project_is_a_mismatch(service: TrackerService, tmp_path: Path) -> None:
    repo = unbound_repo(tmp_path)
    before = config_bytes(repo)
    with pytest.raises(StaleBindingError) as info:
        service.bind(repo, "linear", bind_ref=seed.MY_PROJECT.binding_ref)
    assert info.value.reason == "project_mismatch"
    assert config_bytes(repo) == before


def test_rebind_declined_changes_nothing(
    service: TrackerService, host: HostHandle, tmp_path: Path
) -> None:
    repo = mapped_repo(tmp_path, seed.DELETED_SEARCH)
    before = config_bytes(repo)
    asked: list[tuple[str | None, str | None]] = []

    def decline(existing: ExistingBinding) -> bool:
        asked.append((existing.section.binding_ref, existing.stale_reason))
        return False

    outcome = service.bind(repo, "linear", select=1, confirm_rebind=decline)

    assert outcome.status == "declined"
    # The question is asked knowing the binding is stale.
    assert asked == [(seed.DELETED_SEARCH.binding_ref, "mapping_deleted")]
    assert config_bytes(repo) == before
    assert host.mapping_counts("linear")["active"] == 3


def test_rebind_confirmed_replaces_stale_ref_and_keeps_other_bytes(
    service: TrackerService, host: HostHandle, tmp_path: Path
) -> None:
    m = seed.DELETED_SEARCH
    extra = "  egress: refused\n  some_future_field: kept\n"
    config = "# managed by spec-kitty\n" + project_section(m.project_slug, m.project_uuid) + COMMON
    config += (
        tracker_section("linear", binding_ref=m.binding_ref, project_slug=m.project_slug) + extra
    )
    repo = make_repo(tmp_path, m.project_slug, config)

    outcome = service.bind(repo, "linear", select=1, confirm_rebind=True)

    assert outcome.status == "bound" and outcome.previous_ref == m.binding_ref
    assert outcome.binding_ref != m.binding_ref
    text = config_bytes(repo).decode()
    assert text.startswith(
        "# managed by spec-kitty\n" + project_section(m.project_slug, m.project_uuid) + COMMON
    )
    assert "  egress: refused\n  some_future_field: kept\n" in text
    assert outcome.binding_ref in active_refs(host, "linear")


def test_rebind_to_other_resource_deletes_previous_mapping_on_host(
    service: TrackerService, host: HostHandle, tmp_path: Path
) -> None:
    m = seed.DATA_PIPELINE
    repo = mapped_repo(tmp_path, m)
    target = next(
        r
        for r in service.discover("linear").resources
        if r.display_label == "Backend API (LINEAR-456)"
    )

    outcome = service.bind_resource(repo, "linear", target)

    assert outcome.previous_ref == m.binding_ref and outcome.binding_ref != m.binding_ref
    statuses = {x["binding_ref"]: x["status"] for x in host.mappings("linear")}
    assert statuses[m.binding_ref] == "deleted"
    assert statuses[outcome.binding_ref] == "active"
    assert load_config(repo).tracker.binding_ref == outcome.binding_ref  # type: ignore[union-attr]


def test_identity_is_derived_and_persisted_with_the_binding(
    service: TrackerService, tmp_path: Path
) -> None:
    repo = make_repo(
        tmp_path, "Fresh_Service", COMMON, remote="git@github.com:acme-corp/fresh-service.git"
    )
    outcome = service.bind(repo, "github", select=1)
    config = load_config(repo)
    assert config.project is not None
    assert config.project.slug == "fresh-service"
    assert len(config.project.node_id) == 12
    assert config.tracker is not None and config.tracker.binding_ref == outcome.binding_ref
    assert config_bytes(repo).decode().startswith(COMMON)


def test_repo_without_config_gets_one(service: TrackerService, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, "brand-new", None)
    service.bind(repo, "gitlab", select=1)
    config = load_config(repo)
    assert config.project is not None and config.project.slug == "brand-new"
    assert config.tracker is not None and config.tracker.provider == "gitlab"


def test_broken_config_is_reported_and_left_alone(service: TrackerService, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, "broken", "tracker: [unclosed\n")
    with pytest.raises(ConfigError):
        service.bind(repo, "linear", select=1)
    assert config_bytes(repo) == b"tracker: [unclosed\n"


def test_viewer_token_cannot_bind_and_nothing_changes(host: HostHandle, tmp_path: Path) -> None:
    repo = unbound_repo(tmp_path)
    before = config_bytes(repo)
    counts = host.mapping_counts()
    with make_service(host, host.viewer_token) as viewer, pytest.raises(ForbiddenError):
        viewer.bind(repo, "linear", select=1)
    assert config_bytes(repo) == before
    assert host.mapping_counts() == counts


def test_viewer_policy_never_reaches_the_host(host: HostHandle, tmp_path: Path) -> None:
    repo = unbound_repo(tmp_path)
    before = config_bytes(repo)
    with make_service(host, policy=AccessPolicy(role="viewer")) as svc:
        with pytest.raises(PermissionDeniedError):
            svc.bind(repo, "linear", select=1)
        assert svc.client.request_count == 0
    assert config_bytes(repo) == before


def test_writes_outside_allowed_roots_are_refused_before_any_call(
    host: HostHandle, tmp_path: Path
) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    repo = unbound_repo(tmp_path)
    with make_service(host, policy=AccessPolicy(allowed_roots=[allowed])) as svc:
        with pytest.raises(Exception, match="outside the allowed roots"):
            svc.bind(repo, "linear", select=1)
        assert svc.client.request_count == 0


def test_already_bound_resource_from_inventory_is_a_clear_error(
    service: TrackerService, tmp_path: Path
) -> None:
    repo = unbound_repo(tmp_path)
    before = config_bytes(repo)
    crm = next(
        r for r in service.discover("jira").resources if r.display_label == "Legacy CRM (CRM)"
    )
    with pytest.raises(AlreadyBoundError, match="Legacy CRM"):
        service.bind_resource(repo, "jira", crm)
    assert config_bytes(repo) == before


def test_bind_from_inventory_survives_an_expired_candidate_token(
    service: TrackerService, host: HostHandle, tmp_path: Path
) -> None:
    repo = unbound_repo(tmp_path)
    mob = next(
        r for r in service.discover("jira").resources if r.display_label == "Mobile App (MOB)"
    )
    host.revoke_candidate_tokens()  # every token issued so far is now invalid
    outcome = service.bind_resource(repo, "jira", mob)
    assert outcome.display_label == "Mobile App (MOB)"
    assert load_config(repo).tracker.binding_ref == outcome.binding_ref  # type: ignore[union-attr]


def test_activity_log_records_binds_and_failures(host: HostHandle, tmp_path: Path) -> None:
    log = log_beside(tmp_path / "activity.jsonl")
    repo = unbound_repo(tmp_path)
    with make_service(host) as svc:
        svc.activity = log
        svc.bind(repo, "linear", select=1)
        with pytest.raises(StaleBindingError):
            svc.bind(repo, "linear", bind_ref=seed.DELETED_SEARCH.binding_ref, confirm_rebind=True)
    entries = log.entries()
    assert [e.result for e in entries] == ["failed", "ok"]
    assert entries[1].action == "bind" and entries[0].action == "rebind"
    assert entries[0].old_ref == entries[1].new_ref
