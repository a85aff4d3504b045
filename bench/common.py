"""What every benchmark shares: the reference host, timing, figures and the table.

A ``Figure`` is one measured value beside the naive baseline measured in the same
run and the ideal bound, both as ratios, and whether its target (issue 7) is met.
Timings on a shared machine are noisy, which is why each figure carries its own
baseline: the ratios hold up where the absolute numbers wander.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import httpx
from pydantic import SecretStr

from tracker_core import HostClient
from tracker_core.host.retry import RetryPolicy
from tracker_host.server import run_in_thread
from tracker_host.settings import ADMIN_TOKEN_ENV, VIEWER_TOKEN_ENV, HostSettings

LATENCY_MS = 20
TEAM = "acme"


@dataclass(frozen=True)
class Figure:
    """One line of the results table. ``passed`` is None when no target applies."""

    name: str
    measured: float
    unit: str  # "s" or "MB"
    baseline: float | None = None
    baseline_label: str = ""
    ideal: float | None = None
    ideal_label: str = ""
    target: str = ""
    passed: bool | None = None
    note: str = ""

    @property
    def speedup(self) -> float | None:
        """How many times faster than the naive baseline."""
        if self.baseline is None or self.measured <= 0:
            return None
        return self.baseline / self.measured

    @property
    def over_ideal(self) -> float | None:
        """Measured divided by the ideal bound (1.0 is the bound itself)."""
        if self.ideal is None or self.ideal <= 0:
            return None
        return self.measured / self.ideal

    @property
    def verdict(self) -> str:
        return "" if self.passed is None else "PASS" if self.passed else "MISS"


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.1f} {unit}"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}x"


HEADER = ("figure", "measured", "naive baseline", "speed-up", "ideal bound", "vs ideal", "target")


def table_rows(figures: Sequence[Figure]) -> list[tuple[str, ...]]:
    rows = []
    for f in figures:
        baseline = f"{fmt(f.baseline, f.unit)} {f.baseline_label}".strip() if f.baseline else "-"
        ideal = f"{fmt(f.ideal, f.unit)} {f.ideal_label}".strip() if f.ideal else "-"
        target = f"{f.target} {f.verdict}".strip() if f.target else "-"
        rows.append(
            (
                f.name,
                fmt(f.measured, f.unit),
                baseline,
                ratio(f.speedup),
                ideal,
                ratio(f.over_ideal),
                target,
            )
        )
    return rows


def print_table(figures: Sequence[Figure], out: TextIO | None = None) -> None:
    """A Markdown table (readable in a terminal, pasteable into the docs)."""
    out = out or sys.stdout
    rows = [HEADER, *table_rows(figures)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    for n, row in enumerate(rows):
        print(
            "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |", file=out
        )
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|", file=out)
    for f in figures:
        if f.note:
            print(f"- {f.name}: {f.note}", file=out)
    out.flush()


def machine() -> str:
    """The machine a run happened on, in one line (no host names or paths)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load average {os.getloadavg()[0]:.1f} at start"
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}{load}"
    )


# --- timing ---------------------------------------------------------------------------


def clock(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def median_time(fn: Callable[[], Any], repeat: int) -> float:
    """The median of ``repeat`` runs: steadier than the mean on a busy machine."""
    return statistics.median(clock(fn)[0] for _ in range(max(repeat, 1)))


def best_time(fn: Callable[[], Any], repeat: int) -> float:
    return min(clock(fn)[0] for _ in range(max(repeat, 1)))


# --- the reference host ---------------------------------------------------------------


@dataclass
class BenchHost:
    """A reference host running in this process, with its admin token."""

    url: str
    token: SecretStr
    team: str = TEAM

    def _dev(self, method: str, path: str, body: Any = None) -> Any:
        headers = {
            "Authorization": f"Bearer {self.token.get_secret_value()}",
            "X-Team-Slug": self.team,
        }
        with httpx.Client(base_url=self.url, headers=headers, timeout=120) as http:
            response = http.request(method, path, json=body)
        if response.status_code != 200:
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code}")
        return response.json()

    def load(self, payload: dict[str, Any]) -> dict[str, int]:
        """Replace the installation state (faults stay as they are)."""
        counts: dict[str, int] = self._dev("POST", "/api/v1/dev/load", payload)
        return counts

    def latency(self, ms: int) -> None:
        self._dev("POST", "/api/v1/dev/faults", {"latency_ms": ms})

    def client(self, *, retry: RetryPolicy | None = None) -> HostClient:
        return HostClient(self.url, self.token, self.team, timeout=60, retry=retry)


# In-process by default (the host shares this interpreter, so its CPU time is in
# every figure); ``--host-process`` serves it from its own process instead, as a
# remote host would be.
_HOST_IN_PROCESS = True


def serve_host_from_process(flag: bool) -> None:
    global _HOST_IN_PROCESS  # one switch for the whole run
    _HOST_IN_PROCESS = not flag


def host_placement() -> str:
    return "in this process" if _HOST_IN_PROCESS else "in its own process"


@contextmanager
def _host_process(token: SecretStr, viewer: SecretStr) -> Iterator[str]:
    env = {
        **os.environ,
        ADMIN_TOKEN_ENV: token.get_secret_value(),
        VIEWER_TOKEN_ENV: viewer.get_secret_value(),
    }
    argv = [sys.executable, "-m", "tracker_host", "--port", "0", "--dev", "--seed", "empty"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError("the reference host did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def reference_host(latency_ms: int = LATENCY_MS, **settings: Any) -> Iterator[BenchHost]:
    """A dev-mode reference host on 127.0.0.1 (empty seed) answering after
    ``latency_ms``; stops when the block ends."""
    token = SecretStr(secrets.token_urlsafe(24))
    viewer = SecretStr(secrets.token_urlsafe(24))
    if not _HOST_IN_PROCESS:
        if settings:
            raise ValueError(f"a host process takes no settings here: {sorted(settings)}")
        with _host_process(token, viewer) as url:
            host = BenchHost(url, token)
            host.latency(latency_ms)
            yield host
        return
    values: dict[str, Any] = {
        "admin_token": token,
        "viewer_token": viewer,
        "dev": True,
        "seed": "empty",
        "team": TEAM,
        **settings,
    }
    with run_in_thread(HostSettings(**values)) as running:
        host = BenchHost(running.url, token)
        host.latency(latency_ms)
        yield host


# --- command line ---------------------------------------------------------------------


def arguments(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--tiny", action="store_true", help="tiny sizes: checks the script runs, times nothing"
    )
    parser.add_argument(
        "--host-process",
        action="store_true",
        help="serve the reference host from its own process (default: in this one)",
    )
    args = parser.parse_args(argv)
    serve_host_from_process(args.host_process)
    return args


def main_for(
    run: Callable[[bool], list[Figure]], description: str, argv: Sequence[str] | None = None
) -> int:
    """Run one benchmark from the command line and print its table."""
    args = arguments(description, argv)
    print(f"machine: {machine()}; reference host {host_placement()}")
    print_table(run(args.tiny))
    return 0


def bench_dir() -> Path:
    return Path(__file__).resolve().parent
