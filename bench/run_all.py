"""Every benchmark in one run (``make bench``): one table, PASS/MISS per target.

    python bench/run_all.py             # full sizes, about a minute or two
    python bench/run_all.py --tiny      # tiny sizes: checks that everything runs
    python bench/run_all.py --only audit,scan --save results.md
    python bench/run_all.py --host-process   # the host in its own process, like a remote one

Each figure stands beside a naive baseline measured in the same run and an ideal
bound, as ratios. The machine is shared and timings are noisy: compare the ratios,
and rerun on a quiet machine before quoting absolute numbers.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import bench_audit
import bench_discovery
import bench_history
import bench_memory
import bench_remotes
import bench_repositories_page
import bench_resources_page
import bench_scan
import bench_startup
from common import Figure, host_placement, machine, print_table, serve_host_from_process

BENCHMARKS: dict[str, Callable[[bool], list[Figure]]] = {
    "discovery": bench_discovery.run,
    "audit": bench_audit.run,
    "scan": bench_scan.run,
    "resources-page": bench_resources_page.run,
    "repositories-page": bench_repositories_page.run,
    "startup": bench_startup.run,
    "memory": bench_memory.run,
    "remotes": bench_remotes.run,
    "history": bench_history.run,
}


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument(
        "--only", default="", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}"
    )
    parser.add_argument("--save", type=Path, help="also write the results as Markdown here")
    parser.add_argument(
        "--host-process",
        action="store_true",
        help="serve the reference host from its own process (default: in this one)",
    )
    args = parser.parse_args(argv)
    serve_host_from_process(args.host_process)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"error: unknown benchmark {', '.join(unknown)}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    where = f"{machine()}; reference host {host_placement()}"
    print(f"machine: {where}", flush=True)
    figures: list[Figure] = []
    for name in names:
        print(f"running {name}...", flush=True)
        try:
            figures.extend(BENCHMARKS[name](args.tiny))
        except Exception as exc:  # one broken benchmark must not hide the others
            traceback.print_exc()
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            figures.append(Figure(name=name, measured=0.0, unit="s", note=f"failed: {reason}"))
    elapsed = time.perf_counter() - started
    print()
    table = io.StringIO()
    print_table(figures, table)
    print(table.getvalue(), end="")
    judged = [f for f in figures if f.passed is not None]
    passed = sum(1 for f in judged if f.passed)
    failed = [f for f in figures if f.note.startswith(("failed", "could not run"))]
    summary = f"{passed} of {len(judged)} targets met; {len(failed)} benchmarks did not run"
    print(f"\n{summary}; {elapsed:.0f} s in all{' (tiny sizes)' if args.tiny else ''}")
    if args.save:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        args.save.write_text(
            f"Measured {stamp} on: {where}\n\n{table.getvalue()}\n{summary}.\n", encoding="utf-8"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
