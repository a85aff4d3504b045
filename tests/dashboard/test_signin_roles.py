"""The mapping from signed-in people to roles, and the "lower of two roles" rule."""

from __future__ import annotations

from typing import Any

import pytest

from tracker_core.access.role_rules import (
    RoleRules,
    SignInRefusedError,
    lower_role,
    mapped_role,
    user_from_claims,
)
from tracker_core.errors import PermissionDeniedError, SettingsError

RULES = RoleRules.from_settings(
    {
        "admins": ["Alice@Acme.example"],
        "viewers": ["mallory@acme.example"],
        "admin_groups": ["tracker-admins"],
        "viewer_groups": ["auditors"],
    }
)


def role(claims: dict[str, Any], rules: RoleRules = RULES) -> str:
    return mapped_role(rules, user_from_claims(claims, rules.groups_claim))


def test_lower_of_two_roles() -> None:
    assert lower_role("admin", "admin") == "admin"
    assert lower_role("admin", "viewer") == "viewer"
    assert lower_role("viewer", "admin") == "viewer"
    assert lower_role("admin", None) == "admin"  # no cap
    assert lower_role(None, None) == "viewer"  # nothing known: least rights


def test_listed_email_is_admin_case_insensitively() -> None:
    assert role({"sub": "1", "email": "alice@ACME.example"}) == "admin"


def test_admin_group_is_admin_and_viewer_group_is_viewer() -> None:
    assert role({"sub": "2", "email": "bob@acme.example", "groups": ["tracker-admins"]}) == "admin"
    assert role({"sub": "3", "email": "carol@acme.example", "groups": ["auditors"]}) == "viewer"
    # A provider that sends one group as a plain string.
    assert role({"sub": "2", "groups": "tracker-admins"}) == "admin"


def test_groups_compare_exactly() -> None:
    assert role({"sub": "2", "groups": ["Tracker-Admins", "tracker-admins-old"]}) == "viewer"


def test_naming_a_person_as_viewer_beats_their_admin_group() -> None:
    claims = {"sub": "4", "email": "mallory@acme.example", "groups": ["tracker-admins"]}
    assert role(claims) == "viewer"


def test_listed_in_both_lists_is_a_viewer() -> None:
    rules = RoleRules.from_settings({"admins": ["x@acme.example"], "viewers": ["X@acme.example"]})
    assert role({"sub": "5", "email": "x@acme.example"}, rules) == "viewer"


def test_an_unverified_email_grants_nothing() -> None:
    claims = {"sub": "6", "email": "alice@acme.example", "email_verified": False}
    assert role(claims) == "viewer"
    assert user_from_claims(claims).email is None
    assert role({**claims, "email_verified": "false"}) == "viewer"
    assert role({**claims, "email_verified": True}) == "admin"


def test_unlisted_people_are_viewers_or_refused() -> None:
    assert role({"sub": "7", "email": "eve@elsewhere.example"}) == "viewer"
    strict = RoleRules.from_settings({"admins": ["alice@acme.example"], "allow_unlisted": False})
    assert role({"sub": "1", "email": "alice@acme.example"}, strict) == "admin"
    with pytest.raises(SignInRefusedError, match=r"eve@elsewhere\.example is not listed") as err:
        role({"sub": "7", "email": "eve@elsewhere.example"}, strict)
    assert isinstance(err.value, PermissionDeniedError)


def test_no_roles_section_makes_everyone_a_viewer() -> None:
    assert (
        role({"sub": "1", "email": "alice@acme.example"}, RoleRules.from_settings(None)) == "viewer"
    )


def test_a_custom_groups_claim() -> None:
    rules = RoleRules.from_settings({"admin_groups": ["ops"], "groups_claim": "roles"})
    assert role({"sub": "8", "roles": ["ops"]}, rules) == "admin"
    assert role({"sub": "8", "groups": ["ops"]}, rules) == "viewer"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"admin": ["alice@acme.example"]}, "unknown keys admin"),
        ({"admins": "alice@acme.example"}, "admins must be a list of strings"),
        ({"admin_groups": ["ok", 3]}, "admin_groups must be a list of non-empty strings"),
        ({"viewers": [""]}, "viewers must be a list of non-empty strings"),
        ({"allow_unlisted": "no"}, "allow_unlisted must be true or false"),
        ({"groups_claim": ""}, "groups_claim must be a claim name"),
    ],
)
def test_a_bad_roles_section_is_one_clear_line(section: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as err:
        RoleRules.from_settings(section)
    assert "[sk_tracker.roles]" in str(err.value) and "\n" not in str(err.value)


def test_claims_are_cleaned_for_display() -> None:
    user = user_from_claims({"sub": "9", "name": "Eve\x1b[31m <b>x</b>\n", "email_verified": True})
    assert user.label == "Eve <b>x</b>"
    assert user_from_claims({"sub": "9"}).label == "9"
