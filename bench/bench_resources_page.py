"""The dashboard's Resources page with N resources, driven by Streamlit's AppTest:
the first render of a new session on cold caches (sign-in, discovery, the frame, the
table) against the host reads it needs, then a rerun of the same session, which must
come from the cache with no HTTP request at all.

The dashboard is configured through its documented environment variables only:
SPEC_KITTY_SAAS_URL, SK_TRACKER_TOKEN, SK_TRACKER_TEAM, SK_TRACKER_REPO_ROOTS.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from common import Figure, clock, main_for, median_time, reference_host
from workload import PROVIDERS, installation

from tracker_core.discovery import discover_all

FIRST_TARGET = 3.0
RERUN_TARGET = 0.5
PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"
PAGE = "pages/resources.py"
SESSION_KEY = "_tracker_session"  # where tracker_dashboard.session keeps the tab's session


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


def _check(at: Any, expected: int) -> None:
    problems = [e.value for e in at.exception] + [e.value for e in at.error]
    if problems:
        raise SystemExit(f"the Resources page failed: {problems[0]}")
    caption = next((c.value for c in at.caption if c.value.startswith("Showing")), "")
    if f"of {expected:,} resources" not in caption:
        raise SystemExit(f"the Resources page did not show {expected:,} resources: {caption!r}")


def unavailable(reason: str) -> list[Figure]:
    return [Figure(name="Resources page", measured=0.0, unit="s", note=f"could not run: {reason}")]


def run(tiny: bool = False) -> list[Figure]:
    if not (PROJECT / PAGE).is_file() or not APP.is_file():
        return unavailable(f"{PAGE} (or app.py) does not exist yet")
    import streamlit as st
    from streamlit import config as st_config
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    # Streamlit's console logging would print the host's access log (uvicorn's loggers
    # follow Streamlit's level) and AppTest's bare-mode warnings between the tables.
    st_config.set_option("logger.level", "error")
    set_log_level("error")

    count = 200 if tiny else 20_000
    repeat = 1 if tiny else 3
    with (
        tempfile.TemporaryDirectory(prefix="sk-bench-page-") as tmp,
        reference_host() as host,
    ):
        host.load(installation(count, mapped=count // 20).payload)
        with host.client() as client:
            discovery = median_time(lambda: discover_all(client, PROVIDERS), repeat)
        settings = {
            "SPEC_KITTY_SAAS_URL": host.url,
            "SK_TRACKER_TOKEN": host.token.get_secret_value(),
            "SK_TRACKER_TEAM": host.team,
            "SK_TRACKER_REPO_ROOTS": str(Path(tmp) / "repos"),
            "SK_TRACKER_ACTIVITY_LOG": str(Path(tmp) / "activity.jsonl"),
            "SK_TRACKER_SETTINGS_FILE": str(Path(tmp) / "no-settings.toml"),
            "SK_TRACKER_UPGRADE_ON_READ": "false",
        }
        (Path(tmp) / "repos").mkdir()
        firsts, reruns, rerun_requests = [], [], 0
        with environment(settings), navigation_kept():
            for _ in range(repeat):
                st.cache_data.clear()  # cold caches: a first render
                st.cache_resource.clear()
                at = AppTest.from_file(str(APP), default_timeout=120)
                at.switch_page(PAGE)
                first, _ = clock(at.run)
                _check(at, count)
                before = _requests(at)
                rerun, _ = clock(at.run)
                _check(at, count)
                rerun_requests += _requests(at) - before
                firsts.append(first)
                reruns.append(rerun)
            st.cache_data.clear()
            st.cache_resource.clear()
    first, rerun = sorted(firsts)[len(firsts) // 2], sorted(reruns)[len(reruns) // 2]
    return [
        Figure(
            name=f"Resources page first render, {count:,} resources",
            measured=first,
            unit="s",
            ideal=discovery,
            ideal_label="(its discovery alone)",
            target=f"< {FIRST_TARGET:.0f} s",
            passed=first < FIRST_TARGET,
            note="AppTest of app.py on a new session with cold caches (sign-in included)",
        ),
        Figure(
            name=f"Resources page cached rerun, {count:,} resources",
            measured=rerun,
            unit="s",
            baseline=first,
            baseline_label="(first render)",
            target=f"< {RERUN_TARGET} s, no HTTP",
            passed=rerun < RERUN_TARGET and rerun_requests == 0,
            note=f"{rerun_requests} HTTP requests on the reruns",
        ),
    ]


if __name__ == "__main__":
    sys.exit(main_for(run, __doc__ or ""))
