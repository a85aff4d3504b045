"""``sk-tracker demo --no-browser``: the host and demo repos come up, the printed
exports drive the CLI, and Ctrl-C stops everything."""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import pytest

from tests.cli.conftest import PYTHON_MODULE, Cli


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_demo_prints_exports_that_work_and_stops_on_a_signal(
    home: Path, tmp_path: Path, stop: signal.Signals
) -> None:
    folder = tmp_path / "demo"
    base = Cli(url="unused", team="unused", token=None, home=home)
    env = base.env(SPEC_KITTY_SAAS_URL=None, SK_TRACKER_TEAM=None)
    lines: list[str] = []
    with subprocess.Popen(
        [*PYTHON_MODULE, "demo", "--no-browser", "--folder", str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as proc:
        try:
            assert proc.stdout is not None
            for line in proc.stdout:  # until the banner's last line, or the end
                lines.append(line.rstrip("\n"))
                if line.startswith("Press Ctrl-C"):
                    break
            text = "\n".join(lines)
            url = re.search(r"export SPEC_KITTY_SAAS_URL=(\S+) SK_TRACKER_TEAM=(\S+)", text)
            token = re.search(r"export SK_TRACKER_TOKEN=(\S+)", text)
            assert url and token, text
            demo = Cli(url=url.group(1), team=url.group(2), token=token.group(1), home=home)
            result = demo.run("audit", folder / "repos")
            assert result.code == 1, result
            for name, state in (
                ("my-project", "bound"),
                ("billing-service", "legacy"),
                ("search-indexer", "stale:mapping_deleted"),
                ("crm-sync", "stale:mapping_disabled"),
                ("mobile-app", "unbound"),
                ("broken-config", "misconfigured:"),
            ):
                assert re.search(rf"^{name} .* {state}", result.out, re.M), result.out
            proc.send_signal(stop)
            code = proc.wait(timeout=120)  # a hang guard
        finally:
            proc.kill()
    assert code == 0
    # A second demo reuses its own folder; a folder the demo did not make is refused.
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    refused = base.run("demo", "--no-browser", "--folder", other)
    assert refused.code == 2
    assert "not empty and was not made by the demo" in refused.one_error_line()
    assert (other / "notes.txt").read_text() == "keep me"
