"""Status scenarios of DESIGN §9: routing, opportunistic upgrade (applied, skipped,
pending), stale bindings (with and without a legacy slug), host down, status --all."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

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
    HostClient,
    HostUnavailableError,
    StaleBindingError,
    TrackerService,
    load_config,
)
from tracker_core.flows.status import NotConfiguredError
from tracker_core.host.retry import RetryPolicy
from tracker_host import seed


def test_status_by_binding_ref(service: TrackerService, tmp_path: Path) -> None:
    repo = mapped_repo(tmp_path, seed.MY_PROJECT)
    before = config_bytes(repo)
    report = service.project_status(repo)
    assert report.routed_by == "binding_ref"
    assert report.status.display_label == "My Project (LINEAR-123)"
    assert report.status.connected is True
    assert config_bytes(repo) == before


def test_legacy_status_upgrades_config_with_ref_and_metadata(
    service: TrackerService, tmp_path: Path
) -> None:
    m = seed.LEGACY_BILLING
    repo = mapped_repo(tmp_path, m, with_ref=False)
    before = config_bytes(repo).decode()

    report = service.project_status(repo)

    assert report.routed_by == "project_slug" and report.upgrade == "applied"
    tracker = load_config(repo).tracker
    assert tracker is not None
    assert tracker.binding_ref == m.binding_ref
    assert tracker.project_slug == m.project_slug  # the legacy key is kept
    assert tracker.display_label == m.display_label
    assert tracker.provider_context["workspace_name"] == "Acme Labs"
    after = config_bytes(repo).decode()
    assert after.startswith(before.split("tracker:")[0])
    # The next status call routes by the ref it just learned.
    assert service.project_status(repo).routed_by == "binding_ref"


def test_upgrade_skipped_when_host_does_not_know_the_slug(
    service: TrackerService, tmp_path: Path
) -> None:
    config = project_section("orphan", "0c3e9a55-7c1e-4f61-9b1a-8d2f0e7a6b5c") + COMMON
    config += tracker_section("linear", project_slug="orphan-project")
    repo = make_repo(tmp_path, "orphan", config)
    report = service.project_status(repo)
    assert report.upgrade == "none" and report.status.binding_ref is None
    assert config_bytes(repo) == config.encode()


def test_upgrade_pending_when_upgrade_on_read_is_off(host: HostHandle, tmp_path: Path) -> None:
    m = seed.LEGACY_BILLING
    repo = mapped_repo(tmp_path, m, with_ref=False)
    before = config_bytes(repo)
    with make_service(host, upgrade_on_read=False) as svc:
        report = svc.project_status(repo)
    assert report.upgrade == "pending" and report.upgrade_ref == m.binding_ref
    assert config_bytes(repo) == before


def test_viewer_session_reports_upgrade_as_pending(host: HostHandle, tmp_path: Path) -> None:
    repo = mapped_repo(tmp_path, seed.LEGACY_BILLING, with_ref=False)
    before = config_bytes(repo)
    with make_service(host, host.viewer_token, policy=AccessPolicy(role="viewer")) as svc:
        assert svc.project_status(repo).upgrade == "pending"
    assert config_bytes(repo) == before


def test_failed_upgrade_write_leaves_the_file(
    service: TrackerService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process edits the file between the read and the upgrade's write: the
    upgrade is refused as a conflict and that other edit survives untouched."""
    from tracker_core.flows import status as status_mod

    repo = mapped_repo(tmp_path, seed.LEGACY_BILLING, with_ref=False)
    edited = config_bytes(repo) + b"# edited meanwhile\n"
    real_write = status_mod.write_tracker

    def racing_write(config, changes, **kw):  # type: ignore[no-untyped-def]
        (repo / ".kittify" / "config.yaml").write_bytes(edited)
        return real_write(config, changes, **kw)

    monkeypatch.setattr(status_mod, "write_tracker", racing_write)
    report = service.project_status(repo)
    assert report.upgrade == "failed"
    assert config_bytes(repo) == edited


