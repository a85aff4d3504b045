"""bind / rebind / apply_upgrades from a notebook: the CLI's flows and checks, role
enforcement through the session policy, and no token anywhere in what comes back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
import pandas as pd
import pytest

from tests.core.flows.test_persist import break_the_file, restore_the_file
from tests.support.host import HostHandle
from tests.support.repos import COMMON, make_repo
from tracker_core.config.config_io import load_config
from tracker_core.errors import (
    AuthError,
    BindError,
    ConfigNotWrittenError,
    PathNotAllowedError,
    PermissionDeniedError,
    SettingsError,
    StaleBindingError,
    TeamForbiddenError,
    TrackerError,
    UsageError,
)
from tracker_core.host.wire import Candidate
from tracker_core.tables.notebook import Workspace, connect
from tracker_host.demo_repos import DemoRepo

Snapshot = Callable[[], dict[str, bytes]]


class RecordingTransport(httpx.HTTPTransport):
    """Real HTTP, with the path of every request kept for the test to inspect."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)


def repo(demo: list[DemoRepo], name: str) -> Path:
    return next(r.path for r in demo if r.name == name)


def test_rebind_stale_repo_writes_new_ref(
    workspace: Workspace, demo: list[DemoRepo], host: HostHandle, snapshot: Snapshot
) -> None:
    before = snapshot()
    path = repo(demo, "search-indexer")
    old = load_config(path).tracker
    assert old is not None and old.binding_ref == host.seed.DELETED_SEARCH.binding_ref

    outcome = workspace.rebind(path, select=1)

    assert outcome.status == "bound" and outcome.previous_ref == old.binding_ref
    new = load_config(path).tracker
    assert new is not None and new.binding_ref == outcome.binding_ref != old.binding_ref
    assert new.display_label == "Search Service (LAB-34)" == outcome.display_label
    active = {m["binding_ref"] for m in host.mappings("linear") if m["status"] == "active"}
    assert outcome.binding_ref in active
    after = snapshot()
    assert {n for n in before if before[n] != after[n]} == {"search-indexer"}
    assert workspace.stale()["name"].tolist() == ["crm-sync"]


def test_rebind_without_select_lists_the_choices_and_changes_nothing(
    workspace: Workspace, demo: list[DemoRepo], snapshot: Snapshot
) -> None:
    before = snapshot()
    with pytest.raises(BindError) as caught:
        workspace.rebind(repo(demo, "crm-sync"))
    message = str(caught.value)
    assert "1. Legacy CRM (CRM) (medium)" in message and "select=N (1 to 9)" in message
    assert "\n" not in message
    assert snapshot() == before


def test_bind_refuses_to_replace_without_rebind(
    workspace: Workspace, demo: list[DemoRepo], snapshot: Snapshot
) -> None:
    before = snapshot()
    with pytest.raises(BindError, match=r"already bound to My Project .*rebind=True"):
        workspace.bind(repo(demo, "my-project"), "linear", select=1)
    assert snapshot() == before


def test_bind_unbound_repo_and_bad_inputs(
    workspace: Workspace, demo: list[DemoRepo], snapshot: Snapshot
) -> None:
    path = repo(demo, "mobile-app")
    outcome = workspace.bind(str(path), "Linear", select=1)
    assert outcome.display_label == "Mobile App (LINEAR-789)" and outcome.previous_ref is None
    tracker = load_config(path).tracker
    assert tracker is not None and tracker.binding_ref == outcome.binding_ref

    fresh = make_repo(path.parent, "fresh", None)
    before = snapshot()
    with pytest.raises(UsageError, match="is not a folder"):
        workspace.bind(path.parent / "nope", "linear")
    with pytest.raises(StaleBindingError, match="srm_"):
        workspace.bind(
            repo(demo, "crm-sync"),
            "jira",
            bind_ref=str(tracker.binding_ref),  # a linear ref is no jira binding
            rebind=True,
        )
    with pytest.raises(BindError, match="no tracker binding to replace"):
        workspace.rebind(fresh)
    assert snapshot() == before and not (fresh / ".kittify").exists()


@pytest.fixture(params=["viewer token", "role cap"])
def viewer(
    request: pytest.FixtureRequest,
    host: HostHandle,
    nb_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Workspace, RecordingTransport]:
    transport = RecordingTransport()
    if request.param == "viewer token":
        monkeypatch.setenv("SK_TRACKER_TOKEN", host.viewer_token)
        ws = connect(transport=transport)
    else:
        ws = connect(role="viewer", transport=transport)
    request.addfinalizer(ws.close)
    return ws, transport


