"""Who may do what after signing in to a shared dashboard.

A shared deployment signs people in through one or more identity providers (OpenID
Connect, ``[auth]`` or ``[auth.<name>]`` in the app's secrets) and talks to the host
with one shared token. What each person may do comes from ``[sk_tracker.roles]``:
their sign-in, email or one of their groups makes them an admin or a viewer. The
effective role is the lower of that and the shared token's own role, so a sign-in
can take rights away from the token, never add any.

Rules, in order (the first that matches decides; naming a person beats their groups,
and a viewer listing beats an admin listing at the same level):

1. an ``(issuer, subject)`` pair in ``viewer_subjects`` → viewer;
2. an ``(issuer, subject)`` pair in ``admin_subjects`` → admin;
3. an email in ``viewers`` → viewer;
4. an email in ``admins`` → admin;
5. a group in ``admin_groups`` → admin;
6. a group in ``viewer_groups`` → viewer;
7. anyone else → viewer, or refused when ``allow_unlisted = false``.

Claims are matched as the provider sent them, never after removing characters:
emails compare casefolded, subjects, issuers and groups exactly. An email counts only
when the provider says ``email_verified: true`` (a missing or any other value means
unverified: some providers let users type any address). A claim holding a control or
invisible character (zero-width, bidi, tag characters...) matches no rule, and is
shown with those characters escaped.

With one provider, the lists in ``[sk_tracker.roles]`` apply to it. With several,
each rule says where it applies: ``[sk_tracker.roles.<name>]`` for sign-ins through
``[auth.<name>]`` (``default`` for the unnamed ``[auth]`` provider), or
``[sk_tracker.roles.all]`` for every provider.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tracker_core.access.policy import Role
from tracker_core.errors import PermissionDeniedError, SettingsError
from tracker_core.safe_text import clean_text, escape_hidden, has_hidden

SECTION = "[sk_tracker.roles]"
ALL_PROVIDERS = "all"
DEFAULT_PROVIDER = "default"  # Streamlit's name for the provider set in [auth] itself
_NAME_LISTS = ("admins", "viewers", "admin_groups", "viewer_groups")
_SUBJECT_LISTS = ("admin_subjects", "viewer_subjects")
_RULE_KEYS = (*_NAME_LISTS, *_SUBJECT_LISTS)
_RANK: dict[Role, int] = {"viewer": 0, "admin": 1}

Subject = tuple[str, str]  # (issuer, subject)


class SignInRefusedError(PermissionDeniedError):
    """A signed-in person this deployment does not let in."""


def lower_role(*roles: Role | None) -> Role:
    """The least of ``roles`` (``None`` means no limit); viewer when all are ``None``."""
    given = [r for r in roles if r is not None]
    if not given:
        return "viewer"
    return min(given, key=lambda r: _RANK[r])


def _setting_text(where: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip() or has_hidden(value):
        raise SettingsError(
            f"{where} must be a list of non-empty strings without invisible characters"
        )
    return value.strip()


def _list(where: str, value: object) -> list[object]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise SettingsError(f"{where} must be a list of strings")
    return list(value)


def _names(where: str, value: object, *, emails: bool) -> frozenset[str]:
    items = [_setting_text(where, item) for item in _list(where, value)]
    return frozenset(i.casefold() if emails else i for i in items)


def _subjects(where: str, value: object) -> frozenset[Subject]:
    pairs: set[Subject] = set()
    for item in _list(where, value):
        if not isinstance(item, Mapping) or set(item) != {"issuer", "subject"}:
            raise SettingsError(
                f'{where} must be a list of {{ issuer = "…", subject = "…" }} tables'
            )
        pairs.add((_setting_text(where, item["issuer"]), _setting_text(where, item["subject"])))
    return frozenset(pairs)


@dataclass(frozen=True)
class RuleSet:
    """The rules that apply to one provider's sign-ins."""

    admins: frozenset[str] = frozenset()
    viewers: frozenset[str] = frozenset()
    admin_groups: frozenset[str] = frozenset()
    viewer_groups: frozenset[str] = frozenset()
    admin_subjects: frozenset[Subject] = frozenset()
    viewer_subjects: frozenset[Subject] = frozenset()

    @classmethod
    def parse(cls, where: str, data: Mapping[str, object]) -> RuleSet:
        return cls(
            admins=_names(f"{where} admins", data.get("admins", ()), emails=True),
            viewers=_names(f"{where} viewers", data.get("viewers", ()), emails=True),
            admin_groups=_names(
                f"{where} admin_groups", data.get("admin_groups", ()), emails=False
            ),
            viewer_groups=_names(
                f"{where} viewer_groups", data.get("viewer_groups", ()), emails=False
            ),
            admin_subjects=_subjects(f"{where} admin_subjects", data.get("admin_subjects", ())),
            viewer_subjects=_subjects(f"{where} viewer_subjects", data.get("viewer_subjects", ())),
        )

    def __or__(self, other: RuleSet) -> RuleSet:
        return RuleSet(
            admins=self.admins | other.admins,
            viewers=self.viewers | other.viewers,
            admin_groups=self.admin_groups | other.admin_groups,
            viewer_groups=self.viewer_groups | other.viewer_groups,
            admin_subjects=self.admin_subjects | other.admin_subjects,
            viewer_subjects=self.viewer_subjects | other.viewer_subjects,
        )


