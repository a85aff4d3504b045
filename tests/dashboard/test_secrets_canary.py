"""A canary token through every page, as admin, as viewer and behind sign-in: it
appears in no element of the page (text, Markdown, tables, code, JSON, errors,
exceptions, widgets), in no log record and in no file the dashboard writes."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard.canary import CANARY_ADMIN, canary_host, files_leaking, leaks
from tests.dashboard.conftest import PAGES, Dashboard, assert_clean, goto
from tests.dashboard.test_signin import ALICE, AUTH, ROLES, VICTOR
from tests.support.activity import logged
from tests.support.host import HostHandle


@pytest.fixture(scope="module")
def canary_server() -> Iterator[HostHandle]:
    with canary_host() as handle:
        yield handle


@pytest.fixture
def canary(dash: Dashboard, canary_server: HostHandle) -> Iterator[HostHandle]:
    """``dash`` pointed at the canary host (reset to the demo seed)."""
    canary_server.reset("demo")
    dash.monkeypatch.setenv("SPEC_KITTY_SAAS_URL", canary_server.url)
    yield canary_server


def nodes(block: Any) -> Iterator[Any]:
    yield block
    children = getattr(block, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from nodes(child)


def rendered(at: AppTest) -> Iterator[str | bytes]:
    """Everything the page sends the browser: each element's message (which holds
    table data as Arrow bytes too) and its value as the test API reads it."""
    for root in (at.main, at.sidebar):
        for node in nodes(root):
            proto = getattr(node, "proto", None)
            if proto is not None:
                yield proto.SerializeToString()
            try:
                value = node.value
            except Exception:  # blocks and some elements have no value
                continue
            if hasattr(value, "to_csv"):
                yield value.to_csv()
            elif value is not None:
                yield str(value)


def assert_no_canary(at: AppTest) -> None:
    for item in rendered(at):
        assert not leaks(item), item[:300]


def visit_every_page(at: AppTest, dash: Dashboard) -> None:
    """Every page, plus a resolve on the Bind page (candidates and a diff)."""
    assert_clean(at)
    assert_no_canary(at)
    for page in PAGES:
        goto(at, page)
        assert_no_canary(at)
        if page == "bind":
            key = dash.key("mobile-app")
            at.multiselect(key="bind_pick").select(dash.path("mobile-app")).run()
            at.button(key=f"resolve_{key}").click().run()
            at.selectbox(key=f"cand_{key}_linear").select_index(0).run()
            assert at.code, "the preview diff is shown"
            assert_no_canary(at)


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_no_page_shows_the_token(
    dash: Dashboard, canary: HostHandle, role: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = canary.admin_token if role == "admin" else canary.viewer_token
    at = dash.app(token=token).run()
    assert at.session_state["_tracker_session"].role == role
    visit_every_page(at, dash)
    if role == "admin":
        goto(at, "bind")
        at.button(key="apply_upgrades").click().run()  # a write and an activity entry
        assert_no_canary(at)
        goto(at, "activity")
        assert_no_canary(at)
        assert logged(dash.activity_log)  # the store holds the entry (scanned below)
    assert not leaks(caplog.text)
    assert files_leaking(dash.root.parent) == []  # repos and activity log


def test_behind_sign_in_no_page_shows_the_shared_token(
    dash: Dashboard, canary: HostHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    dash.use_secrets({"auth": AUTH, "sk_tracker": {"roles": ROLES}})
    at = dash.app(token=CANARY_ADMIN)
    assert_no_canary(at.run())  # the sign-in screen
    for user in (VICTOR, ALICE):
        at = dash.app(token=CANARY_ADMIN)
        at.user = dict(user)
        visit_every_page(at.run(), dash)
    assert not leaks(caplog.text)
    assert files_leaking(dash.root.parent) == []


def test_failures_never_show_the_token(
    dash: Dashboard, canary: HostHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # A token the host rejects (the canary with one character changed).
    at = dash.app(token=CANARY_ADMIN[:-1] + "x").run()
    assert at.error and not at.exception
    assert_no_canary(at)
    # A wrong team.
    dash.monkeypatch.setenv("SK_TRACKER_TEAM", "not-our-team")
    at = dash.app(token=CANARY_ADMIN).run()
    assert at.error and not at.exception
    assert_no_canary(at)
    # A host that cannot be reached.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dash.monkeypatch.setenv("SK_TRACKER_TEAM", canary.team)
    dash.monkeypatch.setenv("SPEC_KITTY_SAAS_URL", f"http://127.0.0.1:{port}")
    dash.monkeypatch.setenv("SK_TRACKER_ALLOW_INSECURE_HTTP", "true")
    at = dash.app(token=CANARY_ADMIN).run()
    assert at.error and not at.exception
    assert_no_canary(at)
    assert not leaks(caplog.text)


def test_the_canary_check_sees_a_leak(dash: Dashboard, canary: HostHandle, tmp_path: Path) -> None:
    """The walk above would notice a token on the page, in a table or in a file."""
    script = f"""
import pandas as pd
import streamlit as st
st.sidebar.caption("x")
with st.expander("e"):
    st.dataframe(pd.DataFrame({{"t": ["{CANARY_ADMIN[-16:]}"]}}))
"""
    at = AppTest.from_string(script).run()
    with pytest.raises(AssertionError):
        assert_no_canary(at)
    (tmp_path / "f.txt").write_text(f"token={CANARY_ADMIN}")
    assert files_leaking(tmp_path) == [tmp_path / "f.txt"]
