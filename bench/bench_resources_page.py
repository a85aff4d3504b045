"""The dashboard's Resources page with 20,000 resources (and its Repositories page
with 5,000 repos), driven by Streamlit's AppTest: the first render of a new session
on cold caches (sign-in, the sidebar, host reads, frames, the table) against the
reads it needs, then a rerun of the same session, which must come from the cache
with no HTTP request at all.

The dashboard is configured through its documented environment variables only:
SPEC_KITTY_SAAS_URL, SK_TRACKER_TOKEN, SK_TRACKER_TEAM, SK_TRACKER_REPO_ROOTS.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from common import Figure, clock, main_for, median_time, reference_host
from workload import PROVIDERS, installation, mappings_needed, write_repos

from tracker_core.flows.audit import audit
from tracker_core.flows.discovery import discover_all

FIRST_TARGET = 3.0
RERUN_TARGET = 0.5
PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"
PAGE = "pages/resources.py"
REPOS_PAGE = "pages/repositories.py"
SESSION_KEY = "_tracker_session"  # where tracker_dashboard.tab_session keeps the tab's session


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """The dashboard's settings as environment variables, restored afterwards."""
    cleared = ("SK_TRACKER_TOKEN_FILE", "SK_TRACKER_ALLOWED_ROOTS", "SK_TRACKER_ROLE")
    with mock.patch.dict(os.environ, values):
        for name in cleared:
            os.environ.pop(name, None)
        yield


@contextmanager
def navigation_kept() -> Iterator[None]:
    """AppTest forgets before each run that the app uses ``st.navigation`` and, seeing a
    pages/ folder, would run the page without app.py on a rerun. A served app keeps
    it, so keep AppTest's reset away from that flag (as the dashboard's tests do)."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import app_test as app_test_module

    class NavigationPages(PagesManager):
        pass

    with (
        mock.patch.object(app_test_module, "PagesManager", NavigationPages),
        mock.patch.object(PagesManager, "uses_pages_directory", False),
    ):
        yield


def _requests(at: Any) -> int:
    return int(at.session_state[SESSION_KEY].service.client.request_count)


def _problems(at: Any) -> None:
    problems = [e.value for e in at.exception] + [e.value for e in at.error]
    if problems:
        raise SystemExit(f"the page failed: {problems[0]}")


def _shows_resources(at: Any, expected: int) -> None:
    _problems(at)
    caption = next((c.value for c in at.caption if c.value.startswith("Showing")), "")
    if f"of {expected:,} resources" not in caption:
        raise SystemExit(f"the Resources page did not show {expected:,} resources: {caption!r}")


def _shows_repos(at: Any, expected: int) -> None:
    _problems(at)
    # The caption counts the repos by state ("Bound: 520 · Legacy: 100 · ...").
    counted = max(
        (sum(int(n) for n in re.findall(r": (\d+)", c.value)) for c in at.caption), default=0
    )
    if counted != expected:
        raise SystemExit(f"the Repositories page counted {counted} repos, not {expected}")


def unavailable(reason: str) -> list[Figure]:
    return [Figure(name="dashboard pages", measured=0.0, unit="s", note=f"could not run: {reason}")]


@dataclass
class PageTimes:
    first: float
    rerun: float
    rerun_requests: int


def _time_page(page: str, shows: Callable[[Any], None], repeat: int) -> PageTimes:
    """Median first render of ``page`` in a new session on cold caches, and of a
    rerun of that session; HTTP requests the reruns made."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    firsts, reruns, requests = [], [], 0
    for _ in range(repeat):
        st.cache_data.clear()  # cold caches: a first render
        st.cache_resource.clear()
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.switch_page(page)
        firsts.append(clock(at.run)[0])
        shows(at)
        before = _requests(at)
        reruns.append(clock(at.run)[0])
        shows(at)
        requests += _requests(at) - before
    st.cache_data.clear()
    st.cache_resource.clear()
    return PageTimes(statistics.median(firsts), statistics.median(reruns), requests)


def _figures(
    what: str, times: PageTimes, ideal: float, ideal_label: str, *, judged: bool
) -> list[Figure]:
    """First render and cached rerun; ``judged`` against issue 7's targets, or shown
    for information (the Repositories page has no number in the issue)."""
    return [
        Figure(
            name=f"{what} first render",
            measured=times.first,
            unit="s",
            ideal=ideal,
            ideal_label=ideal_label,
            target=f"< {FIRST_TARGET:.0f} s" if judged else "",
            passed=times.first < FIRST_TARGET if judged else None,
            note="AppTest of app.py, a new session on cold caches (sign-in and sidebar included)",
        ),
        Figure(
            name=f"{what} cached rerun",
            measured=times.rerun,
            unit="s",
            baseline=times.first,
            baseline_label="(first render)",
            target=f"< {RERUN_TARGET} s, no HTTP" if judged else "",
            passed=(times.rerun < RERUN_TARGET and times.rerun_requests == 0) if judged else None,
            note=f"{times.rerun_requests} HTTP requests on the reruns",
        ),
    ]


def run(tiny: bool = False) -> list[Figure]:
    missing = [p for p in (APP, PROJECT / PAGE, PROJECT / REPOS_PAGE) if not p.is_file()]
    if missing:
        names = ", ".join(str(p.relative_to(PROJECT)) for p in missing)
        return unavailable(f"{names} does not exist yet")
    from streamlit import config as st_config
    from streamlit.logger import set_log_level

    # Streamlit's console logging would print the host's access log (uvicorn's loggers
    # follow Streamlit's level) and AppTest's bare-mode warnings between the tables.
    st_config.set_option("logger.level", "error")
    set_log_level("error")

    count = 200 if tiny else 20_000
    repos = 20 if tiny else 5000
    repeat = 1 if tiny else 3
    with (
        tempfile.TemporaryDirectory(prefix="sk-bench-page-") as tmp,
        reference_host() as host,
    ):
        inst = installation(count, mapped=mappings_needed(repos))
        host.load(inst.payload)
        root = Path(tmp) / "repos"
        write_repos(root, repos, inst)
        with host.client() as client:
            discovery = median_time(lambda: discover_all(client, PROVIDERS), repeat)
            audit_time = median_time(lambda: audit(client, [root]), repeat)
        settings = {
            "SPEC_KITTY_SAAS_URL": host.url,
            "SK_TRACKER_TOKEN": host.token.get_secret_value(),
            "SK_TRACKER_TEAM": host.team,
            "SK_TRACKER_REPO_ROOTS": str(root),
            "SK_TRACKER_ACTIVITY_LOG": str(Path(tmp) / "activity.jsonl"),
            "SK_TRACKER_SETTINGS_FILE": str(Path(tmp) / "no-settings.toml"),
            "SK_TRACKER_UPGRADE_ON_READ": "false",
        }
        with environment(settings), navigation_kept():
            resources = _time_page(PAGE, lambda at: _shows_resources(at, count), repeat)
            repositories = _time_page(REPOS_PAGE, lambda at: _shows_repos(at, repos), repeat)
    return [
        *_figures(
            f"Resources page, {count:,} resources",
            resources,
            discovery,
            "(its discovery alone)",
            judged=True,
        ),
        *_figures(
            f"Repositories page, {repos:,} repos",
            repositories,
            discovery + audit_time,
            "(discovery + audit alone)",
            judged=False,
        ),
    ]


if __name__ == "__main__":
    sys.exit(main_for(run, __doc__ or ""))
