"""Every error the library raises, as one typed hierarchy.

``str(error)`` is always a single line meant for a user: no traceback, no token,
no raw host body. Faces (CLI, dashboard, notebook) map these to exit codes or
messages in one place each.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base of every error raised by ``tracker_core``. ``exit_code`` is for the CLI."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        # Collapse to one line: messages are shown verbatim by every face.
        super().__init__(" ".join(str(message).split()))

    @property
    def message(self) -> str:
        return str(self)


class UsageError(TrackerError):
    """The caller asked for something that cannot make sense (bad flags, bad values)."""

    exit_code = 2


class SettingsError(TrackerError):
    """A required setting is missing or invalid; the message names the variable."""


class StoreError(TrackerError):
    """The history store cannot be opened, migrated, read or written. The message
    names the store's URL with any password masked."""


# --- local files -------------------------------------------------------------------


class ConfigError(TrackerError):
    """A `.kittify/config.yaml` that cannot be used: unparseable, not a mapping,
    wrong types or too large. It is reported and never overwritten."""

    def __init__(self, path: object, reason: str, *, code: str = "invalid") -> None:
        self.path = str(path)
        self.reason = " ".join(reason.split())
        # short machine-readable cause, shown in audit states (``misconfigured:<code>``)
        self.code = code
        super().__init__(f"{self.path}: {self.reason}")


class ConfigConflictError(TrackerError):
    """The config changed on disk since it was read; the write was refused."""

    def __init__(self, path: object) -> None:
        self.path = str(path)
        super().__init__(
            f"{self.path} changed on disk since it was read; nothing was written "
            "(read it again and retry)"
        )


class ConfigNotWrittenError(TrackerError):
    """The host holds a new binding but the repo's config could not be written
    (permissions, disk, a changed project identity). Names the ``binding_ref`` and the
    command that finishes the job once the cause is fixed; ``project_uuid`` is the
    identity the bind derived and the host bound, when the file had none (pass it to
    ``bind(..., bind_ref=..., project_uuid=...)``)."""

    def __init__(
        self,
        repo: object,
        provider: str,
        binding_ref: str,
        reason: str,
        command: str,
        *,
        project_uuid: str | None = None,
    ) -> None:
        self.repo = str(repo)
        self.project_uuid = project_uuid
        self.provider = provider
        self.binding_ref = binding_ref
        self.reason = " ".join(reason.split())
        self.command = command
        self.detail = f"bound on host, config not written: {self.reason}"
        super().__init__(
            f"{self.repo}: bound on the host as {binding_ref}, but the config was not "
            f"written ({self.reason}); once that is fixed, finish with: {command}"
        )


class PathNotAllowedError(TrackerError):
    """A write was aimed outside the allowed roots (or through a symlink out of them)."""


class PermissionDeniedError(TrackerError):
    """The signed-in role may not perform a mutating action."""


# --- binding flows -----------------------------------------------------------------


class BindError(TrackerError):
    """A bind could not proceed (no candidates, selection out of range, declined...)."""


class NoCandidatesError(BindError):
    pass


class SelectionOutOfRangeError(BindError):
    exit_code = 1


# --- host --------------------------------------------------------------------------


class HostError(TrackerError):
    """An error answered by (or about) the SaaS host. ``host_says`` is what the host
    itself said (its ``message`` or ``guidance``, already cleaned to plain text): it is
    shown after the tool's own sentence and fix, so the user sees both."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_code: str | None = None,
        retryable: bool = False,
        user_action_required: bool = False,
        host_says: str = "",
    ) -> None:
        self.host_says = " ".join(host_says.split())
        said = self.host_says and self.host_says not in message
        super().__init__(f"{message} — host says: {self.host_says}" if said else message)
        self.status_code = status_code
        self.error_code = error_code
        self.retryable = retryable
        self.user_action_required = user_action_required


class AuthError(HostError):
    """401: the token is missing, expired or unknown."""


class ForbiddenError(HostError):
    """403 ``forbidden``: the role may not do this."""


class TeamForbiddenError(ForbiddenError):
    """403 ``forbidden`` because ``X-Team-Slug`` is not the token's team."""


class NoInstallationError(HostError):
    """403 ``no_installation``: the tracker is not connected for this team."""

    def __init__(self, message: str, *, provider: str | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.provider = provider


class UnknownProviderError(HostError):
    """400 ``unknown_provider``."""


class RateLimitedError(HostError):
    """429 after the retry budget was spent."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class InvalidCandidateTokenError(HostError):
    """400 ``invalid_candidate_token``: expired or already consumed."""


class AlreadyBoundError(HostError):
    """409 ``already_bound``: the resource is bound to another project."""


class IdempotencyError(HostError):
    """400 ``idempotency_key_required`` / 422 ``idempotency_key_reused``."""


class HostRequestError(HostError):
    """Any other 4xx the host answered (request validation and unknown codes)."""


class StaleBindingError(HostError):
    """The ``binding_ref`` does not route: never issued, another provider's, deleted,
    disabled or owned by another project. Never silently replaced by the legacy
    ``project_slug``. ``actual_provider`` is the provider the ref belongs to, when the
    host said (``provider_mismatch``)."""

    REASONS = (
        "binding_not_found",
        "provider_mismatch",
        "mapping_deleted",
        "mapping_disabled",
        "project_mismatch",
    )

    def __init__(
        self,
        *,
        binding_ref: str,
        reason: str,
        provider: str,
        status_code: int | None = None,
        error_code: str | None = None,
        host_says: str = "",
        actual_provider: str | None = None,
    ) -> None:
        self.binding_ref = binding_ref
        self.reason = reason
        self.provider = provider
        self.actual_provider = actual_provider
        rebind = f"re-bind with: sk-tracker bind --provider {provider}"
        if reason == "binding_not_found":
            fix = f"bind with: sk-tracker bind --provider {provider}"
            text = f"no binding {binding_ref} on the host; {fix}"
        elif reason == "provider_mismatch" and actual_provider and actual_provider != provider:
            text = f"{binding_ref} is a {actual_provider} binding; use --provider {actual_provider}"
        elif reason == "provider_mismatch":
            text = f"{binding_ref} is not a {provider} binding; check --provider"
        else:
            what = {
                "mapping_deleted": "was deleted on the host",
                "mapping_disabled": "is disabled on the host",
                "project_mismatch": "belongs to another project",
            }.get(reason, f"is no longer valid ({reason})")
            text = f"binding {binding_ref} {what}; {rebind}"
        super().__init__(
            text,
            status_code=status_code,
            error_code=error_code,
            user_action_required=True,
            host_says=host_says,
        )


class HostUnavailableError(HostError):
    """5xx, connection errors and timeouts that outlasted the retry budget."""


class ProtocolError(HostError):
    """The host answered something that is not the contract (non-JSON, wrong shape)."""


# --- git remotes -------------------------------------------------------------------


class RemoteError(TrackerError):
    """A git remote could not be read or written; the message is git's own one-line
    reason (credentials redacted)."""


class PushRejectedError(RemoteError):
    """The remote refused a pushed binding. The host binding was already made: the
    message says which, and the command that finishes the job."""

    def __init__(self, message: str, *, binding_ref: str | None = None, finish: str = "") -> None:
        super().__init__(message)
        self.binding_ref = binding_ref
        self.finish = finish
