"""Repo scan and the DataFrame builders (columns, dtypes, empty cases)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.support.repos import COMMON, make_repo
from tracker_core import TrackerService
from tracker_core.flows.audit import AuditReport
from tracker_core.local.scan import find_repos, scan_roots
from tracker_core.tables.frames import (
    AUDIT_COLUMNS,
    BINDING_COLUMNS,
    PROVIDER_COLUMNS,
    RESOURCE_COLUMNS,
    UNCLAIMED_COLUMNS,
    audit_frame,
    bindings_frame,
    providers_frame,
    resources_frame,
    unclaimed_frame,
)
from tracker_core.tables.health import health_frame
from tracker_host.demo_repos import write_demo_repos


def dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in frame.dtypes.items()}


def test_find_repos_skips_heavy_folders_and_symlinks(tmp_path: Path) -> None:
    make_repo(tmp_path, "a", COMMON)
    make_repo(tmp_path / "group", "b", None)  # git without .kittify: not a project
    make_repo(tmp_path / "node_modules", "hidden", COMMON)
    make_repo(tmp_path / ".cache", "hidden2", COMMON)
    (tmp_path / ".cache" / "CACHEDIR.TAG").write_text(
        "Signature: 8a477f597d28d172789f06886806bc55\n"
    )
    make_repo(tmp_path / ".config", "dotted", COMMON)  # hidden but no cache: entered
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    make_repo(outside, "elsewhere", COMMON)
    (tmp_path / "link").symlink_to(outside)
    found = [p.relative_to(tmp_path).as_posix() for p in find_repos([tmp_path])]
    assert found == [".config/dotted", "a"]


def test_scan_reports_symlinked_config_outside_roots_without_reading(tmp_path: Path) -> None:
    root = tmp_path / "root"
    repo = make_repo(root, "r", None)
    secret = tmp_path / "secret.yaml"
    secret.write_text("tracker:\n  provider: linear\n  binding_ref: srm_SECRET\n")
    (repo / ".kittify").mkdir()
    (repo / ".kittify" / "config.yaml").symlink_to(secret)
    [local] = scan_roots([root])
    assert local.config is None and local.error is not None
    assert local.error.code == "symlink"
    assert "srm_SECRET" not in str(local.error)


def test_frames_have_pinned_columns_and_dtypes(service: TrackerService, tmp_path: Path) -> None:
    write_demo_repos(tmp_path)
    inv = service.discover_all()
    res = resources_frame(inv)
    assert dtypes(res) == RESOURCE_COLUMNS
    # The demo's disabled mapping (jira CRM) holds its resource but is not bound.
    assert len(res) == 40 and (res["status"] == "bound").sum() == 6
    assert (res["status"] == "disabled").sum() == 1
    assert (
        res.loc[res.display_label == "My Project (LINEAR-123)", "workspace"].item() == "Acme Corp"
    )
    prov = providers_frame(inv)
    assert dtypes(prov) == PROVIDER_COLUMNS
    assert prov.set_index("provider").loc["azure_devops", "connected"] == False  # noqa: E712
    binds = bindings_frame(service.installation_status())
    assert dtypes(binds) == BINDING_COLUMNS and len(binds) == 7
    report = service.audit([tmp_path])
    aud = audit_frame(report)
    assert dtypes(aud) == AUDIT_COLUMNS and len(aud) == 6
    assert dtypes(unclaimed_frame(report)) == UNCLAIMED_COLUMNS
    health = health_frame(res, aud)
    assert {"provider", "workspace", "category", "count", "source"} <= set(health.columns)
    assert health.query("source == 'resources'")["count"].sum() == 40


def test_empty_frames_keep_columns() -> None:
    empty = AuditReport(rows=[])
    assert dtypes(resources_frame([])) == RESOURCE_COLUMNS
    assert dtypes(bindings_frame([])) == BINDING_COLUMNS
    assert dtypes(audit_frame(empty)) == AUDIT_COLUMNS
    assert dtypes(unclaimed_frame(empty)) == UNCLAIMED_COLUMNS
    assert dtypes(providers_frame([])) == PROVIDER_COLUMNS
    assert len(health_frame(resources_frame([]), audit_frame(empty))) == 0


def test_import_does_not_pull_pandas_streamlit_or_host() -> None:
    code = (
        "import sys, tracker_core\n"
        "mods = ('pandas', 'streamlit', 'tracker_host', 'fastapi')\n"
        "bad = [m for m in mods if m in sys.modules]\n"
        "print(','.join(bad))\n"
        "tracker_core.resources_frame\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines() == ["", "True"]


def test_no_module_of_tracker_core_imports_streamlit_or_host() -> None:
    root = Path(__file__).resolve().parents[3] / "tracker_core"
    for path in root.rglob("*.py"):
        text = path.read_text()
        assert "import streamlit" not in text and "tracker_host" not in text, path