@pytest.mark.parametrize(
    ("mapping", "reason"),
    [(seed.DELETED_SEARCH, "mapping_deleted"), (seed.DISABLED_CRM, "mapping_disabled")],
)
def test_stale_binding_names_ref_and_fix_and_keeps_config(
    service: TrackerService, tmp_path: Path, mapping: seed.SeedMapping, reason: str
) -> None:
    # The repo also has the legacy slug: there must be no silent fallback to it.
    repo = mapped_repo(tmp_path, mapping)
    before = config_bytes(repo)
    with pytest.raises(StaleBindingError) as info:
        service.project_status(repo)
    assert info.value.reason == reason
    message = str(info.value)
    assert mapping.binding_ref in message
    assert f"sk-tracker bind --provider {mapping.provider}" in message
    assert config_bytes(repo) == before


def test_binding_made_stale_with_dev_controls(
    service: TrackerService, host: HostHandle, tmp_path: Path
) -> None:
    repo = mapped_repo(tmp_path, seed.MY_PROJECT)
    service.project_status(repo)
    host.disable(seed.MY_PROJECT.binding_ref)
    with pytest.raises(StaleBindingError, match="disabled"):
        service.project_status(repo)
    host.delete(seed.MY_PROJECT.binding_ref)
    with pytest.raises(StaleBindingError, match="deleted"):
        service.project_status(repo)


def test_unbound_repo_status_says_how_to_bind(service: TrackerService, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, "plain", COMMON)
    with pytest.raises(NotConfiguredError) as unknown:
        service.project_status(repo)
    assert str(unknown.value) == (
        f"{repo} has no tracker binding; bind it with sk-tracker bind --provider and one "
        "of: linear, jira, github, gitlab, azure_devops"
    )
    with pytest.raises(NotConfiguredError) as chosen:
        service.project_status(repo, provider="jira")
    assert str(chosen.value).endswith("bind it with: sk-tracker bind --provider jira")


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_host_down_is_host_unavailable_and_changes_nothing(tmp_path: Path) -> None:
    repo = mapped_repo(tmp_path, seed.LEGACY_BILLING, with_ref=False)
    before = config_bytes(repo)
    retry = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02, max_total=2.0)
    client = HostClient(f"http://127.0.0.1:{_dead_port()}", "tok", "acme", retry=retry, timeout=1.0)
    with TrackerService(client) as svc:
        with pytest.raises(HostUnavailableError, match="host unavailable"):
            svc.project_status(repo)
        assert client.request_count == 3
    assert config_bytes(repo) == before


def test_status_survives_a_429_burst_and_latency(
    service: TrackerService, host: HostHandle, tmp_path: Path
) -> None:
    repo = mapped_repo(tmp_path, seed.MY_PROJECT)
    host.faults(burst_429=2, retry_after_seconds=0, latency_ms=30)
    report = service.project_status(repo)
    assert report.status.binding_ref == seed.MY_PROJECT.binding_ref
    assert report.verdict is not None and report.verdict.state == "bound"
    # Two 429s, the status call, and the audit's one mappings listing for the verdict.
    assert service.client.request_count == 4


def test_installation_wide_status_covers_every_provider(service: TrackerService) -> None:
    items = {i.provider: i for i in service.installation_status()}
    assert set(items) == {"linear", "jira", "github", "gitlab", "azure_devops"}
    assert items["azure_devops"].connected is False
    assert "SaaS dashboard" in (items["azure_devops"].error or "")
    linear = items["linear"].status
    assert linear is not None and linear.resource_count == 10
    refs = {b.binding_ref: b.status for b in linear.bindings}
    assert refs[seed.MY_PROJECT.binding_ref] == "active"
    assert seed.DELETED_SEARCH.binding_ref not in refs
    jira = items["jira"].status
    assert jira is not None
    assert {b.binding_ref: b.status for b in jira.bindings}[
        seed.DISABLED_CRM.binding_ref
    ] == "disabled"
