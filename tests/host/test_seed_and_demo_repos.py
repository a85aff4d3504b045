"""The demo seed's constants and the demo repos agree with what the host serves."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.host.util import STATUS, VALIDATE, identity, resolve
from tests.support.host import HostHandle
from tracker_host import seed
from tracker_host.demo_repos import STATES, write_demo_repos
from tracker_host.state import BINDING_REF_RE


def test_seed_constants_are_well_formed() -> None:
    refs = [m.binding_ref for m in seed.MAPPINGS]
    assert len(set(refs)) == len(refs)
    assert all(BINDING_REF_RE.match(ref) for ref in refs)
    assert sorted(m.status for m in seed.MAPPINGS).count("active") == 6
    assert [m.status for m in seed.MAPPINGS].count("disabled") == 1
    assert [m.status for m in seed.MAPPINGS].count("deleted") == 1
    assert seed.MY_PROJECT.project_uuid == "8a4a7da6-a97c-4bb4-893a-b31664abfee4"
    assert sum(sum(ws.values()) for ws in seed.RESOURCE_COUNTS.values()) == seed.RESOURCE_TOTAL
    state = seed.demo_state()
    assert {i.provider for i in state.installations} == set(seed.INSTALLED_PROVIDERS)


def test_empty_seed_has_no_installations(host: HostHandle) -> None:
    assert host.reset("empty") == {"resource_count": 0, "mapping_count": 0}
    response = host.get("/api/v1/tracker/resources/", {"provider": "linear"})
    assert response.status_code == 403
    assert response.json()["error_code"] == "no_installation"


def test_demo_repos_cover_every_state(tmp_path: Path) -> None:
    repos = write_demo_repos(tmp_path / "repos")
    assert sorted(r.state for r in repos) == sorted(STATES)
    for repo in repos:
        assert repo.path.parent == tmp_path / "repos"
        assert (repo.path / ".git" / "config").read_text().count('[remote "origin"]') == 1
        assert (repo.path / ".kittify" / "config.yaml").is_file()
    # Rewriting is allowed (the demo can run twice).
    assert len(write_demo_repos(tmp_path / "repos")) == len(repos)


def _config(path: Path) -> dict:
    return yaml.safe_load((path / ".kittify" / "config.yaml").read_text(encoding="utf-8"))


def test_demo_repo_configs_match_the_seed(tmp_path: Path) -> None:
    repos = {r.state: r for r in write_demo_repos(tmp_path)}
    bound = _config(repos["bound"].path)
    assert list(bound) == ["project", "vcs", "agents", "tracker"]
    assert bound["project"]["uuid"] == seed.MY_PROJECT.project_uuid
    assert bound["tracker"] == {
        "provider": "linear",
        "binding_ref": seed.MY_PROJECT.binding_ref,
        "project_slug": "my-project",
        "display_label": "My Project (LINEAR-123)",
        "provider_context": {"workspace_name": "Acme Corp", "team_name": "Engineering"},
    }
    legacy = _config(repos["legacy"].path)["tracker"]
    assert legacy == {"provider": "linear", "project_slug": "billing-service"}
    assert _config(repos["stale-deleted"].path)["tracker"]["binding_ref"] == (
        seed.DELETED_SEARCH.binding_ref
    )
    assert _config(repos["stale-disabled"].path)["tracker"]["binding_ref"] == (
        seed.DISABLED_CRM.binding_ref
    )
    unbound = _config(repos["unbound"].path)
    assert "tracker" not in unbound
    assert unbound["project"]["slug"] == "mobile-app"
    with pytest.raises(yaml.YAMLError):
        _config(repos["broken-yaml"].path)


def test_demo_repo_states_hold_on_the_host(tmp_path: Path, host: HostHandle) -> None:
    repos = {r.state: r for r in write_demo_repos(tmp_path)}

    def validate(state: str) -> dict:
        repo = repos[state]
        tracker = _config(repo.path)["tracker"]
        project = _config(repo.path)["project"]
        body = {
            "provider": tracker["provider"],
            "binding_ref": tracker["binding_ref"],
            "project_identity": identity(project["slug"], uuid=project["uuid"]),
        }
        return host.post(VALIDATE, body).json()

    assert validate("bound")["valid"] is True
    assert validate("stale-deleted")["reason"] == "mapping_deleted"
    assert validate("stale-disabled")["reason"] == "mapping_disabled"
    legacy = _config(repos["legacy"].path)["tracker"]
    upgrade = host.get(
        STATUS, {"provider": legacy["provider"], "project_slug": legacy["project_slug"]}
    ).json()
    assert upgrade["binding_ref"] == repos["legacy"].binding_ref
    project = _config(repos["unbound"].path)["project"]
    top = resolve(host, "linear", identity(project["slug"], uuid=project["uuid"]))["candidates"][0]
    assert top["confidence"] == "high"
