"""The commands about one provider's resources and a repo's binding: ``discover``
(what this team can bind), ``bind`` (bind or move a repo) and ``status`` (one
repo's binding, or every binding of the installation)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .context import HostOptions, JsonOpt, RepoOpt, find_repo, host_command
from .errors import EXIT_USAGE, fail, handle_errors

if TYPE_CHECKING:
    from tracker_core.flows.discovery import ProviderReadout

ProviderOpt = Annotated[
    str | None,
    typer.Option("--provider", "-p", help="linear, jira, github, gitlab or azure_devops."),
]


def _fail_if_incomplete(items: Sequence[ProviderReadout]) -> None:
    """A view across providers with a provider that could not be read (host down,
    protocol error) is incomplete: after showing what was read, fail with one line."""
    from tracker_core.flows.discovery import first_failure

    failure = first_failure(items)
    if failure is not None:
        failed = sum(1 for i in items if i.failure is not None)
        raise fail(f"{failed} of {len(items)} providers could not be read: {failure}")


def discover(
    provider: ProviderOpt = None,
    all_providers: Annotated[
        bool, typer.Option("--all", help="Every provider of the installation.")
    ] = False,
    as_json: JsonOpt = False,
    *,
    host: HostOptions,
) -> None:
    """List the resources this team can bind (● bound / ⊘ disabled / ○ available)."""
    from . import render, terminal

    if bool(provider) == all_providers:
        raise fail("give exactly one of --provider P or --all", EXIT_USAGE)
    with host.service() as service:
        if all_providers:
            inventories = service.discover_all()
        else:
            assert provider is not None
            inventories = [service.discover(provider)]
    resources = render.resource_rows(inventories)
    if as_json:
        terminal.print_json(render.discover_json(resources))
    elif resources:
        terminal.emit(render.discover_table(resources))
    for inv in inventories:
        if not inv.connected and inv.failure is None:
            terminal.warn(f"{inv.provider}: {inv.error}")
    _fail_if_incomplete(inventories)
    if not resources:
        message = (
            "No bindable resources found. Connect the tracker (or give its installation "
            "access to projects) in the SaaS dashboard, then run discover again."
        )
        if as_json:
            terminal.warn(message)
        else:
            terminal.note(message)


def bind(
    provider: Annotated[str, typer.Option("--provider", "-p", help="Tracker provider to bind to.")],
    bind_ref: Annotated[
        str | None,
        typer.Option("--bind-ref", help="Bind to this existing binding_ref (validated first)."),
    ] = None,
    project_uuid: Annotated[
        str | None,
        typer.Option(
            "--project-uuid",
            help="With --bind-ref: the project identity an earlier bind gave the host but "
            "could not write or push (that bind prints the whole command).",
        ),
    ] = None,
    select: Annotated[
        int | None,
        typer.Option(
            "--select",
            help="Pick candidate N of the list bind prints (1 = best match) without a prompt.",
        ),
    ] = None,
    resource: Annotated[
        int | None,
        typer.Option(
            "--resource",
            help="Bind (or move) to resource N as `sk-tracker discover --provider P` numbers it.",
        ),
    ] = None,
    new_identity: Annotated[
        bool,
        typer.Option(
            "--new-identity",
            help="Give this repo a fresh project identity, then bind it (for a repo "
            "holding a copy of another project's .kittify/).",
        ),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Replace an existing binding without asking.")
    ] = False,
    repo: Annotated[
        str | None,
        typer.Option(
            "--repo",
            help="Repo folder (default: the one holding the current directory), or a git "
            "remote URL: the change is then committed on a branch sk-tracker/bind-<project> "
            "and pushed.",
            show_default=False,
        ),
    ] = None,
    path: Annotated[
        str | None,
        typer.Option("--path", help="With a remote --repo: the project's folder inside it."),
    ] = None,
    push_to_default: Annotated[
        bool,
        typer.Option(
            "--push-to-default",
            help="With a remote --repo: push the commit to the default branch itself.",
        ),
    ] = False,
    *,
    host: HostOptions,
) -> None:
    """Bind this repo (or a project of a git remote) to a tracker resource.

    An exact match on the host is bound at once; otherwise you choose a candidate."""
    from rich.text import Text

    from tracker_core.config.config_model import TrackerSection
    from tracker_core.flows.binding import ExistingBinding
    from tracker_core.host.wire import Candidate
    from tracker_core.remote.urls import is_remote, parse_location

    from . import render, terminal
    from .prompt import ask, yes_no

    if sum(x is not None for x in (bind_ref, select, resource)) > 1:
        raise fail("give one of --bind-ref, --select or --resource, not both", EXIT_USAGE)
    if project_uuid is not None and bind_ref is None:
        raise fail("--project-uuid goes with --bind-ref", EXIT_USAGE)
    remote = parse_location(repo, path) if repo is not None and is_remote(repo) else None
    if remote is None and (path is not None or push_to_default):
        raise fail("--path and --push-to-default go with a git remote --repo URL", EXIT_USAGE)
    folder = find_repo(Path(repo) if repo is not None else None) if remote is None else None
    name = remote.name if remote is not None else folder.name if folder is not None else ""
    if new_identity and (bind_ref is not None or remote is not None):
        raise fail(
            "--new-identity goes with a local repo and --select N, --resource N or the "
            "prompt (a --bind-ref belongs to the old identity)",
            EXIT_USAGE,
        )
    current_sections: list[TrackerSection] = []

    def confirm_rebind(current: ExistingBinding) -> bool:
        existing = current.section
        current_sections.append(existing)
        label = render.binding_label(existing).plain
        if current.stale:
            # A stale binding points nowhere: replacing it is the fix, so it is the default.
            terminal.warn(f"{name} is bound to {label}, which is stale ({current.stale_reason})")
            question, default = "Replace the stale binding? [Y/n] ", True
        else:
            terminal.warn(f"{name} is already bound to {label}")
            question, default = "Replace the existing binding? [y/N] ", False
        if yes:
            return True
        return ask(question, hint="pass --yes to replace it", parse=yes_no(default))

    def choose(candidates: Sequence[Candidate]) -> Candidate | None:
        terminal.out.print(Text(f"{len(candidates)} candidate resources:", style="bold"))
        for line in render.candidate_lines(candidates):
            terminal.emit(line)
        terminal.out.file.flush()
        count = len(candidates)

        def pick(answer: str) -> Candidate:
            if not answer.isdigit() or not 1 <= int(answer) <= count:
                raise ValueError(f"invalid selection {answer!r}: choose 1 to {count}")
            return next(c for c in candidates if c.sort_position == int(answer) - 1)

        hint = f"pass --select N (1 to {count})"
        return ask(f"Select a resource [1-{count}]: ", hint=hint, parse=pick)

    def declined() -> str:
        kept = current_sections[:1]
        stays = f"; {name} stays bound to {render.binding_label(kept[0]).plain}" if kept else ""
        return f"Nothing changed{stays}."

    with host.service() as service:
        if remote is not None:
            from .remotes import remote_bind_success

            pushed = service.bind_remote(
                remote,
                provider,
                bind_ref=bind_ref,
                select=select,
                resource=resource,
                choose=choose,
                confirm_rebind=confirm_rebind,
                push_to_default=push_to_default,
                project_uuid=project_uuid,
            )
            if pushed.status == "declined":
                terminal.note(declined())
            else:
                remote_bind_success(pushed)
            return
        assert folder is not None
        outcome = service.bind(
            folder,
            provider,
            bind_ref=bind_ref,
            select=select,
            resource=resource,
            choose=choose,
            confirm_rebind=confirm_rebind,
            project_uuid=project_uuid,
            new_identity=new_identity,
            replace_asked=yes,
        )
    if outcome.status == "declined":
        terminal.note(declined())
        return
    render.bind_success(outcome)


def status(
    all_bindings: Annotated[
        bool, typer.Option("--all", help="Installation-wide status of every binding.")
    ] = False,
    provider: ProviderOpt = None,
    as_json: JsonOpt = False,
    repo: RepoOpt = None,
    *,
    host: HostOptions,
) -> None:
    """Status of this repo's binding, or of the whole installation with --all."""
    from . import render, terminal

    if all_bindings and repo is not None:
        raise fail(
            "--repo has no meaning with --all (it covers the whole installation)", EXIT_USAGE
        )
    with host.service() as service:
        if all_bindings:
            items = service.installation_status([provider] if provider else None)
            if provider and not items[0].connected:
                raise fail(items[0].error or f"{provider} is not connected")
            if as_json:
                terminal.print_json(render.installation_json(items))
            else:
                terminal.emit(render.installation_view(items))
            _fail_if_incomplete(items)
            return
        report = service.project_status(find_repo(repo), provider)
    if as_json:
        terminal.print_json(render.status_json(report))
    else:
        terminal.emit(render.status_panel(report))
    verdict = report.verdict
    if report.is_stale and verdict is not None:  # as the audit of this repo would say
        raise fail(f"{verdict.state}: {verdict.reason}; {verdict.guidance}")


def register(app: typer.Typer) -> None:
    for command in (discover, bind, status):
        app.command()(handle_errors(host_command(command)))
