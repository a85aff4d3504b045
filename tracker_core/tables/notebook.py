"""The notebook face: ``connect()`` to a host and get every view as a pandas DataFrame.

    from tracker_core.tables.notebook import connect, style

    ws = connect()                      # same settings as the CLI: env vars + settings file
    style(ws.audit())                   # every repo under the repo roots, coloured by state
    ws.stale()                          # the repos whose binding_ref no longer routes
    ws.rebind("/path/to/repo", select=1)

Frames have fixed columns and dtypes (``tracker_core.tables.frames`` and the ``*_COLUMNS``
dicts below); an empty installation or an empty folder gives an empty frame with the
same columns. Mutating calls (``bind``, ``rebind``, ``apply_upgrades``) run the same
flows as the CLI and check the signed-in role first: the role comes from the host's
``/me`` (else the ``SK_TRACKER_ROLE`` setting) and writes go only under the allowed
roots. Errors are ``TrackerError`` subclasses with one-line messages.

Host text (labels, workspace names, reasons) is kept as sent in the frames; ``style``
cleans and HTML-escapes it for display, so hostile labels render as inert text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from tracker_core.access.policy import Role
from tracker_core.access.settings import load_settings
from tracker_core.config.config_io import load_config
from tracker_core.errors import (
    BindError,
    NoCandidatesError,
    UsageError,
)
from tracker_core.flows.audit import AuditReport, UpgradeResult, split_roots
from tracker_core.flows.binding import BindOutcome, ChooseFn, ExistingBinding, prepare
from tracker_core.flows.history import History, parse_since
from tracker_core.flows.session import Session, open_session
from tracker_core.host.wire import Candidate
from tracker_core.providers import normalize_provider
from tracker_core.safe_text import clean_text
from tracker_core.tables import frames, health, history_frames
from tracker_core.tables.style import style

CANDIDATE_COLUMNS: dict[str, str] = {
    "number": "int64",
    "display_label": "string",
    "confidence": "category",
    "match_reason": "string",
    "exact": "bool",
}

UPGRADE_COLUMNS: dict[str, str] = {
    "repo": "string",
    "name": "string",
    "binding_ref": "string",
    "ok": "bool",
    "error": "string",
}

_CONFIDENCES = ["high", "medium", "low"]

PathLike = str | Path
Since = str | date | datetime | None
Roots = PathLike | Sequence[PathLike] | None
Providers = str | Sequence[str] | None


def _since(since: Since) -> datetime | None:
    if since is None:
        return None
    if isinstance(since, datetime):
        return since if since.tzinfo else since.replace(tzinfo=UTC)
    if isinstance(since, date):
        return datetime.combine(since, time(), tzinfo=UTC)
    return parse_since(since)


def _typed_frame(columns: dict[str, str], data: dict[str, list[Any]]) -> pd.DataFrame:
    out: dict[str, Any] = {}
    dtype: Any
    for name, dtype in columns.items():
        out[name] = pd.Series(data.get(name, []), dtype="object").astype(dtype)
    return pd.DataFrame(out, columns=list(columns))


def _provider_list(providers: Providers) -> list[str] | None:
    if providers is None:
        return None
    names = [providers] if isinstance(providers, str) else list(providers)
    return [normalize_provider(p) for p in names]


def _repo_path(repo: PathLike) -> Path:
    path = Path(repo).expanduser()
    if not path.is_dir():
        raise UsageError(f"repo {repo} is not a folder")
    return path


def candidates_frame(candidates: Sequence[Candidate], exact_label: str | None) -> pd.DataFrame:
    """A resolve as a frame: the exact match (if any) first, then the numbered
    candidates that ``select=N`` picks from."""
    data: dict[str, list[Any]] = {name: [] for name in CANDIDATE_COLUMNS}
    if exact_label is not None:
        data["number"].append(0)
        data["display_label"].append(exact_label)
        data["confidence"].append("high")
        data["match_reason"].append("exact match: bind() picks it without a selection")
        data["exact"].append(True)
    for cand in sorted(candidates, key=lambda c: c.sort_position):
        data["number"].append(cand.sort_position + 1)
        data["display_label"].append(cand.display_label)
        data["confidence"].append(cand.confidence)
        data["match_reason"].append(cand.match_reason)
        data["exact"].append(False)
    frame = _typed_frame(CANDIDATE_COLUMNS, data)
    frame["confidence"] = frame["confidence"].cat.set_categories(_CONFIDENCES)
    return frame


def upgrades_frame(results: Iterable[UpgradeResult]) -> pd.DataFrame:
    data: dict[str, list[Any]] = {name: [] for name in UPGRADE_COLUMNS}
    for r in results:
        data["repo"].append(str(r.repo))
        data["name"].append(r.name or r.repo.name)
        data["binding_ref"].append(r.binding_ref)
        data["ok"].append(r.ok)
        data["error"].append(r.error)
    return _typed_frame(UPGRADE_COLUMNS, data)


class Workspace(Session):
    """A signed-in session (host, team, role, user, repo roots) with every read as a
    DataFrame and the same writes as the CLI.

    Made by :func:`connect`. Every read returns a fresh DataFrame (nothing is cached,
    so a re-run cell shows the host as it is now)."""

    # --- reads -------------------------------------------------------------------------

    def resources(self, providers: Providers = None) -> pd.DataFrame:
        """Every bindable resource across providers and workspaces (``RESOURCE_COLUMNS``).
        Providers without an installation add no rows (see :meth:`providers`)."""
        return frames.resources_frame(self.service.discover_all(_provider_list(providers)))

    def providers(self) -> pd.DataFrame:
        """One row per provider: connected or not, resource counts and guidance."""
        return frames.providers_frame(self.service.discover_all())

    def bindings(self, providers: Providers = None) -> pd.DataFrame:
        """Installation-wide bindings (active and disabled) from the host."""
        return frames.bindings_frame(self.service.installation_status(_provider_list(providers)))

    def audit_report(self, roots: Roots = None, providers: Providers = None) -> AuditReport:
        """The audit as the library's ``AuditReport`` (what the frames are built from)."""
        return self.service.audit(self._roots(roots), _provider_list(providers))

    def audit(self, roots: Roots = None, record: bool = False) -> pd.DataFrame:
        """Every repo under ``roots`` (default: the repo roots setting) with its binding
        state, reason and guidance, as ``sk-tracker audit`` shows it. ``record=True``
        also saves it in the history (see :meth:`history`, :meth:`changes`)."""
        report = self.audit_report(roots)
        if record:
            inventories = self.service.discover_all()
            self.service.record(
                report, self._roots(roots), source="notebook", inventories=inventories
            )
        return frames.audit_frame(report)

    def history(self, since: Since = None) -> pd.DataFrame:
        """Recorded audits of this host and team, oldest first (``HISTORY_COLUMNS``):
        when, who, and the repos in each state. ``since``: a date, a time, ``"7d"``."""
        snaps = self._history().snapshots(host=self.host, team=self.team, since=_since(since))
        return history_frames.history_frame(snaps)

    def changes(self, since: Since = None) -> pd.DataFrame:
        """What changed per repo (``CHANGE_COLUMNS``: newly stale, fixed, appeared, gone,
        moved, changed, with before and after) from the audit recorded at ``since`` to
        the newest; without ``since``, since the audit before the newest."""
        found = self._history().changes(host=self.host, team=self.team, since=_since(since))
        return history_frames.changes_frame(found)

    def _history(self) -> History:
        return self.service.history or History.from_settings(self.settings)

    def stale(self, roots: Roots = None) -> pd.DataFrame:
        """The audited repos whose binding_ref is deleted, disabled or another project's."""
        frame = self.audit(roots)
        return frame[frame["kind"] == "stale"].reset_index(drop=True)

    def pending_upgrades(self, roots: Roots = None) -> pd.DataFrame:
        """Legacy (slug-only) repos the host already knows a binding_ref for."""
        frame = self.audit(roots)
        return frame[frame["pending_ref"].notna()].reset_index(drop=True)

    def unclaimed(self, roots: Roots = None) -> pd.DataFrame:
        """Host mappings that no repo under ``roots`` claims ("not found locally")."""
        return frames.unclaimed_frame(self.audit_report(roots))

    def overview(self, roots: Roots = None) -> pd.DataFrame:
        """Health by provider × workspace (``health.HEALTH_COLUMNS``): resources on
        the host by state beside the audited repos by state, counted as the
        dashboard's Overview counts them. Without repo roots the repo columns are
        zero."""
        resources = self.resources()
        if roots is None and not (self.settings.repo_roots or self.settings.remote_roots):
            audit = frames.audit_frame(AuditReport([]))
        else:
            audit = self.audit(roots)
        return health.health_counts(resources, audit)

    def candidates(self, repo: PathLike, provider: str | None = None) -> pd.DataFrame:
        """What the host would bind ``repo`` to (``CANDIDATE_COLUMNS``): ``number`` is
        the ``select=N`` of :meth:`bind` and :meth:`rebind`. Reads only."""
        path = _repo_path(repo)
        ctx = prepare(path, self._provider_for(path, provider))
        result = self.service.client.bind_resolve(ctx.provider, ctx.identity)
        exact = result.display_label if result.match_type == "exact" else None
        if result.match_type == "exact" and exact is None:
            exact = result.binding_ref or "(exact match)"
        return candidates_frame(result.candidates, exact)

    # --- mutations (same flows and checks as the CLI) -----------------------------------

    def bind(
        self,
        repo: PathLike,
        provider: str,
        select: int | None = None,
        bind_ref: str | None = None,
        rebind: bool = False,
        project_uuid: str | None = None,
    ) -> BindOutcome:
        """Bind ``repo`` as ``sk-tracker bind`` does: an exact match binds at once;
        several candidates need ``select=N`` (see :meth:`candidates`); ``bind_ref``
        is validated on the host before it is written (with ``project_uuid`` from a
        ``ConfigNotWrittenError`` it finishes that bind). An existing binding is
        replaced only with ``rebind=True``."""
        path = _repo_path(repo)
        self.service.policy.require_writable(path)
        name = normalize_provider(provider)

        def refuse_rebind(current: ExistingBinding) -> bool:
            if rebind:
                return True
            existing = current.section
            label = clean_text(existing.display_label or existing.project_slug or "")
            ref = existing.binding_ref or "slug only"
            stale = f", stale: {current.stale_reason}" if current.stale else ""
            raise BindError(
                f"{path.name} is already bound to {label} ({ref}{stale}); pass rebind=True "
                "to replace it; nothing changed"
            )

        return self.service.bind(
            path,
            name,
            bind_ref=bind_ref,
            select=select,
            choose=_ask_for_selection(path, name),
            confirm_rebind=refuse_rebind,
            project_uuid=project_uuid,
        )

    def rebind(
        self, repo: PathLike, provider: str | None = None, select: int | None = None
    ) -> BindOutcome:
        """Replace ``repo``'s binding (typically a stale one) with a fresh one from the
        host. ``provider`` defaults to the one in the repo's config."""
        path = _repo_path(repo)
        self.service.policy.require_writable(path)
        tracker = load_config(path).tracker
        if provider is None and (tracker is None or not tracker.provider):
            raise BindError(
                f"{path.name} has no tracker binding to replace; use bind(repo, provider)"
            )
        name = provider or (tracker.provider if tracker else None)
        assert name is not None
        return self.bind(path, name, select=select, rebind=True)

    def apply_upgrades(self, roots: Roots = None) -> pd.DataFrame:
        """Write the binding_ref the host already knows into every legacy (slug-only)
        repo under ``roots``, like ``sk-tracker audit --apply-upgrades``. One row per
        repo (``UPGRADE_COLUMNS``); a repo that changed since the audit is skipped."""
        self.service.policy.require_mutation("apply upgrades")
        report = self.audit_report(roots)
        return upgrades_frame(self.service.apply_upgrades(report))

    # --- helpers -----------------------------------------------------------------------

    def _roots(self, roots: Roots) -> list[Path | str]:
        """Folders and git remote URLs to audit (default: the settings' roots and the
        remotes of ``SK_TRACKER_REPO_SOURCES``)."""
        given: list[PathLike]
        if roots is None:
            given = [*self.repo_roots, *self.settings.remote_roots]
            if not given:
                raise UsageError(
                    "no repo roots: pass roots= or set SK_TRACKER_REPO_ROOTS "
                    "(folders or git remote URLs separated by the path separator)"
                )
        elif isinstance(roots, str | Path):
            given = [roots]
        else:
            given = list(roots)
        folders, remotes = split_roots(str(r) if isinstance(r, str) else Path(r) for r in given)
        for root in folders:
            if not root.expanduser().is_dir():
                raise UsageError(f"{root} is not a folder or a git remote URL")
        return [*(r.expanduser() for r in folders), *remotes]

    @staticmethod
    def _provider_for(path: Path, provider: str | None) -> str:
        if provider is not None:
            return normalize_provider(provider)
        tracker = load_config(path).tracker
        if tracker is None or not tracker.provider:
            raise UsageError(f"{path.name} names no provider; pass provider=")
        return tracker.provider


