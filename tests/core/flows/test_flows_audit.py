"""Audit: every state of DESIGN §6 from the demo repos, conflicts, "not found locally",
apply-upgrades, and equivalence with validating every repo one by one."""

from __future__ import annotations

import random
import shutil
import uuid as uuid_mod
from pathlib import Path

import pytest

from tests.support.host import HostHandle
from tests.support.repos import COMMON, config_bytes, make_repo, project_section, tracker_section
from tests.support.services import make_service
from tracker_core import TrackerService, load_config
from tracker_core.config.identity import ProjectIdentity
from tracker_core.local.scan import scan_roots
from tracker_core.providers import PROVIDERS
from tracker_host import seed
from tracker_host.demo_repos import write_demo_repos

EXPECTED = {
    "my-project": "bound",
    "billing-service": "legacy",
    "search-indexer": "stale:mapping_deleted",
    "crm-sync": "stale:mapping_disabled",
    "mobile-app": "unbound",
}


def states(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.repo.name: r.state for r in report.rows}


def test_demo_repos_get_every_state(service: TrackerService, tmp_path: Path) -> None:
    write_demo_repos(tmp_path)
    report = service.audit([tmp_path])
    got = states(report)
    for name, state in EXPECTED.items():
        assert got[name] == state, (name, got[name])
    assert got["broken-config"].startswith("misconfigured:")
    legacy = next(r for r in report.rows if r.repo.name == "billing-service")
    assert legacy.pending_ref == seed.LEGACY_BILLING.binding_ref
    assert "apply-upgrades" in legacy.guidance
    stale = next(r for r in report.rows if r.repo.name == "search-indexer")
    assert "sk-tracker bind --provider linear" in stale.guidance
    # No provider in the config: the choice in words, never a placeholder to paste.
    unbound = next(r for r in report.rows if r.repo.name == "mobile-app")
    assert unbound.guidance == (
        "bind with sk-tracker bind --provider and one of: " + ", ".join(PROVIDERS)
    )
    assert report.needs_action
    # Host mappings no local repo claims are listed separately.
    unclaimed = {(u.provider, u.mapping.binding_ref) for u in report.unclaimed}
    assert ("jira", seed.PAYMENTS.binding_ref) in unclaimed
    assert ("linear", seed.MY_PROJECT.binding_ref) not in unclaimed
    assert all(u.mapping.status != "deleted" for u in report.unclaimed)


def test_audit_makes_one_mappings_call_per_provider(
    service: TrackerService, tmp_path: Path
) -> None:
    write_demo_repos(tmp_path)
    service.audit([tmp_path])
    # 5 providers listed, nothing left to validate for the demo repos.
    assert service.client.request_count == 5


def test_a_copy_with_another_origin_is_a_conflict(service: TrackerService, tmp_path: Path) -> None:
    write_demo_repos(tmp_path)
    copy = tmp_path / "my-project-copy"
    shutil.copytree(tmp_path / "my-project", copy)
    (copy / ".git" / "config").write_text(
        '[remote "origin"]\n\turl = https://github.com/acme-corp/other.git\n'
    )
    got = states(service.audit([tmp_path]))
    assert got["my-project"] == "conflict" and got["my-project-copy"] == "conflict"


def test_a_copy_with_the_same_origin_is_a_clone(service: TrackerService, tmp_path: Path) -> None:
    write_demo_repos(tmp_path)
    shutil.copytree(tmp_path / "my-project", tmp_path / "my-project-copy")
    report = service.audit([tmp_path])
    got = {r.name: r for r in report.rows}
    assert got["my-project"].state == got["my-project-copy"].state == "bound"
    assert got["my-project"].also_at == ("my-project-copy",)


def test_apply_upgrades_writes_only_the_legacy_repo(
    service: TrackerService, tmp_path: Path
) -> None:
    write_demo_repos(tmp_path)
    others = {p.name: config_bytes(p) for p in tmp_path.iterdir() if p.name != "billing-service"}
    report = service.audit([tmp_path])
    results = service.apply_upgrades(report)
    assert [(r.repo.name, r.ok) for r in results] == [("billing-service", True)]
    tracker = load_config(tmp_path / "billing-service").tracker
    assert tracker is not None and tracker.binding_ref == seed.LEGACY_BILLING.binding_ref
    assert tracker.display_label == seed.LEGACY_BILLING.display_label
    assert {
        p.name: config_bytes(p) for p in tmp_path.iterdir() if p.name != "billing-service"
    } == others
    assert states(service.audit([tmp_path]))["billing-service"] == "bound"


