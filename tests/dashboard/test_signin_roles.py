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


def verified(email: str, **claims: Any) -> dict[str, Any]:
    return {"sub": "s-1", "email": email, "email_verified": True, **claims}


def test_lower_of_two_roles() -> None:
    assert lower_role("admin", "admin") == "admin"
    assert lower_role("admin", "viewer") == "viewer"
    assert lower_role("viewer", "admin") == "viewer"
    assert lower_role("admin", None) == "admin"  # no cap
    assert lower_role(None, None) == "viewer"  # nothing known: least rights


def test_listed_email_is_admin_case_insensitively() -> None:
    assert role(verified("alice@ACME.example")) == "admin"


def test_admin_group_is_admin_and_viewer_group_is_viewer() -> None:
    assert role(verified("bob@acme.example", groups=["tracker-admins"])) == "admin"
    assert role(verified("carol@acme.example", groups=["auditors"])) == "viewer"
    # A provider that sends one group as a plain string.
    assert role({"sub": "2", "groups": "tracker-admins"}) == "admin"


def test_groups_compare_exactly() -> None:
    assert role({"sub": "2", "groups": ["Tracker-Admins", "tracker-admins-old"]}) == "viewer"


def test_naming_a_person_as_viewer_beats_their_admin_group() -> None:
    assert role(verified("mallory@acme.example", groups=["tracker-admins"])) == "viewer"


def test_listed_in_both_lists_is_a_viewer() -> None:
    rules = RoleRules.from_settings({"admins": ["x@acme.example"], "viewers": ["X@acme.example"]})
    assert role(verified("x@acme.example"), rules) == "viewer"


@pytest.mark.parametrize("flag", [False, "false", "true", 1, None, "missing"])
def test_an_email_not_marked_verified_grants_nothing(flag: object) -> None:
    claims: dict[str, Any] = {"sub": "6", "email": "alice@acme.example", "email_verified": flag}
    if flag == "missing":
        del claims["email_verified"]
    assert role(claims) == "viewer"
    assert user_from_claims(claims).email is None
    assert role({**claims, "email_verified": True}) == "admin"


def test_missing_claims_grant_nothing_and_still_name_the_person() -> None:
    assert role({}) == "viewer"
    assert role({"email_verified": True}) == "viewer"
    assert user_from_claims({}).label == "signed-in user"
    strict = RoleRules.from_settings({"admins": ["alice@acme.example"], "allow_unlisted": False})
    with pytest.raises(SignInRefusedError, match="signed-in user is not listed"):
        role({"email_verified": True}, strict)


def test_unlisted_people_are_viewers_or_refused() -> None:
    assert role({"sub": "7", "email": "eve@elsewhere.example"}) == "viewer"
    strict = RoleRules.from_settings({"admins": ["alice@acme.example"], "allow_unlisted": False})
    assert role(verified("alice@acme.example"), strict) == "admin"
    with pytest.raises(SignInRefusedError, match=r"eve@elsewhere\.example is not listed") as err:
        role(verified("eve@elsewhere.example"), strict)
    assert isinstance(err.value, PermissionDeniedError)


