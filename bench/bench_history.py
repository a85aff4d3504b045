"""The audit history after a simulated year: 5,000 repos audited daily, 1 % of them
changing state each day. Figures: the store's size (target < 50 MB) beside a store
that keeps a row per repo per audit (estimated from the rows each layout holds), the
time to record one daily audit, and the Trends page's first render from that year
(target < 2 s) beside the Activity page's, measured in the same run.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import Figure, clock, main_for, reference_host
from page_runs import environment, navigation_kept
from sqlalchemy import func, select

from tracker_core.flows.audit import AuditReport, AuditRow
from tracker_core.flows.history import History
from tracker_core.host.client import origin_of
from tracker_core.store import history_rows
from tracker_core.store.engine import Store
from tracker_core.store.schema import repo_states
from tracker_core.store.url import sqlite_url

SIZE_TARGET_MB = 50.0
RENDER_TARGET = 2.0
PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"
PROVIDERS = ("linear", "jira", "github", "gitlab")
STATES = ("bound", "bound", "bound", "legacy", "stale:mapping_deleted", "unbound")


def _row(n: int, state: str, rng: random.Random) -> AuditRow:
    provider = PROVIDERS[n % len(PROVIDERS)]
    ref = f"srm_{n:05d}_{rng.randrange(1000)}" if state != "unbound" else None
    return AuditRow(
        Path(f"/srv/repos/team-{n % 40:02d}/repo-{n:05d}"),
        state,
        provider,
        ref,
        display_label=f"Project {n} ({provider.upper()}-{n})",
        provider_context={"workspace_name": f"Workspace {n % 3}"},
    )


def simulate_year(
    history: History, *, repos: int, days: int, host: str, team: str, roots: list[Path]
) -> list[float]:
    """Record ``days`` daily audits where 1 % of the repos change; the record times."""
    rng = random.Random(17)
    rows = [_row(n, rng.choice(STATES), rng) for n in range(repos)]
    start = datetime.now(UTC) - timedelta(days=days)
    times: list[float] = []
    for day in range(days):
        for n in rng.sample(range(repos), max(1, repos // 100)):
            rows[n] = _row(n, rng.choice(STATES), rng)
        elapsed, _ = clock(
            lambda day=day: history.record(
                AuditReport(list(rows)),
                host=host,
                team=team,
                roots=roots,
                actor="cron@acme.example",
                source="cli",
                taken_at=start + timedelta(days=day + 1),
            )
        )
        times.append(elapsed)
    return times


def _state_rows(store: Store) -> int:
    with store.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(repo_states)).scalar_one())


def _first_render(page: str) -> float:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.switch_page(page)
    elapsed, _ = clock(at.run)
    problems = [e.value for e in at.exception] + [e.value for e in at.error]
    if problems:
        raise SystemExit(f"{page} failed: {problems[0]}")
    return elapsed


def run(tiny: bool = False) -> list[Figure]:
    from streamlit import config as st_config
    from streamlit.logger import set_log_level

    st_config.set_option("logger.level", "error")
    set_log_level("error")
    repos, days = (200, 20) if tiny else (5000, 365)
    repeat = 1 if tiny else 3
    with tempfile.TemporaryDirectory(prefix="sk-bench-history-") as tmp, reference_host() as bh:
        root = Path(tmp) / "repos"
        root.mkdir()
        store = Store(sqlite_url(Path(tmp) / "sk-tracker.db"))
        history = History(store, keep_days=days + 1)
        record_times = simulate_year(
            history, repos=repos, days=days, host=origin_of(bh.url), team=bh.team, roots=[root]
        )
        size_mb = history_rows.size_in_bytes(store) / 1e6
        naive_rows, kept_rows = repos * days, _state_rows(store)
        settings = {
            "SPEC_KITTY_SAAS_URL": bh.url,
            "SK_TRACKER_TOKEN": bh.token.get_secret_value(),
            "SK_TRACKER_TEAM": bh.team,
            "SK_TRACKER_REPO_ROOTS": str(root),
            "SK_TRACKER_ACTIVITY_LOG": str(Path(tmp) / "activity.jsonl"),
            "SK_TRACKER_DATABASE_URL": store.url,
            "SK_TRACKER_SETTINGS_FILE": str(Path(tmp) / "no-settings.toml"),
        }
        with environment(settings), navigation_kept():
            # Warm-up: the process's imports (Altair, pandas) and Streamlit's start-up.
            _first_render("pages/trends.py")
            trends = statistics.median(_first_render("pages/trends.py") for _ in range(repeat))
            activity = statistics.median(_first_render("pages/activity.py") for _ in range(repeat))
        store.dispose()
    year = f"{days} daily audits of {repos:,} repos, 1 % changing a day"
    return [
        Figure(
            name=f"history store after {year}",
            measured=size_mb,
            unit="MB",
            baseline=size_mb * naive_rows / max(kept_rows, 1),
            baseline_label="(a row per repo per audit, est.)",
            target=f"< {SIZE_TARGET_MB:.0f} MB",
            passed=size_mb < SIZE_TARGET_MB,
            note=f"{kept_rows:,} repo-state rows kept instead of {naive_rows:,}; SQLite file",
        ),
        Figure(
            name="record one daily audit (5,000 repos)" if not tiny else "record one audit",
            measured=statistics.median(record_times[-30:]),
            unit="s",
            note="median of the last 30 days: read the open states, write the changed ones",
        ),
        Figure(
            name="Trends page first render, a year of audits",
            measured=trends,
            unit="s",
            baseline=activity,
            baseline_label="(Activity page)",
            target=f"< {RENDER_TARGET:.0f} s",
            passed=trends < RENDER_TARGET,
            note="AppTest of app.py, a new session on cold caches (sign-in and sidebar included)",
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    return main_for(run, (__doc__ or "").splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
