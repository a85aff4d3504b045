"""notebooks/binding_audit.ipynb runs top to bottom on a real Jupyter kernel against
the reference host and the demo repos, and is stored without outputs."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from tests.support.host import HostHandle
from tracker_core.config.config_io import load_config
from tracker_host.demo_repos import DemoRepo

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "binding_audit.ipynb"


def read_notebook() -> Any:
    return nbformat.read(NOTEBOOK, as_version=4)


def test_notebook_is_stored_without_outputs() -> None:
    nb = read_notebook()
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.id
    tags = {t for c in code for t in c.metadata.get("tags", [])}
    assert {"connect", "overview", "resources", "audit", "stale", "rebind"} <= tags


@pytest.fixture
def kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``python3`` kernel spec that runs this interpreter (the venv's), found before
    any the user installed; Jupyter and IPython state kept under tmp_path."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("MPLBACKEND", "agg")


def outputs_text(cell: Any) -> str:
    """Everything a cell showed: streams, results, displays (html and plain)."""
    parts: list[str] = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            for value in out.data.values():
                parts.append(value if isinstance(value, str) else json.dumps(value))
        elif out.output_type == "error":
            parts.append("\n".join(out.traceback))
    return "\n".join(parts)


def html_shows_chart_offline(nb: Any, tmp_path: Path) -> None:
    """The executed notebook as HTML (nbconvert), opened in Chromium with every
    non-loopback request blocked: the chart is drawn, and the outputs ask for nothing
    beyond what nbconvert's own page template does for an empty notebook."""
    from nbconvert import HTMLExporter

    from tests.e2e.conftest import launched_chromium
    from tests.support.offline import Offline

    exporter = HTMLExporter()
    page_file = tmp_path / "binding_audit.html"
    page_file.write_text(exporter.from_notebook_node(nb)[0], encoding="utf-8")
    empty_file = tmp_path / "empty.html"
    empty_file.write_text(
        exporter.from_notebook_node(nbformat.v4.new_notebook())[0], encoding="utf-8"
    )
    with launched_chromium() as browser:
        seen: dict[str, set[str]] = {}
        for name, file in (("empty", empty_file), ("notebook", page_file)):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            offline = Offline(context)
            page = context.new_page()
            page.goto(file.as_uri())
            page.wait_for_load_state("load")
            if name == "notebook":
                chart = page.locator(".jp-RenderedSVG img")
                assert chart.count() == 1
                chart.scroll_into_view_if_needed()
                assert chart.is_visible()
                # Decoded and drawn (a broken image has no natural size)...
                assert chart.evaluate("img => img.complete && img.naturalWidth") > 100
                # ...and it is the overview chart, workspaces included.
                src = chart.get_attribute("src") or ""
                drawn = base64.b64decode(src.partition("base64,")[2]).decode("utf-8")
                assert "Resources per workspace" in drawn and "Acme Jira Cloud" in drawn
                assert page.get_by_text("Error loading script").count() == 0
                page.screenshot(path=str(tmp_path / "notebook-offline.png"), full_page=False)
            seen[name] = set(offline.attempted)
            context.close()
    assert seen["notebook"] <= seen["empty"], seen["notebook"] - seen["empty"]


def cell_by_tag(nb: Any, tag: str) -> Any:
    return next(c for c in nb.cells if tag in c.metadata.get("tags", []))


def execute(nb: Any, tmp_path: Path) -> list[Any]:
    """Run All on a real kernel; the code cells, each having run without an error."""
    client = NotebookClient(
        nb,
        timeout=60,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError if any cell raised
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    return code


def with_writes(nb: Any) -> Any:
    """The notebook with its one write switch flipped, as a user would."""
    flags = [c for c in nb.cells if "WRITE_CHANGES = False" in c.source]
    assert len(flags) == 1
    flags[0].source = flags[0].source.replace("WRITE_CHANGES = False", "WRITE_CHANGES = True")
    return nb


def test_run_all_with_the_defaults_changes_no_config(
    host: HostHandle,
    nb_env: dict[str, str],
    kernel_env: None,
    demo: list[DemoRepo],
    snapshot: Callable[[], dict[str, bytes]],
    tmp_path: Path,
) -> None:
    before = snapshot()
    counts = host.mapping_counts()
    nb = read_notebook()
    code = execute(nb, tmp_path)

    assert snapshot() == before  # every config byte-identical, the legacy one included
    assert host.mapping_counts() == counts
    rebind = outputs_text(cell_by_tag(nb, "rebind"))
    assert "WRITE_CHANGES is False: nothing was written" in rebind

    # The audit shows every demo repo, the stale ones with their reason.
    audit = outputs_text(cell_by_tag(nb, "audit"))
    for name in ("search-indexer", "crm-sync"):
        assert name in audit
    assert "stale:mapping_deleted" in audit and "stale:mapping_disabled" in audit
    stale = outputs_text(cell_by_tag(nb, "stale"))
    assert "search-indexer" in stale and "crm-sync" in stale and "my-project" not in stale

    # The overview chart was drawn in the kernel, as SVG holding the host's workspaces
    # (no script to fetch from a CDN).
    overview_cell = cell_by_tag(nb, "overview")
    overview = outputs_text(overview_cell)
    svg = [o for o in overview_cell.outputs if "image/svg+xml" in o.get("data", {})]
    assert len(svg) == 1 and "Resources per workspace" in svg[0].data["image/svg+xml"]
    assert "Acme Jira Cloud" in overview and "pending_upgrades" in overview
    html_shows_chart_offline(nb, tmp_path)

    shown = "\n".join(outputs_text(c) for c in code)
    assert host.admin_token not in shown and nb_env["SK_TRACKER_TOKEN"] not in shown


def test_with_writes_switched_on_the_notebook_rebinds_one_stale_repo(
    host: HostHandle,
    nb_env: dict[str, str],
    kernel_env: None,
    demo: list[DemoRepo],
    snapshot: Callable[[], dict[str, bytes]],
    tmp_path: Path,
) -> None:
    before = snapshot()
    refs_before = {r.name: r.binding_ref for r in demo}
    nb = with_writes(read_notebook())
    code = execute(nb, tmp_path)

    # The re-bind cell re-bound exactly one stale repo and only its tracker keys changed.
    after = snapshot()
    changed = [name for name in before if before[name] != after[name]]
    # The stale repo re-bound, and the legacy one upgraded as it was read.
    rebound = [n for n in changed if n != "billing-service"]
    assert len(rebound) == 1 and rebound[0] in {"search-indexer", "crm-sync"}, changed
    name = rebound[0]
    rebind = outputs_text(cell_by_tag(nb, "rebind"))
    tracker = load_config(tmp_path / "repos" / name).tracker
    assert tracker is not None and tracker.binding_ref
    assert tracker.binding_ref != refs_before[name]
    assert f"re-bound {name}: {refs_before[name]} -> {tracker.binding_ref}" in rebind
    head_before, _, tracker_before = before[name].partition(b"\ntracker:\n")
    head_after, _, tracker_after = after[name].partition(b"\ntracker:\n")
    assert head_after == head_before  # project, vcs, agents: every byte kept
    assert tracker_after.count(b"binding_ref:") == 1
    for line in tracker_before.splitlines():
        if line.strip().startswith((b"provider:", b"project_slug:")):
            assert line in tracker_after.splitlines()
    # ...and the audit after the fix shows it bound.
    assert "search-indexer" in outputs_text(cell_by_tag(nb, "after"))

    # No output carries the token.
    shown = "\n".join(outputs_text(c) for c in code)
    assert host.admin_token not in shown and nb_env["SK_TRACKER_TOKEN"] not in shown
