"""The dashboard's Resources page with 20,000 resources, driven by Streamlit's
AppTest: the first render of a new session on cold caches (sign-in, the sidebar,
host reads, frames, the table) against the reads it needs, then a rerun of the same
session, which must come from the cache with no HTTP request at all.
(The Repositories page has its own benchmark: bench_repositories_page.py.)
"""

from __future__ import annotations

import sys
from typing import Any

from common import Figure, main_for, median_time
from page_runs import dashboard, problems, rerun_figure, time_page
from workload import PROVIDERS

from tracker_core.flows.discovery import discover_all

FIRST_TARGET = 3.0
RERUN_TARGET = 0.5
PAGE = "pages/resources.py"
REPOS = 100  # a few repos under the roots, as a deployment has


def _shows_resources(at: Any, expected: int) -> None:
    problems(at)
    caption = next((c.value for c in at.caption if c.value.startswith("Showing")), "")
    if f"of {expected:,} resources" not in caption:
        raise SystemExit(f"the Resources page did not show {expected:,} resources: {caption!r}")


def run(tiny: bool = False) -> list[Figure]:
    count = 200 if tiny else 20_000
    repeat = 1 if tiny else 3
    with dashboard(PAGE, count, REPOS) as work:
        with work.host.client() as client:
            discovery = median_time(lambda: discover_all(client, PROVIDERS), repeat)
        times = time_page(PAGE, lambda at: _shows_resources(at, count), repeat)
    what = f"Resources page, {count:,} resources"
    return [
        Figure(
            name=f"{what} first render",
            measured=times.first,
            unit="s",
            ideal=discovery,
            ideal_label="(its discovery alone)",
            target=f"< {FIRST_TARGET:.0f} s",
            passed=times.first < FIRST_TARGET,
            note="AppTest of app.py, a new session on cold caches (sign-in and sidebar included)",
        ),
        rerun_figure(f"{what} cached", times, RERUN_TARGET),
    ]


if __name__ == "__main__":
    sys.exit(main_for(run, __doc__ or ""))
