"""Who may do what after signing in to a shared dashboard.

A shared deployment signs people in through an identity provider (OpenID Connect) and
talks to the host with one shared token. What each person may do comes from a
mapping in the deployment's settings (``[sk_tracker.roles]``): their email or one of
their groups makes them an admin or a viewer. The effective role is the lower of
that and the shared token's own role, so a sign-in can take rights away from the
token, never add any.

Rules, in order (the first that matches decides):

1. an email listed in ``viewers`` → viewer (naming a person beats their groups);
2. an email listed in ``admins`` → admin;
3. a group listed in ``admin_groups`` → admin;
4. a group listed in ``viewer_groups`` → viewer;
5. anyone else → viewer, or refused when ``allow_unlisted = false``.

Emails compare case-insensitively and count only when the provider has not marked
them unverified (``email_verified = false``); groups compare exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tracker_core.access.policy import Role
from tracker_core.errors import PermissionDeniedError, SettingsError
from tracker_core.safe_text import clean_text

SECTION = "[sk_tracker.roles]"
_LIST_KEYS = ("admins", "viewers", "admin_groups", "viewer_groups")
_RANK: dict[Role, int] = {"viewer": 0, "admin": 1}


class SignInRefusedError(PermissionDeniedError):
    """A signed-in person this deployment does not let in."""


def lower_role(*roles: Role | None) -> Role:
    """The least of ``roles`` (``None`` means no limit); viewer when all are ``None``."""
    given = [r for r in roles if r is not None]
    if not given:
        return "viewer"
    return min(given, key=lambda r: _RANK[r])


def _names(key: str, value: object, *, emails: bool) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise SettingsError(f"{SECTION} {key} must be a list of strings")
    items: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise SettingsError(f"{SECTION} {key} must be a list of non-empty strings")
        items.append(item.strip().casefold() if emails else item.strip())
    return frozenset(items)


@dataclass(frozen=True)
class RoleRules:
    """The deployment's mapping from signed-in people to roles."""

    admins: frozenset[str] = frozenset()
    viewers: frozenset[str] = frozenset()
    admin_groups: frozenset[str] = frozenset()
    viewer_groups: frozenset[str] = frozenset()
    allow_unlisted: bool = True
    groups_claim: str = "groups"

    @classmethod
    def from_settings(cls, data: Mapping[str, object] | None) -> RoleRules:
        """Read ``[sk_tracker.roles]``; a missing section makes everyone a viewer.
        A wrong type or an unknown key (a typo would silently grant nothing) raises
        ``SettingsError`` naming it."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise SettingsError(f"{SECTION} must be a table")
        known = {*_LIST_KEYS, "allow_unlisted", "groups_claim"}
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            raise SettingsError(
                f"{SECTION} has unknown keys {', '.join(unknown)}; "
                f"expected {', '.join(sorted(known))}"
            )
        lists = {
            key: _names(key, data[key], emails=key in ("admins", "viewers"))
            for key in _LIST_KEYS
            if key in data
        }
        allow = data.get("allow_unlisted", True)
        if not isinstance(allow, bool):
            raise SettingsError(f"{SECTION} allow_unlisted must be true or false")
        claim = data.get("groups_claim", "groups")
        if not isinstance(claim, str) or not claim.strip():
            raise SettingsError(f"{SECTION} groups_claim must be a claim name")
        return cls(allow_unlisted=allow, groups_claim=claim.strip(), **lists)


@dataclass(frozen=True)
class SignedInUser:
    """The identity claims that matter here, taken from the provider's ID token."""

    subject: str | None = None
    email: str | None = None  # verified (or not marked unverified), casefolded
    name: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        """Who to name in the sidebar and the activity log."""
        return self.email or self.name or self.subject or "signed-in user"

    @property
    def key(self) -> str:
        """Stable identity for telling one signed-in person from another."""
        return f"{self.subject or ''}|{self.email or ''}"


def _text_claim(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = clean_text(value, max_len=320).strip()
    return cleaned or None


def _groups_claim(value: object) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return frozenset()
    return frozenset(g.strip() for g in value if isinstance(g, str) and g.strip())


def user_from_claims(claims: Mapping[str, object], groups_claim: str = "groups") -> SignedInUser:
    """The signed-in person from their claims (``st.user``). An email the provider
    marks unverified is not used: anyone could put someone else's address there."""
    email = _text_claim(claims.get("email"))
    verified = claims.get("email_verified", True)
    if verified is False or (isinstance(verified, str) and verified.lower() == "false"):
        email = None
    return SignedInUser(
        subject=_text_claim(claims.get("sub")),
        email=email.casefold() if email else None,
        name=_text_claim(claims.get("name")),
        groups=_groups_claim(claims.get(groups_claim)),
    )


def mapped_role(rules: RoleRules, user: SignedInUser) -> Role:
    """The role ``rules`` give ``user`` (rules in the module docstring). Raises
    ``SignInRefusedError`` for an unlisted person when unlisted people are refused."""
    if user.email is not None and user.email in rules.viewers:
        return "viewer"
    if user.email is not None and user.email in rules.admins:
        return "admin"
    if user.groups & rules.admin_groups:
        return "admin"
    if user.groups & rules.viewer_groups:
        return "viewer"
    if rules.allow_unlisted:
        return "viewer"
    raise SignInRefusedError(
        f"{user.label} is not listed for this dashboard; ask an admin to add you to {SECTION}"
    )