def _ask_for_selection(path: Path, provider: str) -> ChooseFn:
    """A ``choose`` callback that, with no ``select``, stops with the choices listed
    (a notebook cannot prompt)."""

    def choose(candidates: Sequence[Candidate]) -> Candidate | None:
        if not candidates:
            raise NoCandidatesError(f"the host found no {provider} resource for {path.name}")
        shown = "; ".join(
            f"{c.sort_position + 1}. {clean_text(c.display_label, max_len=80)} ({c.confidence})"
            for c in sorted(candidates, key=lambda c: c.sort_position)[:5]
        )
        more = "; …" if len(candidates) > 5 else ""
        raise BindError(
            f"{len(candidates)} candidates match {path.name}: {shown}{more}; "
            f"pick one with select=N (1 to {len(candidates)}); see candidates(repo)"
        )

    return choose


def connect(
    *,
    role: Role | None = None,
    transport: httpx.BaseTransport | None = None,
    **overrides: Any,
) -> Workspace:
    """Sign in with the same settings as the CLI and the dashboard (environment
    variables, then the optional settings file), with ``overrides`` on top, e.g.
    ``connect(saas_url="https://…", team="acme", repo_roots=["~/src"])``.

    The token comes from ``SK_TRACKER_TOKEN`` or a token file (``token_file=``), never
    from a literal in a notebook, where it would be saved with the cells. ``role``
    can only lower the host's role (``role="viewer"`` for a read-only session).
    A rejected token, a wrong team or an unreachable host raises here."""
    if "token" in overrides:
        raise UsageError(
            "pass the token through SK_TRACKER_TOKEN or token_file=, not as an argument "
            "(a notebook saves its cells)"
        )
    for key in ("repo_roots", "allowed_roots"):
        # One folder for a list of them; a string is split like the variable.
        if isinstance(overrides.get(key), Path):
            overrides[key] = [overrides[key]]
    session = open_session(load_settings(**overrides), role=role, transport=transport)
    return Workspace(settings=session.settings, service=session.service, identity=session.identity)


__all__ = [
    "CANDIDATE_COLUMNS",
    "UPGRADE_COLUMNS",
    "Workspace",
    "candidates_frame",
    "connect",
    "style",
    "upgrades_frame",
]
