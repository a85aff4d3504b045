"""Peak memory of an audit of N repos, measured in a fresh process (``--probe``):
Python allocations traced during the audit (tracemalloc), against those of the scan
alone (the parsed configs an audit has to hold anyway), and the process's peak RSS.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from common import Figure

# The probe imports only what an audit needs (not the host, nor the bench helpers).
TEAM = "acme"
MB = 1024 * 1024
URL_ENV, TOKEN_ENV = "SPEC_KITTY_SAAS_URL", "SK_TRACKER_TOKEN"


def _rss_mb() -> float:
    """This process's peak resident memory. On Linux from VmHWM: ru_maxrss would
    also count the parent's memory at the fork that started this process."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / MB
    except OSError:
        pass
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / MB


def probe(root: Path) -> dict[str, float]:
    """In this process: traced peaks of the scan and of the audit, and the RSS."""
    from tracker_core import HostClient
    from tracker_core.flows.audit import audit
    from tracker_core.local.scan import scan_roots

    with HostClient(os.environ[URL_ENV], os.environ[TOKEN_ENV], TEAM) as client:
        client.mappings("linear")  # imports and connection set up before measuring
        rss_before = _rss_mb()
        tracemalloc.start()
        scan_roots([root])
        scan_peak = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.reset_peak()
        report = audit(client, [root])
        audit_peak = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    return {
        "scan_peak": scan_peak,
        "audit_peak": audit_peak,
        "rss_before": rss_before,
        "rss_after": _rss_mb(),
        "rows": len(report.rows),
    }


def run(tiny: bool = False) -> list[Figure]:
    from common import Figure, reference_host
    from workload import installation, mappings_needed, write_repos

    n = 40 if tiny else 1000
    with tempfile.TemporaryDirectory(prefix="sk-bench-mem-") as tmp, reference_host() as host:
        root = Path(tmp)
        inst = installation(400 if tiny else 20_000, mapped=mappings_needed(n))
        host.load(inst.payload)
        write_repos(root, n, inst)
        env = {**os.environ, URL_ENV: host.url, TOKEN_ENV: host.token.get_secret_value()}
        proc = subprocess.run(
            [sys.executable, __file__, "--probe", str(root)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
    if proc.returncode != 0:
        raise SystemExit(f"memory probe failed: {proc.stderr.strip().splitlines()[-1:]}")
    got = json.loads(proc.stdout)
    assert got["rows"] == n, got
    return [
        Figure(
            name=f"audit peak memory, {n:,} repos",
            measured=got["audit_peak"],
            unit="MB",
            ideal=got["scan_peak"],
            ideal_label="(scan alone)",
            note=(
                f"traced Python allocations; process peak RSS {got['rss_after']:.0f} MB, "
                f"{got['rss_before']:.0f} MB of it before the audit (interpreter, imports, "
                "HTTP client); no target in issue 7"
            ),
        )
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        print(json.dumps(probe(Path(sys.argv[2]))))
        sys.exit(0)
    from common import main_for

    sys.exit(main_for(run, __doc__ or ""))