@dataclass(frozen=True)
class RoleRules:
    """The deployment's mapping from signed-in people to roles, per provider."""

    scopes: Mapping[str, RuleSet] = field(default_factory=dict)  # provider name or "all"
    allow_unlisted: bool = True
    groups_claim: str = "groups"

    def for_provider(self, provider: str | None) -> RuleSet:
        """The rules for sign-ins through ``provider``: its own and the ``all`` ones."""
        rules = self.scopes.get(ALL_PROVIDERS, RuleSet())
        if provider is not None and provider != ALL_PROVIDERS:
            rules = rules | self.scopes.get(provider, RuleSet())
        return rules

    @classmethod
    def from_settings(
        cls, data: Mapping[str, object] | None, providers: Sequence[str] = (DEFAULT_PROVIDER,)
    ) -> RoleRules:
        """Read ``[sk_tracker.roles]`` for the identity ``providers`` configured; a
        missing section makes everyone a viewer. A wrong type, an unknown key or
        provider (a typo would silently grant nothing), or a rule that does not say
        which of several providers it is for raises ``SettingsError`` naming it."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise SettingsError(f"{SECTION} must be a table")
        scoped = {k: v for k, v in data.items() if isinstance(v, Mapping)}
        known = {*_RULE_KEYS, "allow_unlisted", "groups_claim"}
        unknown = sorted(str(k) for k in data if k not in known and k not in scoped)
        if unknown:
            raise SettingsError(
                f"{SECTION} has unknown keys {', '.join(unknown)}; "
                f"expected {', '.join(sorted(known))} or a table per provider"
            )
        scopes: dict[str, RuleSet] = {}
        top = {k: v for k, v in data.items() if k in _RULE_KEYS}
        if top and len(providers) > 1:
            raise SettingsError(
                f"{SECTION} lists {', '.join(sorted(top))} but [auth] has several providers "
                f"({', '.join(providers)}): put each rule under [sk_tracker.roles.<provider>], "
                "or [sk_tracker.roles.all] for every provider"
            )
        if top:
            scopes[ALL_PROVIDERS] = RuleSet.parse(SECTION, top)
        for name, table in scoped.items():
            where = f"[sk_tracker.roles.{name}]"
            if name != ALL_PROVIDERS and name not in providers:
                raise SettingsError(
                    f"{where} names no provider in [auth]; expected one of "
                    f"{', '.join([*providers, ALL_PROVIDERS])}"
                )
            extra = sorted(str(k) for k in table if k not in _RULE_KEYS)
            if extra:
                raise SettingsError(f"{where} has unknown keys {', '.join(extra)}")
            scopes[name] = scopes.get(name, RuleSet()) | RuleSet.parse(where, table)
        allow = data.get("allow_unlisted", True)
        if not isinstance(allow, bool):
            raise SettingsError(f"{SECTION} allow_unlisted must be true or false")
        claim = data.get("groups_claim", "groups")
        if not isinstance(claim, str) or not claim.strip():
            raise SettingsError(f"{SECTION} groups_claim must be a claim name")
        return cls(scopes=scopes, allow_unlisted=allow, groups_claim=claim.strip())


@dataclass(frozen=True)
class SignedInUser:
    """The identity claims that matter here, taken from the provider's ID token.

    ``email``, ``issuer``, ``subject`` and ``groups`` are what rules match: exactly as
    sent (the email casefolded and only when verified), ``None`` or left out when the
    claim holds hidden characters. ``shown`` is how the person is named on screen."""

    provider: str | None = None
    issuer: str | None = None
    subject: str | None = None
    email: str | None = None
    name: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)
    shown: str = "signed-in user"

    @property
    def label(self) -> str:
        """Who to name in the sidebar and the activity log."""
        return self.shown

    @property
    def key(self) -> str:
        """Stable identity for telling one signed-in person from another."""
        return "|".join(
            (self.provider or "", self.issuer or "", self.subject or "", self.email or "")
        )


def _claim(value: object) -> str | None:
    """A text claim as sent, or ``None`` when it is missing, empty or hides characters."""
    if not isinstance(value, str) or not value or has_hidden(value):
        return None
    return value


def _groups(value: object) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return frozenset()
    return frozenset(g for g in value if _claim(g) is not None)


def _shown(email: object, verified: bool, name: object, subject: object) -> str:
    if verified and isinstance(email, str) and email:
        return escape_hidden(email, max_len=320)
    if isinstance(name, str) and clean_text(name):
        return clean_text(name, max_len=320)
    if isinstance(subject, str) and subject:
        return escape_hidden(subject, max_len=320)
    return "signed-in user"


def user_from_claims(claims: Mapping[str, object], groups_claim: str = "groups") -> SignedInUser:
    """The signed-in person from their claims (``st.user``: the ID token's claims and
    ``provider``, the ``[auth.<name>]`` they signed in through)."""
    raw_email = claims.get("email")
    verified = claims.get("email_verified") is True
    email = _claim(raw_email) if verified else None
    return SignedInUser(
        provider=_claim(claims.get("provider")),
        issuer=_claim(claims.get("iss")),
        subject=_claim(claims.get("sub")),
        email=email.casefold() if email else None,
        name=clean_text(claims.get("name"), max_len=320) or None,
        groups=_groups(claims.get(groups_claim)),
        shown=_shown(raw_email, verified, claims.get("name"), claims.get("sub")),
    )


def mapped_role(rules: RoleRules, user: SignedInUser) -> Role:
    """The role ``rules`` give ``user`` (rules in the module docstring). Raises
    ``SignInRefusedError`` for an unlisted person when unlisted people are refused."""
    applied = rules.for_provider(user.provider)
    pair = (user.issuer, user.subject) if user.issuer and user.subject else None
    if pair is not None and pair in applied.viewer_subjects:
        return "viewer"
    if pair is not None and pair in applied.admin_subjects:
        return "admin"
    if user.email is not None and user.email in applied.viewers:
        return "viewer"
    if user.email is not None and user.email in applied.admins:
        return "admin"
    if user.groups & applied.admin_groups:
        return "admin"
    if user.groups & applied.viewer_groups:
        return "viewer"
    if rules.allow_unlisted:
        return "viewer"
    raise SignInRefusedError(
        f"{user.label} is not listed for this dashboard; ask an admin to add you to {SECTION}"
    )
