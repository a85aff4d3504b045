"""What the page benchmarks share: the dashboard under Streamlit's AppTest, set up
through its documented environment variables only (SPEC_KITTY_SAAS_URL,
SK_TRACKER_TOKEN, SK_TRACKER_TEAM, SK_TRACKER_REPO_ROOTS), and every HTTP request
the process sends, counted where httpx sends it.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
from common import BenchHost, Figure, clock, reference_host
from workload import installation, mappings_needed, write_repos

PROJECT = Path(__file__).resolve().parent.parent
APP = PROJECT / "app.py"


@dataclass
class PageWorkload:
    host: BenchHost
    root: Path  # the repos


@contextmanager
def dashboard(page: str, resources: int, repos: int) -> Iterator[PageWorkload]:
    """A reference host with ``resources`` (and mappings for ``repos`` repos) and the
    repos on disk; inside, the dashboard is configured for them through its
    environment and AppTest runs it as it is served."""
    if not (PROJECT / page).is_file() or not APP.is_file():
        raise FileNotFoundError(f"{page} or app.py does not exist")
    quiet_streamlit()
    with (
        tempfile.TemporaryDirectory(prefix="sk-bench-page-") as tmp,
        reference_host() as host,
    ):
        inst = installation(resources, mapped=mappings_needed(repos))
        host.load(inst.payload)
        root = Path(tmp) / "repos"
        write_repos(root, repos, inst)
        with environment(dashboard_settings(host, root, Path(tmp))), navigation_kept():
            yield PageWorkload(host, root)


def dashboard_settings(host: BenchHost, root: Path, tmp: Path) -> dict[str, str]:
    """The dashboard's settings for ``host`` and the repos under ``root``; its
    activity log and history live in ``tmp``."""
    return {
        "SPEC_KITTY_SAAS_URL": host.url,
        "SK_TRACKER_TOKEN": host.token.get_secret_value(),
        "SK_TRACKER_TEAM": host.team,
        "SK_TRACKER_REPO_ROOTS": str(root),
        "SK_TRACKER_ACTIVITY_LOG": str(tmp / "activity.jsonl"),
        "SK_TRACKER_SETTINGS_FILE": str(tmp / "no-settings.toml"),
        "SK_TRACKER_UPGRADE_ON_READ": "false",
    }


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


class RequestCounter:
    """Every request any httpx client of this process sends (the real request goes
    out unchanged; this only counts it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    @contextmanager
    def counting(self) -> Iterator[RequestCounter]:
        send = httpx.HTTPTransport.handle_request
        counter = self

        def counted(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            with counter._lock:
                counter.count += 1
            return send(transport, request)

        with mock.patch.object(httpx.HTTPTransport, "handle_request", counted):
            yield self


def quiet_streamlit() -> None:
    """Streamlit's console logging would print the host's access log (uvicorn's loggers
    follow Streamlit's level) and AppTest's bare-mode warnings between the tables."""
    from streamlit import config as st_config
    from streamlit.logger import set_log_level

    st_config.set_option("logger.level", "error")
    set_log_level("error")


def problems(at: Any) -> None:
    found = [e.value for e in at.exception] + [e.value for e in at.error]
    if found:
        raise SystemExit(f"the page failed: {found[0]}")


@dataclass
class PageTimes:
    first: float  # median first render, new session, cold caches
    rerun: float  # median rerun of that session
    rerun_requests: int  # HTTP requests all the reruns sent
    paired: float = 0.0  # median of ``paired``, timed right before each first render
    over_paired: float = 0.0  # median of first render / paired, pair by pair


def time_page(
    page: str,
    shows: Callable[[Any], None],
    repeat: int,
    reruns: int = 1,
    paired: Callable[[], object] | None = None,
) -> PageTimes:
    """Median first render of ``page`` in a new session on cold caches, and of
    ``reruns`` reruns of each such session; HTTP requests the reruns sent.
    ``paired`` (the same work done by the library alone) is timed right before each
    first render, so that a busy machine slows both sides of each ratio alike."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    firsts: list[float] = []
    pairs: list[float] = []
    again: list[float] = []
    requests = 0
    counter = RequestCounter()
    with counter.counting():
        for _ in range(repeat):
            if paired is not None:
                pairs.append(clock(paired)[0])
            st.cache_data.clear()  # cold caches: a first render
            st.cache_resource.clear()
            at = AppTest.from_file(str(APP), default_timeout=180)
            at.switch_page(page)
            firsts.append(clock(at.run)[0])
            shows(at)
            before = counter.count
            for _ in range(reruns):
                again.append(clock(at.run)[0])
                shows(at)
            requests += counter.count - before
    st.cache_data.clear()
    st.cache_resource.clear()
    times = PageTimes(statistics.median(firsts), statistics.median(again), requests)
    if pairs:
        times.paired = statistics.median(pairs)
        times.over_paired = statistics.median(f / p for f, p in zip(firsts, pairs, strict=True))
    return times


def rerun_figure(what: str, times: PageTimes, target: float) -> Figure:
    """A page's rerun against its first render: under ``target`` seconds, no request."""
    return Figure(
        name=f"{what} rerun",
        measured=times.rerun,
        unit="s",
        baseline=times.first,
        baseline_label="(first render)",
        target=f"< {target} s, no HTTP",
        passed=times.rerun < target and times.rerun_requests == 0,
        note=f"{times.rerun_requests} HTTP requests on the reruns",
    )