def test_viewer_cannot_mutate_and_nothing_reaches_the_host(
    viewer: tuple[Workspace, RecordingTransport],
    demo: list[DemoRepo],
    host: HostHandle,
    snapshot: Snapshot,
    nb_env: dict[str, str],
) -> None:
    ws, transport = viewer
    assert ws.role == "viewer" and not ws.can_mutate
    assert len(ws.stale()) == 2  # reads work
    before, mappings = snapshot(), host.mapping_counts()
    calls = [
        lambda: ws.bind(repo(demo, "mobile-app"), "linear", select=1),
        lambda: ws.rebind(repo(demo, "search-indexer"), select=1),
        lambda: ws.rebind(repo(demo, "crm-sync"), "jira", select=1),
        lambda: ws.bind(repo(demo, "my-project"), "linear", bind_ref="srm_x", rebind=True),
        ws.apply_upgrades,
    ]
    for call in calls:
        with pytest.raises(PermissionDeniedError, match="viewer role may not"):
            call()
    assert not [p for p in transport.paths if "bind-confirm" in p or "bind-resolve" in p]
    assert snapshot() == before
    assert host.mapping_counts() == mappings
    assert not Path(nb_env["SK_TRACKER_ACTIVITY_LOG"]).exists()


def test_writes_outside_allowed_roots_are_refused(
    nb_env: dict[str, str],
    demo: list[DemoRepo],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    snapshot: Snapshot,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("SK_TRACKER_ALLOWED_ROOTS", str(elsewhere))
    before = snapshot()
    with connect() as ws:
        assert ws.role == "admin"
        with pytest.raises(PathNotAllowedError, match="outside the allowed roots"):
            ws.rebind(repo(demo, "search-indexer"), select=1)
        upgrades = ws.apply_upgrades()
    assert not upgrades["ok"].any() and "outside the allowed roots" in upgrades["error"].iloc[0]
    assert snapshot() == before


def test_token_is_refused_as_an_argument(nb_env: dict[str, str]) -> None:
    with pytest.raises(UsageError, match="SK_TRACKER_TOKEN") as caught:
        connect(token="sk-typed-into-a-cell")
    assert "sk-typed-into-a-cell" not in str(caught.value)


def test_wrong_team_or_no_host_fails_at_connect(
    nb_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SK_TRACKER_TEAM", "not-my-team")
    with pytest.raises(TeamForbiddenError, match="SK_TRACKER_TEAM"):
        connect()
    monkeypatch.delenv("SPEC_KITTY_SAAS_URL")
    with pytest.raises(SettingsError, match="SPEC_KITTY_SAAS_URL"):
        connect(team="acme")


def frame_text(frame: pd.DataFrame) -> str:
    return frame.to_csv() + repr(frame) + frame.to_html()


def test_token_never_appears_in_frames_reprs_or_errors(
    host: HostHandle,
    nb_env: dict[str, str],
    demo: list[DemoRepo],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = host.admin_token
    seen: list[str] = []
    with connect() as ws:
        seen += [repr(ws), str(ws.settings), repr(ws.settings), repr(ws.service)]
        for frame in (ws.resources(), ws.providers(), ws.bindings(), ws.audit(), ws.overview()):
            seen.append(frame_text(frame))
        seen.append(frame_text(ws.candidates(repo(demo, "search-indexer"))))
        seen.append(repr(ws.rebind(repo(demo, "search-indexer"), select=1)))
        for bad in (
            lambda: ws.rebind(repo(demo, "crm-sync")),
            lambda: ws.bind(repo(demo, "my-project"), "linear"),
            lambda: ws.audit("/nonexistent-root"),
        ):
            with pytest.raises(TrackerError) as caught:
                bad()
            seen += [str(caught.value), repr(caught.value)]

    # A token the host does not know: refused at connect, without echoing it.
    canary = "sk-canary-5d1f0c9e7b3a4c21"
    monkeypatch.setenv("SK_TRACKER_TOKEN", canary)
    with pytest.raises(AuthError, match="did not accept the token") as refused:
        connect()
    seen += [str(refused.value), repr(refused.value)]

    text = "\n".join(seen)
    assert token not in text and canary not in text
    assert "sk-test-admin" not in text


def test_a_bind_whose_config_was_not_written_is_finished_with_its_project_uuid(
    workspace: Workspace, repos_root: Path, host: HostHandle
) -> None:
    path = make_repo(repos_root, "fresh-notebook", COMMON)  # no project: derived

    def choose_then_break(candidates: Sequence[Candidate]) -> Candidate:
        break_the_file(path)
        return candidates[0]

    with pytest.raises(ConfigNotWrittenError) as err:
        workspace.service.bind(path, "linear", choose=choose_then_break)
    restore_the_file(path)
    ref, bound_uuid = err.value.binding_ref, err.value.project_uuid
    assert bound_uuid is not None

    outcome = workspace.bind(path, "linear", bind_ref=ref, project_uuid=bound_uuid)

    config = load_config(path)
    assert outcome.status == "bound" and outcome.method == "bind_ref"
    assert config.project is not None and config.project.uuid == bound_uuid
    assert config.tracker is not None and config.tracker.binding_ref == ref
    assert workspace.service.client.bind_validate("linear", ref, config.project).valid
