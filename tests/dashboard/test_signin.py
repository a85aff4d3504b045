"""Sign-in for a shared deployment, through AppTest: with ``[auth]`` in the secrets a
visitor sees only the sign-in screen; once signed in, the role comes from
``[sk_tracker.roles]`` and never exceeds the shared token's role. The real sign-in
round trip through an identity provider is in tests/e2e/test_signin_browser.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from tests.dashboard.conftest import Dashboard, assert_clean, frame_with, goto
from tracker_dashboard.tab_session import SESSION_KEY

AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret-0123456789",
    "client_id": "sk-tracker",
    "client_secret": "test-client-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
ROLES = {"admins": ["alice@acme.example"], "admin_groups": ["tracker-admins"]}
# What Streamlit's st.user holds: the ID token's claims and the [auth] provider used.
SIGNED_IN = {"is_logged_in": True, "provider": "default", "email_verified": True}
ALICE = {**SIGNED_IN, "sub": "a1", "email": "alice@acme.example", "name": "Alice"}
VICTOR = {**SIGNED_IN, "sub": "v1", "email": "victor@acme.example", "name": "Victor"}


def configure(dash: Dashboard, roles: dict[str, Any] | None = None, **auth: Any) -> None:
    secrets: dict[str, Any] = {"auth": {**AUTH, **auth}}
    if roles is not None:
        secrets["sk_tracker"] = {"roles": roles}
    dash.use_secrets(secrets)


def signed_in(dash: Dashboard, user: dict[str, Any], role: str = "admin") -> AppTest:
    """A session of a person signed in with ``user``'s claims, the dashboard using
    the ``role`` host token."""
    at = dash.app(role)
    at.user = dict(user)
    return at.run()


def assert_sign_in_screen_only(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.subheader] == ["Sign in"]
    assert at.button(key="sign_in_default")
    # Nothing else: no data, no sidebar, and the host was not even asked.
    assert not at.dataframe and not at.metric and not at.multiselect
    assert not at.sidebar.text and not at.sidebar.button
    assert SESSION_KEY not in at.session_state


def test_without_auth_nothing_asks_to_sign_in(dash: Dashboard) -> None:
    dash.use_secrets({"sk_tracker": {"roles": {"admins": []}}})  # roles alone do nothing
    at = dash.app("admin").run()
    assert_clean(at)
    assert "sign_in_default" not in [b.key for b in at.button]
    assert at.session_state[SESSION_KEY].role == "admin"
    assert at.session_state[SESSION_KEY].sign_in is None


def test_a_visitor_sees_only_the_sign_in_screen_on_every_page(dash: Dashboard) -> None:
    configure(dash, ROLES)
    at = dash.app("admin").run()
    assert_sign_in_screen_only(at)
    for page in ("resources", "bind", "activity"):
        at.switch_page(f"pages/{page}.py").run()
        assert_sign_in_screen_only(at)


def test_named_providers_get_a_button_each(dash: Dashboard) -> None:
    shared = {k: AUTH[k] for k in ("redirect_uri", "cookie_secret")}
    provider = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    dash.use_secrets({"auth": {**shared, "okta": provider, "entra": provider}})
    at = dash.app("admin").run()
    assert [b.label for b in at.button] == ["Sign in with okta", "Sign in with entra"]


def test_a_misconfigured_provider_is_one_line_on_the_sign_in_screen(dash: Dashboard) -> None:
    dash.use_secrets({"auth": {k: v for k, v in AUTH.items() if k != "cookie_secret"}})
    at = dash.app("admin").run()
    at.button(key="sign_in_default").click().run()
    assert not at.exception
    (error,) = at.error
    assert "Sign-in is misconfigured" in error.value and "cookie" in error.value
    assert SESSION_KEY not in at.session_state


def test_auth_without_a_provider_shows_nothing_but_the_reason(dash: Dashboard) -> None:
    dash.use_secrets({"auth": {k: AUTH[k] for k in ("redirect_uri", "cookie_secret")}})
    at = dash.app("admin").run()
    assert not at.exception
    (error,) = at.error
    assert "names no identity provider" in error.value
    assert not at.dataframe and SESSION_KEY not in at.session_state


def test_a_listed_admin_can_mutate_and_is_the_actor(dash: Dashboard) -> None:
    configure(dash, ROLES)
    at = signed_in(dash, ALICE)
    assert_clean(at)
    assert at.session_state[SESSION_KEY].role == "admin"
    assert "alice@acme.example" in [t.value for t in at.sidebar.text]
    assert at.sidebar.button(key="sign_out")
    goto(at, "bind")
    at.button(key="apply_upgrades").click().run()
    assert "binding_ref" in dash.config("billing-service").split("tracker:")[1]
    goto(at, "activity")
    assert list(frame_with(at, "actor", "new_ref")["actor"]) == ["alice@acme.example"]


def test_an_admin_group_member_can_mutate(dash: Dashboard) -> None:
    configure(dash, ROLES)
    at = signed_in(dash, {**VICTOR, "groups": ["staff", "tracker-admins"]})
    assert_clean(at)
    assert at.session_state[SESSION_KEY].role == "admin"


def test_an_unlisted_person_is_a_viewer_despite_the_admin_token(dash: Dashboard) -> None:
    configure(dash, ROLES)
    before = dash.config("billing-service")
    counts = dash.host.mapping_counts()
    at = signed_in(dash, VICTOR, role="admin")
    assert_clean(at)
    session = at.session_state[SESSION_KEY]
    assert (session.role, session.actor) == ("viewer", "victor@acme.example")
    goto(at, "bind")
    assert at.button(key="apply_upgrades").disabled
    key = dash.key("mobile-app")
    at.multiselect(key="bind_pick").select(dash.path("mobile-app")).run()
    at.button(key=f"resolve_{key}").click().run()  # reading is fine
    at.selectbox(key=f"cand_{key}_linear").select_index(0).run()
    assert at.button(key=f"bind_{key}").disabled
    # Even the session's own service refuses: the policy is the viewer's.
    assert not session.service.policy.can_mutate
    assert dash.config("billing-service") == before
    assert dash.host.mapping_counts() == counts


def test_an_admin_mapping_never_lifts_a_viewer_token(dash: Dashboard) -> None:
    configure(dash, ROLES)
    at = signed_in(dash, ALICE, role="viewer")
    assert_clean(at)
    assert at.session_state[SESSION_KEY].role == "viewer"
    goto(at, "bind")
    assert at.button(key="apply_upgrades").disabled


def test_unlisted_people_are_refused_when_the_deployment_says_so(dash: Dashboard) -> None:
    configure(dash, {**ROLES, "allow_unlisted": False})
    at = signed_in(dash, VICTOR)
    assert not at.exception
    (error,) = at.error
    assert "victor@acme.example is not listed" in error.value.replace("\\", "")
    assert at.button(key="sign_out")  # a way out, and nothing else
    assert not at.dataframe and not at.sidebar.text
    assert SESSION_KEY not in at.session_state


def test_a_typo_in_the_roles_section_stops_with_its_name(dash: Dashboard) -> None:
    configure(dash, {"admin": ["alice@acme.example"]})
    at = signed_in(dash, ALICE)
    assert not at.exception
    (error,) = at.error
    assert "unknown keys admin" in error.value
    assert not at.dataframe and SESSION_KEY not in at.session_state


def test_a_new_person_in_the_same_session_never_inherits_the_role(dash: Dashboard) -> None:
    configure(dash, ROLES)
    at = signed_in(dash, ALICE)
    assert at.session_state[SESSION_KEY].role == "admin"
    at.user = dict(VICTOR)
    at.run()
    assert_clean(at)
    session = at.session_state[SESSION_KEY]
    assert (session.role, session.actor) == ("viewer", "victor@acme.example")


def test_signing_out_returns_to_the_sign_in_screen(dash: Dashboard) -> None:
    configure(dash, ROLES)
    at = signed_in(dash, ALICE)
    at.sidebar.button(key="sign_out").click().run()
    at.run()  # the browser follows the logout redirect into a fresh run
    assert [s.value for s in at.subheader] == ["Sign in"]
    assert not at.dataframe and not at.sidebar.text


def test_an_unreadable_secrets_file_fails_closed(dash: Dashboard, tmp_path: Path) -> None:
    broken = tmp_path / "secrets.toml"
    broken.write_text('[auth]\nredirect_uri = "http://x/oauth2callback\n', encoding="utf-8")
    dash.use_secrets(None)  # read from the file again
    with patch_config_options({"secrets.files": [str(broken)]}):
        at = dash.app("admin").run()
    assert not at.exception
    (error,) = at.error
    assert "secrets file cannot be read" in error.value
    assert not at.dataframe and SESSION_KEY not in at.session_state


def test_a_viewer_after_an_admin_shares_the_data_but_not_the_role(dash: Dashboard) -> None:
    configure(dash, ROLES)
    admin = signed_in(dash, ALICE)
    goto(admin, "bind")
    assert not admin.button(key="apply_upgrades").disabled
    viewer = signed_in(dash, VICTOR)  # another browser, same server caches
    goto(viewer, "bind")
    requests = viewer.session_state[SESSION_KEY].service.client.request_count
    assert requests == 1  # its own /me only: the host reads came from the shared cache
    assert viewer.button(key="apply_upgrades").disabled
    assert viewer.session_state[SESSION_KEY].role == "viewer"
    assert admin.session_state[SESSION_KEY].role == "admin"


def test_a_spoofed_admin_address_is_a_viewer_named_with_the_hidden_character(
    dash: Dashboard,
) -> None:
    configure(dash, ROLES)
    spoof = {**ALICE, "sub": "m1", "email": "ali\u200bce@acme.example", "name": "Alice"}
    at = signed_in(dash, spoof)
    assert_clean(at)
    session = at.session_state[SESSION_KEY]
    assert (session.role, session.actor) == ("viewer", "ali\\u200bce@acme.example")
    assert "ali\\u200bce@acme.example" in [t.value for t in at.sidebar.text]
    # Unverified or without the claim at all, the real address grants nothing either.
    for claims in ({**ALICE, "email_verified": False}, {**ALICE, "email_verified": None}):
        at = signed_in(dash, claims)
        assert at.session_state[SESSION_KEY].role == "viewer"
    unmarked = {k: v for k, v in ALICE.items() if k != "email_verified"}
    assert signed_in(dash, unmarked).session_state[SESSION_KEY].role == "viewer"


def test_with_two_providers_each_rule_applies_where_it_says(dash: Dashboard) -> None:
    shared = {k: AUTH[k] for k in ("redirect_uri", "cookie_secret")}
    provider = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    dash.use_secrets(
        {
            "auth": {**shared, "okta": provider, "partners": provider},
            "sk_tracker": {"roles": {"okta": ROLES}},
        }
    )
    at = signed_in(dash, {**ALICE, "provider": "okta"})
    assert at.session_state[SESSION_KEY].role == "admin"
    at = signed_in(dash, {**ALICE, "provider": "partners"})
    assert at.session_state[SESSION_KEY].role == "viewer"
    # A rule that does not say which provider it is for stops with the reason.
    dash.use_secrets(
        {"auth": {**shared, "okta": provider, "partners": provider}, "sk_tracker": {"roles": ROLES}}
    )
    at = signed_in(dash, {**ALICE, "provider": "okta"})
    assert not at.exception
    (error,) = at.error
    assert "several providers" in error.value and SESSION_KEY not in at.session_state