def test_no_roles_section_makes_everyone_a_viewer() -> None:
    assert role(verified("alice@acme.example"), RoleRules.from_settings(None)) == "viewer"


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
        ({"admins": ["bo\u200bss@acme.example"]}, "without invisible characters"),
        ({"admin_subjects": ["https://idp|1"]}, "admin_subjects must be a list of"),
        ({"admin_subjects": [{"issuer": "https://idp"}]}, "admin_subjects must be a list of"),
        ({"okta": {"admins": ["a@acme.example"]}}, r"\[sk_tracker.roles.okta\] names no"),
        ({"all": {"admin": ["a@acme.example"]}}, "has unknown keys admin"),
        ({"allow_unlisted": "no"}, "allow_unlisted must be true or false"),
        ({"groups_claim": ""}, "groups_claim must be a claim name"),
    ],
)
def test_a_bad_roles_section_is_one_clear_line(section: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as err:
        RoleRules.from_settings(section)
    assert "[sk_tracker.roles" in str(err.value) and "\n" not in str(err.value)


def test_claims_are_cleaned_for_display() -> None:
    user = user_from_claims({"sub": "9", "name": "Eve\x1b[31m <b>x</b>\n", "email_verified": True})
    assert user.label == "Eve <b>x</b>"
    assert user_from_claims({"sub": "9"}).label == "9"


# An address that looks like the admin's: zero-width space, joiner, soft hyphen, bidi
# override, tag character, a line break, a non-breaking space, an escape sequence.
SPOOFS = [
    "bo\u200bss@acme.example",
    "bo\u200dss@acme.example",
    "bo\u00adss@acme.example",
    "\u202eboss@acme.example",
    "boss@acme.example\U000e0041",
    "boss@acme.example\n",
    "boss@acme.example\u00a0",
    "\x1b[0mboss@acme.example",
]


@pytest.mark.parametrize("email", SPOOFS)
def test_a_spoofed_email_matches_no_rule_and_is_shown_escaped(email: str) -> None:
    rules = RoleRules.from_settings({"admins": ["boss@acme.example"], "allow_unlisted": False})
    assert role(verified("boss@acme.example"), rules) == "admin"
    user = user_from_claims(verified(email))
    assert user.email is None
    with pytest.raises(SignInRefusedError) as err:
        mapped_role(rules, user)
    assert user.label != "boss@acme.example" and "\\" in user.label
    assert user.label.isprintable() and user.label in str(err.value)
    assert role(verified(email, groups=["tracker-admins"])) == "admin"  # groups still count


def test_a_stripped_or_padded_claim_is_not_matched() -> None:
    assert role(verified(" alice@acme.example")) == "viewer"
    assert role(verified("alice@acme.example.")) == "viewer"
    assert role({"sub": "2", "groups": ["tracker-admins\u200b", " tracker-admins"]}) == "viewer"


def test_shown_escapes_cannot_be_faked_with_backslashes() -> None:
    real = user_from_claims(verified("bo\u200bss@acme.example")).label
    fake = user_from_claims(verified("bo\\u200bss@acme.example")).label
    assert real == "bo\\u200bss@acme.example" and fake != real


ISSUER = "https://login.acme.example"


def test_issuer_subject_pairs_name_people_whatever_their_email() -> None:
    rules = RoleRules.from_settings(
        {
            "admin_subjects": [{"issuer": ISSUER, "subject": "248289761001"}],
            "viewer_subjects": [{"issuer": ISSUER, "subject": "666"}],
            "admin_groups": ["tracker-admins"],
        }
    )
    assert role({"iss": ISSUER, "sub": "248289761001"}, rules) == "admin"
    # The same subject from another issuer is someone else.
    assert role({"iss": "https://other.example", "sub": "248289761001"}, rules) == "viewer"
    # A pair listed as viewer beats an admin group.
    assert role({"iss": ISSUER, "sub": "666", "groups": ["tracker-admins"]}, rules) == "viewer"
    assert role({"iss": ISSUER, "sub": "24828976100\u200b1"}, rules) == "viewer"


TWO = ("default", "partners")


def test_with_several_providers_a_rule_applies_to_the_provider_it_names() -> None:
    rules = RoleRules.from_settings(
        {
            "default": {"admins": ["boss@acme.example"], "admin_groups": ["tracker-admins"]},
            "partners": {"viewers": ["guest@partner.example"]},
            "all": {"admin_subjects": [{"issuer": ISSUER, "subject": "42"}]},
        },
        TWO,
    )
    assert role(verified("boss@acme.example", provider="default"), rules) == "admin"
    # The partners' provider lets anyone claim the boss's (verified) address.
    assert role(verified("boss@acme.example", provider="partners"), rules) == "viewer"
    assert role(verified("x@p.example", provider="partners", groups=["tracker-admins"]), rules) == (
        "viewer"
    )
    assert role({"provider": "partners", "iss": ISSUER, "sub": "42"}, rules) == "admin"
    assert role({"provider": "default", "iss": ISSUER, "sub": "42"}, rules) == "admin"
    assert role(verified("boss@acme.example"), rules) == "viewer"  # no provider: "all" only


def test_with_several_providers_an_unscoped_rule_is_refused() -> None:
    with pytest.raises(SettingsError, match=r"several providers \(default, partners\)"):
        RoleRules.from_settings({"admins": ["boss@acme.example"]}, TWO)
    # With one provider the plain lists apply to it.
    one = RoleRules.from_settings({"admins": ["boss@acme.example"]}, ("okta",))
    assert role(verified("boss@acme.example", provider="okta"), one) == "admin"
