"""Sign-in for a shared deployment, through Streamlit's built-in OpenID Connect
(``st.login`` / ``st.user`` / ``st.logout``).

With an ``[auth]`` section in the app's secrets, a visitor sees the sign-in screen
and nothing else until signed in; the role then comes from ``[sk_tracker.roles]``
(``tracker_core.access.role_rules``) and can only be lowered further by the host's answer for
the shared token. Without ``[auth]`` this module does nothing and the dashboard is a
local single-user app, as before.

Secrets are read through ``st.secrets`` on every run (never cached), and a secrets
file that exists but cannot be read stops the app rather than opening it without
sign-in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import streamlit as st
from streamlit.errors import StreamlitAuthError, StreamlitSecretNotFoundError

from tracker_core.access.policy import Role
from tracker_core.access.role_rules import (
    DEFAULT_PROVIDER,
    RoleRules,
    SignedInUser,
    mapped_role,
    user_from_claims,
)
from tracker_core.errors import SettingsError, TrackerError

from .text import error_line, md_text


@dataclass(frozen=True)
class SignIn:
    """A person signed in through the identity provider, and the role the mapping
    gives them (before the host's role for the shared token lowers it)."""

    user: SignedInUser
    role: Role


def _secrets() -> dict[str, Any]:
    try:
        return dict(st.secrets.to_dict())
    except StreamlitSecretNotFoundError as exc:
        if getattr(exc, "error_id", None) == "no-secrets-found":
            return {}
        # Fail closed: a broken secrets file must not turn sign-in off.
        raise SettingsError(
            "the app's secrets file cannot be read, so sign-in cannot be checked; "
            "fix .streamlit/secrets.toml"
        ) from None


def auth_section() -> dict[str, Any] | None:
    """The ``[auth]`` secrets section, or ``None`` when sign-in is not configured."""
    auth = _secrets().get("auth")
    if auth is None:
        return None
    if not isinstance(auth, Mapping):
        raise SettingsError("[auth] in the app's secrets must be a table")
    return dict(auth)


def providers(auth: Mapping[str, Any]) -> list[str | None]:
    """The identity providers ``[auth]`` configures: ``None`` for the unnamed one
    (settings directly in ``[auth]``), then each ``[auth.<name>]``."""
    found: list[str | None] = [None] if "client_id" in auth else []
    found += [k for k, v in auth.items() if isinstance(v, Mapping) and "client_id" in v]
    if not found:
        raise SettingsError(
            "[auth] names no identity provider: set client_id, client_secret and "
            "server_metadata_url in [auth] or in an [auth.<name>] table"
        )
    return found


def rules(auth: Mapping[str, Any]) -> RoleRules:
    """``[sk_tracker.roles]`` for the providers ``[auth]`` configures (the unnamed one
    is Streamlit's ``default``)."""
    section = _secrets().get("sk_tracker")
    roles = section.get("roles") if isinstance(section, Mapping) else None
    names = [p or DEFAULT_PROVIDER for p in providers(auth)]
    return RoleRules.from_settings(roles, names)


def _claims() -> dict[str, Any]:
    try:
        return dict(st.user.to_dict())
    except Exception:  # a runtime without st.user: nobody is signed in
        return {}


def signed_out() -> bool:
    """Sign-in is configured and this visitor has not signed in (the app hides its
    page list then). A broken configuration also counts: it shows nothing."""
    try:
        return auth_section() is not None and not _claims().get("is_logged_in")
    except TrackerError:
        return True


def sign_out_button() -> None:
    """Ends the sign-in (and the provider's session, when it supports that)."""
    if st.button("Sign out", key="sign_out", icon=":material/logout:"):
        st.logout()


def _stop_with(message: str) -> NoReturn:
    st.error(message)
    if _claims().get("is_logged_in"):
        sign_out_button()
    st.stop()
    raise AssertionError("st.stop() returned")  # for type checkers: st.stop never returns


def _sign_in_screen(auth: Mapping[str, Any]) -> NoReturn:
    st.title("sk-tracker")
    st.subheader("Sign in")
    st.markdown(
        "This dashboard shows the tracker bindings of a whole team. "
        "Sign in with your organisation's account to continue."
    )
    for provider in providers(auth):
        label = "Sign in" if provider is None else f"Sign in with {md_text(provider)}"
        if st.button(
            label, key=f"sign_in_{provider or 'default'}", type="primary", icon=":material/login:"
        ):
            try:
                st.login(provider)
            except StreamlitAuthError as exc:
                st.error(f"Sign-in is misconfigured: {md_text(str(exc))}")
    st.stop()
    raise AssertionError("st.stop() returned")


def require_sign_in() -> SignIn | None:
    """``None`` when sign-in is not configured. Otherwise the signed-in person and
    their mapped role; a visitor who has not signed in gets the sign-in screen, and a
    refused person or a broken configuration one clear line, and the run stops."""
    try:
        auth = auth_section()
        if auth is None:
            return None
        claims = _claims()
        if not claims.get("is_logged_in"):
            _sign_in_screen(auth)
        role_rules = rules(auth)
        user = user_from_claims(claims, role_rules.groups_claim)
        return SignIn(user=user, role=mapped_role(role_rules, user))
    except TrackerError as exc:
        _stop_with(error_line(exc))