def test_audit_with_host_down_marks_rows_unverified(tmp_path: Path) -> None:
    from tracker_core import HostClient
    from tracker_core.host.retry import RetryPolicy

    write_demo_repos(tmp_path)
    client = HostClient(
        "http://127.0.0.1:9", "tok", "acme", retry=RetryPolicy(max_attempts=1), timeout=1
    )
    report = TrackerService(client).audit([tmp_path])
    got = states(report)
    assert got["my-project"] == "unverified"
    assert got["mobile-app"] == "unbound"  # local facts still stand
    assert set(report.provider_errors) == {"linear", "jira", "github", "gitlab", "azure_devops"}


# --- equivalence with per-repo validation ----------------------------------------------


def _generated_installation(rng: random.Random) -> tuple[dict, list[dict]]:
    installations = []
    mappings: list[dict] = []
    for provider in ("linear", "jira", "github", "gitlab"):
        resources = [
            {"key": f"{provider[:2].upper()}-{i}", "name": f"Res {provider} {i}"} for i in range(30)
        ]
        installations.append(
            {
                "provider": provider,
                "workspaces": [{"name": f"{provider} ws", "resources": resources}],
            }
        )
        for i, res in enumerate(resources[:24]):
            status = ("active", "active", "disabled", "deleted")[i % 4]
            mappings.append(
                {
                    "provider": provider,
                    "resource_key": res["key"],
                    "project_uuid": str(uuid_mod.UUID(int=rng.getrandbits(128), version=4)),
                    "project_slug": f"{provider}-proj-{i}",
                    "status": status,
                }
            )
    return {"installations": installations, "mappings": mappings}, mappings


def test_audit_equals_validating_each_repo(host: HostHandle, tmp_path: Path) -> None:
    rng = random.Random(7)
    payload, mappings = _generated_installation(rng)
    host.load(payload)
    live = {}
    for provider in ("linear", "jira", "github", "gitlab"):
        for m in host.mappings(provider):
            live[(provider, m["project_slug"])] = m
    for n, spec in enumerate(mappings):
        m = live[(spec["provider"], spec["project_slug"])]
        kind = n % 5
        slug = spec["project_slug"]
        project_uuid = spec["project_uuid"]
        if kind == 4:  # a copy of the project under another identity: project mismatch
            project_uuid = str(uuid_mod.UUID(int=rng.getrandbits(128), version=4))
        config = project_section(slug, project_uuid) + COMMON
        config += tracker_section(spec["provider"], binding_ref=m["binding_ref"], project_slug=slug)
        make_repo(tmp_path, f"repo-{n}", config)
    # Refs the host never issued (typos, other installations) must also agree.
    for n in range(5):
        config = project_section(f"ghost-{n}", str(uuid_mod.uuid4())) + COMMON
        config += tracker_section(
            "linear", binding_ref=f"srm_01ZZZZZZZZZZZZZZZZZZZZZZ{n:02d}", project_slug=f"ghost-{n}"
        )
        make_repo(tmp_path, f"ghost-{n}", config)

    with make_service(host) as svc:
        report = svc.audit([tmp_path])
        assert svc.client.request_count == 5 + report.validate_calls
        assert report.validate_calls == 5  # only the unknown refs needed a validate
        for local, row in zip(scan_roots([tmp_path]), report.rows, strict=True):
            cfg = local.config
            assert cfg is not None and cfg.tracker is not None and cfg.project is not None
            ident = ProjectIdentity(cfg.project.uuid, cfg.project.slug, cfg.project.node_id)
            result = svc.client.bind_validate(
                cfg.tracker.provider or "", cfg.tracker.binding_ref or "", ident
            )
            expected = "bound" if result.valid else f"stale:{result.reason}"
            assert row.state == expected, (row.repo.name, row.state, expected)


@pytest.mark.parametrize(
    "content", ["tracker: [1, 2]\n", "\x00\x01binary", "tracker:\n  provider: 3\n"]
)
def test_misconfigured_rows_do_not_stop_the_audit(
    service: TrackerService, tmp_path: Path, content: str
) -> None:
    write_demo_repos(tmp_path / "demo")
    bad = make_repo(tmp_path, "bad", content)
    report = service.audit([tmp_path])
    got = states(report)
    assert got["bad"].startswith("misconfigured:")
    assert got["my-project"] == "bound"
    assert config_bytes(bad) == content.encode()


def test_repo_with_unknown_ref_and_no_identity_is_settled_by_the_host(
    service: TrackerService, tmp_path: Path
) -> None:
    """No project section and a ref the listings do not hold: the host is still asked
    (under a placeholder identity) and says it never issued that ref."""
    config = COMMON + tracker_section(
        "linear", binding_ref="srm_01ZZZZZZZZZZZZZZZZZZZZZZZZ", project_slug="x"
    )
    make_repo(tmp_path, "no-identity", config)
    report = service.audit([tmp_path])
    assert [(r.repo.name, r.state) for r in report.rows] == [
        ("no-identity", "stale:binding_not_found")
    ]
    assert report.validate_calls == 1
