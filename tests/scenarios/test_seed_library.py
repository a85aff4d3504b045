"""The seed scenarios of DESIGN §9 through the library, against the reference host
and the second host (``any_host``): the same steps must work on any faithful host."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.host import ADMIN_TOKEN, TEAM
from tests.support.repos import COMMON, config_bytes, make_repo, project_section, tracker_section
from tests.support.scenario_hosts import ScenarioHost
from tests.support.scenario_state import (
    BILLING,
    DELETED,
    DISABLED,
    FREE_LINEAR,
    HOST_SAYS_DISABLED,
    LEGACY,
    MY,
    NEVER_ISSUED,
    PAYMENTS,
    SITE,
    STATE,
    Project,
)
from tests.support.second_host import SecondHost
from tracker_core import (
    HostClient,
    HostUnavailableError,
    NoCandidatesError,
    SelectionOutOfRangeError,
    StaleBindingError,
    TrackerService,
    UsageError,
    load_config,
)
from tracker_core.flows.bind_host import confirm_exact
from tracker_core.flows.binding import prepare
from tracker_core.host.retry import RetryPolicy
from tracker_core.host.wire import Candidate

FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02, max_total=3.0)


def service_for(url: str, token: str, team: str, *, upgrade: bool = True) -> TrackerService:
    return TrackerService(HostClient(url, token, team, retry=FAST), upgrade_on_read=upgrade)


@pytest.fixture
def svc(any_host: ScenarioHost) -> Iterator[TrackerService]:
    with service_for(any_host.url, any_host.admin_token, any_host.team) as service:
        yield service


def repo_of(root: Path, project: Project, **tracker: str | None) -> Path:
    config = project_section(project.slug, project.uuid) + COMMON
    if tracker:
        config += tracker_section(project.provider, **tracker)
    return make_repo(root, project.slug, config)


# --- bind ---------------------------------------------------------------------------


def test_auto_bind_on_an_exact_match(svc: TrackerService, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, MY)
    outcome = svc.bind(repo, "linear")
    assert (outcome.status, outcome.method, outcome.binding_ref) == (
        "bound",
        "exact",
        MY.binding_ref,
    )
    tracker = load_config(repo).tracker
    assert tracker is not None and tracker.binding_ref == MY.binding_ref
    assert tracker.display_label == "My Project (LIN-1)"


def test_ambiguous_candidates_are_chosen_from(svc: TrackerService, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, BILLING)
    seen: list[str] = []

    def choose(candidates: list[Candidate]) -> Candidate | None:
        seen.extend(c.display_label for c in candidates)
        return next(c for c in candidates if c.display_label == "Payments API (LIN-5)")

    outcome = svc.bind(repo, "linear", choose=choose)  # type: ignore[arg-type]
    assert sorted(seen) == FREE_LINEAR
    assert outcome.display_label == "Payments API (LIN-5)"
    assert load_config(repo).tracker.binding_ref == outcome.binding_ref  # type: ignore[union-attr]


def test_select_binds_the_numbered_candidate_and_out_of_range_names_the_range(
    svc: TrackerService, tmp_path: Path
) -> None:
    repo = repo_of(tmp_path, BILLING)
    before = config_bytes(repo)
    with pytest.raises(SelectionOutOfRangeError, match="choose 1 to 4"):
        svc.bind(repo, "linear", select=9)
    assert config_bytes(repo) == before
    first = svc.client.bind_resolve("linear", prepare(repo, "linear").identity).candidates[0]
    outcome = svc.bind(repo, "linear", select=1)
    assert outcome.display_label == first.display_label


def test_no_candidates_is_an_error_that_changes_nothing(
    svc: TrackerService, tmp_path: Path
) -> None:
    repo = repo_of(tmp_path, Project("new-site", BILLING.uuid, provider="github"))
    before = config_bytes(repo)
    with pytest.raises(NoCandidatesError, match="sk-tracker discover --provider github"):
        svc.bind(repo, "github")
    assert config_bytes(repo) == before


def test_an_expired_candidate_token_is_resolved_again_once(
    svc: TrackerService, any_host: ScenarioHost, tmp_path: Path
) -> None:
    repo = repo_of(tmp_path, BILLING)

    def choose(candidates: list[Candidate]) -> Candidate | None:
        any_host.controls.revoke_candidate_tokens()  # every token in hand is now refused
        return next(c for c in candidates if c.display_label == "Payments (LIN-4)")

    outcome = svc.bind(repo, "linear", choose=choose)  # type: ignore[arg-type]
    assert outcome.display_label == "Payments (LIN-4)"
    assert any_host.controls.mapping_status("linear", outcome.binding_ref or "") == "active"


def test_bind_ref_valid_is_persisted(svc: TrackerService, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, MY)
    outcome = svc.bind(repo, "linear", bind_ref=MY.binding_ref)
    assert (outcome.method, outcome.binding_ref) == ("bind_ref", MY.binding_ref)
    assert load_config(repo).tracker.display_label == "My Project (LIN-1)"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("project", "ref", "provider", "reason", "words"),
    [
        (
            BILLING,
            NEVER_ISSUED,
            "linear",
            "binding_not_found",
            f"no binding {NEVER_ISSUED} on the host",
        ),
        (
            SITE,
            SITE.binding_ref,
            "linear",
            "provider_mismatch",
            f"{SITE.binding_ref} is a github binding; use --provider github",
        ),
        (DELETED, DELETED.binding_ref, "linear", "mapping_deleted", "was deleted on the host"),
        (DISABLED, DISABLED.binding_ref, "linear", "mapping_disabled", "is disabled on the host"),
        (BILLING, MY.binding_ref, "linear", "project_mismatch", "belongs to another project"),
    ],
)
def test_bind_ref_invalid_says_why_and_writes_nothing(
    svc: TrackerService,
    any_host: ScenarioHost,
    tmp_path: Path,
    project: Project,
    ref: str,
    provider: str,
    reason: str,
    words: str,
) -> None:
    repo = repo_of(tmp_path, Project(project.slug, project.uuid))
    before = config_bytes(repo)
    with pytest.raises(StaleBindingError) as info:
        svc.bind(repo, provider, bind_ref=ref)
    assert info.value.reason == reason
    assert words in str(info.value) and "\n" not in str(info.value)
    # The host's own words travel with the error, after the tool's fix.
    assert info.value.host_says and str(info.value).endswith(info.value.host_says)
    if any_host.kind == "second" and reason == "mapping_disabled":
        assert HOST_SAYS_DISABLED in str(info.value)
    assert config_bytes(repo) == before


def test_rebind_confirmed_replaces_a_stale_binding(svc: TrackerService, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, DELETED, binding_ref=DELETED.binding_ref, project_slug=DELETED.slug)
    outcome = svc.bind(repo, "linear", select=1, confirm_rebind=True)
    assert outcome.status == "bound" and outcome.previous_ref == DELETED.binding_ref
    assert load_config(repo).tracker.binding_ref == outcome.binding_ref != DELETED.binding_ref  # type: ignore[union-attr]


def test_rebind_declined_changes_nothing(svc: TrackerService, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, MY, binding_ref=MY.binding_ref, project_slug=MY.slug)
    before = config_bytes(repo)
    outcome = svc.bind(repo, "linear", confirm_rebind=False)
    assert outcome.status == "declined" and config_bytes(repo) == before


def test_exact_match_by_candidate_token_is_confirmed(
    svc: TrackerService, any_host: ScenarioHost, tmp_path: Path
) -> None:
    # The second host offers "payments" as an exact match carried by a candidate token
    # alone: there is no list to pick from, so --select is refused and a plain bind
    # confirms the match. The reference host lists it as a candidate to select.
    repo = repo_of(tmp_path, PAYMENTS)
    if any_host.kind == "second":
        before = config_bytes(repo)
        with pytest.raises(UsageError, match="--select 1 cannot be used"):
            svc.bind(repo, "linear", select=1)
        assert config_bytes(repo) == before
        outcome = svc.bind(repo, "linear")
    else:
        outcome = svc.bind(repo, "linear", select=1)
    assert outcome.display_label == "Payments (LIN-4)"
    assert outcome.method == ("exact" if any_host.kind == "second" else "selected")
    assert load_config(repo).tracker.binding_ref == outcome.binding_ref  # type: ignore[union-attr]


def test_an_expired_exact_match_token_is_resolved_again_once(
    second_host_server: SecondHost, tmp_path: Path
) -> None:
    # Only the second host carries an exact match by candidate token alone.
    second_host_server.load(STATE)
    repo = repo_of(tmp_path, PAYMENTS)
    ctx = prepare(repo, "linear")
    with service_for(second_host_server.url, ADMIN_TOKEN, TEAM) as svc:
        resolved = svc.client.bind_resolve("linear", ctx.identity)
        assert resolved.match_type == "exact" and resolved.candidate_token
        second_host_server.revoke_candidate_tokens()  # the token in hand is now refused
        result = confirm_exact(svc.client, ctx, resolved.candidate_token)
    assert result.display_label == "Payments (LIN-4)"
    assert second_host_server.mapping_status(result.binding_ref) == "active"


# --- status -------------------------------------------------------------------------


def test_legacy_status_upgrades_the_config(svc: TrackerService, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, LEGACY, project_slug=LEGACY.slug)
    report = svc.project_status(repo)
    assert (report.upgrade, report.upgrade_ref) == ("applied", LEGACY.binding_ref)
    assert load_config(repo).tracker.binding_ref == LEGACY.binding_ref  # type: ignore[union-attr]


def test_legacy_status_without_upgrade_on_read_leaves_the_file(
    any_host: ScenarioHost, tmp_path: Path
) -> None:
    repo = repo_of(tmp_path, LEGACY, project_slug=LEGACY.slug)
    before = config_bytes(repo)
    with service_for(any_host.url, any_host.admin_token, any_host.team, upgrade=False) as svc:
        report = svc.project_status(repo)
    assert (report.upgrade, report.upgrade_ref) == ("pending", LEGACY.binding_ref)
    assert config_bytes(repo) == before


def test_host_down_is_a_clear_error_and_the_file_is_untouched(tmp_path: Path) -> None:
    repo = repo_of(tmp_path, LEGACY, project_slug=LEGACY.slug)
    before = config_bytes(repo)
    with service_for("http://127.0.0.1:9", "t", "acme") as svc, pytest.raises(HostUnavailableError):
        svc.project_status(repo)
    assert config_bytes(repo) == before


def test_status_all_covers_every_installed_provider(svc: TrackerService) -> None:
    items = {i.provider: i for i in svc.installation_status()}
    assert items["linear"].connected and items["github"].connected
    assert not items["jira"].connected
    linear = items["linear"].status
    assert linear is not None and linear.binding_count == 3  # active + disabled, not deleted


@pytest.mark.parametrize("with_slug", [False, True])
def test_stale_binding_is_never_replaced_by_the_slug(
    svc: TrackerService, tmp_path: Path, with_slug: bool
) -> None:
    slug = DELETED.slug if with_slug else None
    repo = repo_of(tmp_path, DELETED, binding_ref=DELETED.binding_ref, project_slug=slug)
    before = config_bytes(repo)
    with pytest.raises(StaleBindingError, match="sk-tracker bind --provider linear"):
        svc.project_status(repo)
    assert config_bytes(repo) == before


def test_disabled_binding_status_says_what_the_host_said(
    svc: TrackerService, tmp_path: Path
) -> None:
    repo = repo_of(tmp_path, DISABLED, binding_ref=DISABLED.binding_ref, project_slug=DISABLED.slug)
    with pytest.raises(StaleBindingError) as info:
        svc.project_status(repo)
    assert info.value.reason == "mapping_disabled"
    # Each host words it its own way; the second host as the seed does.
    assert "re-enable" in info.value.host_says or "is disabled" in info.value.host_says
    assert info.value.host_says in str(info.value)


# --- discovery ----------------------------------------------------------------------


def test_discovery_tells_disabled_from_bound(svc: TrackerService) -> None:
    inventory = svc.discover("linear")
    status = {r.display_label: inventory.binding_status(r) for r in inventory.resources}
    assert status["CRM (LIN-3)"] == "disabled"
    assert status["My Project (LIN-1)"] == "bound"
    assert status["Search Service (LIN-2)"] == "available"  # a deleted mapping frees it
    assert (inventory.bound_count, inventory.disabled_count) == (2, 1)
