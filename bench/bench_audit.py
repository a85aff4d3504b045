"""Audit of N repos in every state: by installation (``audit``) against one host call
per repo in a row (naive: ``bind-validate`` for a ref, ``status`` by slug for a legacy
config), and against the ideal of one round-trip per provider plus the local scan.

The two must agree on every repo; the script stops if they do not.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

from common import LATENCY_MS, Figure, clock, main_for, median_time, reference_host
from workload import installation, mappings_needed, write_repos

from tracker_core import HostClient
from tracker_core.config.identity import ProjectIdentity
from tracker_core.errors import HostRequestError, StaleBindingError
from tracker_core.flows.audit import AuditReport, audit
from tracker_core.local.scan import find_repos, read_repo, scan_roots
from tracker_core.providers import PROVIDERS

SPEEDUP_TARGET = 20.0
IDEAL_TARGET = 2.0


def naive_states(client: HostClient, root: Path) -> dict[str, str]:
    """One repo after another, one host call each: what running a per-repo status
    command over a folder of repos amounts to (without its start-up cost)."""
    states: dict[str, str] = {}
    for path in find_repos([root]):
        local = read_repo(path, [root])
        cfg = local.config
        if local.error is not None or cfg is None:
            code = local.error.code if local.error else "invalid"
            states[path.name] = f"misconfigured:{code}"
            continue
        tracker = cfg.tracker
        if tracker is None or not tracker.is_configured or tracker.provider is None:
            states[path.name] = "unbound"
        elif tracker.binding_ref:
            identity = cfg.project or ProjectIdentity(uuid="", slug="", node_id="")
            result = client.bind_validate(tracker.provider, tracker.binding_ref, identity)
            states[path.name] = "bound" if result.valid else f"stale:{result.reason}"
        else:
            # No mapping for the slug on the host: still a legacy config.
            with contextlib.suppress(HostRequestError, StaleBindingError):
                client.project_status(tracker.provider, project_slug=tracker.project_slug)
            states[path.name] = "legacy"
    return states


def _check_agreement(report: AuditReport, naive: dict[str, str]) -> None:
    got = {row.repo.name: row.state for row in report.rows}
    differ = {name: (got.get(name), want) for name, want in naive.items() if got.get(name) != want}
    if differ or len(got) != len(naive):
        sample = dict(list(differ.items())[:5])
        raise SystemExit(f"audit and per-repo validation disagree on {len(differ)} repos: {sample}")


def run(tiny: bool = False) -> list[Figure]:
    n = 40 if tiny else 1000
    repeat = 1 if tiny else 5
    with tempfile.TemporaryDirectory(prefix="sk-bench-audit-") as tmp, reference_host() as host:
        root = Path(tmp)
        inst = installation(400 if tiny else 20_000, mapped=mappings_needed(n))
        host.load(inst.payload)
        write_repos(root, n, inst)
        with host.client() as client:
            audit(client, [root])  # warm the connection pool and the file cache
            scan = median_time(lambda: scan_roots([root]), repeat)
            measured = median_time(lambda: audit(client, [root]), repeat)
            before = client.request_count
            report = audit(client, [root])
            requests = client.request_count - before
            before = client.request_count
            naive_time, naive = clock(lambda: naive_states(client, root))
            naive_requests = client.request_count - before
    _check_agreement(report, naive)
    ideal = len(PROVIDERS) * LATENCY_MS / 1000 + scan
    speedup = naive_time / measured
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts().items()))
    return [
        Figure(
            name=f"audit, {n:,} repos at {LATENCY_MS} ms",
            measured=measured,
            unit="s",
            baseline=naive_time,
            baseline_label="(one call per repo)",
            ideal=ideal,
            ideal_label=f"({len(PROVIDERS)} x {LATENCY_MS} ms + scan)",
            target=f">= {SPEEDUP_TARGET:.0f}x baseline, <= {IDEAL_TARGET:.0f}x ideal",
            passed=speedup >= SPEEDUP_TARGET and measured <= IDEAL_TARGET * ideal,
            note=(
                f"{requests} requests ({report.validate_calls} bind-validate, the rest "
                f"listings) instead of {naive_requests}; "
                f"states: {counts}; agrees with per-repo validation on every repo"
            ),
        )
    ]


if __name__ == "__main__":
    sys.exit(main_for(run, __doc__ or ""))
