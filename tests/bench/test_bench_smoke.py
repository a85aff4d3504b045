"""Every benchmark still runs (at a tiny size) and prints its table, so ``make bench``
never rots. Nothing here is timed: the figures are ``make bench``'s business."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
HEADER = "| figure"
SCRIPTS = {
    "bench_discovery.py": ["discovery, 4 providers x 10 resources"],
    "bench_audit.py": ["audit, 40 repos at 20 ms", "agrees with per-repo validation"],
    "bench_scan.py": ["scan and parse, 50 repos + 5 worktrees"],
    "bench_resources_page.py": [
        "Resources page, 200 resources first render",
        "Resources page, 200 resources cached rerun",
        "0 HTTP requests on the reruns",
    ],
    "bench_repositories_page.py": [
        "Repositories page, 20 repos first render",
        "Repositories page, 20 repos rerun",
        "0 HTTP requests on the reruns",
    ],
    "bench_startup.py": ["sk-tracker --help start-up"],
    "bench_memory.py": ["audit peak memory, 40 repos"],
    "bench_remotes.py": [
        "audit, 10 git remotes, cold (partial clones)",
        "audit, 10 git remotes, warm (nothing changed)",
        "audit, 10 git remotes, warm, 300 s freshness window",
        "0 clones, 0 fetches, 0 blobs downloaded",
    ],
    "bench_history.py": [
        "history store after 20 daily audits of 200 repos, 1 % changing a day",
        "Trends page first render, a year of audits",
    ],
}
# The figures a tiny run judges against a target: each must be printed with PASS/MISS.
JUDGED = {
    "discovery, 4 providers x 10 resources",
    "discovery, 4 providers x 50 resources",
    "audit, 40 repos at 20 ms",
    "scan and parse, 50 repos + 5 worktrees",
    "Resources page, 200 resources first render",
    "Resources page, 200 resources cached rerun",
    "Repositories page, 20 repos first render",
    "Repositories page, 20 repos rerun",
    "sk-tracker --help start-up",
    "audit, 10 git remotes, warm (nothing changed)",
    "audit, 10 git remotes, warm, 300 s freshness window",
    "history store after 20 daily audits of 200 repos, 1 % changing a day",
    "Trends page first render, a year of audits",
}


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, timeout=400, check=False
    )


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_each_benchmark_runs_and_prints_its_table(script: str) -> None:
    proc = run(str(BENCH / script), "--tiny")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("machine: ")
    assert HEADER in proc.stdout
    for expected in SCRIPTS[script]:
        assert expected in proc.stdout, proc.stdout


def test_run_all_prints_one_table_with_a_verdict_per_target() -> None:
    proc = run(str(BENCH / "run_all.py"), "--tiny")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    table = [line for line in out.splitlines() if line.startswith("| ")]
    assert table[0].startswith(HEADER)
    names = [row.split("|")[1].strip() for row in table[1:]]
    for expected in SCRIPTS.values():
        assert expected[0] in names
    judged = {
        row.split("|")[1].strip()
        for row in table[1:]
        if row.rstrip(" |").endswith(("PASS", "MISS"))
    }
    assert judged == JUDGED
    assert "0 benchmarks did not run" in out
    assert "failed:" not in out and "could not run" not in out


def test_the_host_can_run_in_its_own_process() -> None:
    proc = run(str(BENCH / "bench_discovery.py"), "--tiny", "--host-process")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "reference host in its own process" in proc.stdout
    assert "discovery, 4 providers x 10 resources" in proc.stdout


def test_run_all_refuses_an_unknown_benchmark() -> None:
    proc = run(str(BENCH / "run_all.py"), "--only", "nonsense")
    assert proc.returncode == 2
    assert "unknown benchmark nonsense" in proc.stderr
