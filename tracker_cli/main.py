"""``sk-tracker``: the companion CLI. Each command parses its options, calls one
``tracker_core`` flow and renders the result. Heavy modules are imported inside the
commands so ``--help`` starts fast (no pandas, Streamlit or FastAPI)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from . import history_commands
from .context import (
    DebugOpt,
    HostOptions,
    JsonOpt,
    RepoOpt,
    find_repo,
    host_command,
    set_debug,
)
from .errors import EXIT_ERROR, EXIT_USAGE, fail, handle_errors, require_extras

if TYPE_CHECKING:
    from tracker_core.flows.discovery import ProviderReadout

app = typer.Typer(
    name="sk-tracker",
    help="See and fix which repos are bound to which tracker resource on the spec-kitty host.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ProviderOpt = Annotated[
    str | None,
    typer.Option("--provider", "-p", help="linear, jira, github, gitlab or azure_devops."),
]


@app.callback()
def _root(debug: DebugOpt = False) -> None:
    set_debug(debug)


def _fail_if_incomplete(items: Sequence[ProviderReadout]) -> None:
    """A view across providers with a provider that could not be read (host down,
    protocol error) is incomplete: after showing what was read, fail with one line."""
    from tracker_core.flows.discovery import first_failure

    failure = first_failure(items)
    if failure is not None:
        failed = sum(1 for i in items if i.failure is not None)
        raise fail(f"{failed} of {len(items)} providers could not be read: {failure}")


@app.command()
@handle_errors
@host_command
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


@app.command()
@handle_errors
@host_command
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
            "could not write (that bind prints the whole command).",
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
    """Bind this repo (or a project of a git remote) to a tracker resource: exact match
    → auto-bind, else choose."""
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
    if remote is not None and project_uuid is not None:
        raise fail("--project-uuid goes with a local --repo folder", EXIT_USAGE)
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


@app.command()
@handle_errors
@host_command
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


@app.command()
@handle_errors
@host_command
def audit(
    roots: Annotated[
        list[str] | None,
        typer.Argument(
            help="Folders to search for repos, or git remote URLs (https://, ssh://, git://, "
            "file://, git@host:org/repo.git). Default: $SK_TRACKER_REPO_ROOTS and "
            "the remotes listed in $SK_TRACKER_REPO_SOURCES.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
    apply_upgrades: Annotated[
        bool,
        typer.Option(
            "--apply-upgrades", help="Write binding_ref into legacy repos the host can upgrade."
        ),
    ] = False,
    record: Annotated[
        bool,
        typer.Option("--record", help="Save this audit in the history (for cron and CI)."),
    ] = False,
    *,
    host: HostOptions,
) -> None:
    """Audit every repo under ROOT… (folders and git remotes) against the host; exit 1
    if any needs action."""
    from tracker_core.errors import TrackerError
    from tracker_core.flows.audit import after_upgrades, split_roots

    from . import render, terminal
    from .remotes import remote_progress

    settings = host.settings()
    chosen: list[Path | str] = (
        list(roots) if roots else [*settings.repo_roots, *settings.remote_roots]
    )
    if not chosen:
        raise fail(
            "give the folders or git remotes to audit: sk-tracker audit ROOT… "
            "(or set SK_TRACKER_REPO_ROOTS); SK_TRACKER_REPO_SOURCES names a file of remotes",
            EXIT_USAGE,
        )
    folders, remotes = split_roots(chosen)
    for root in folders:
        if not root.is_dir():
            raise fail(f"{root} is not a folder or a git remote URL", EXIT_USAGE)
    with host.service(settings) as service:
        if terminal.err.is_terminal and not as_json:
            with remote_progress(len(remotes)) as progress:
                report = service.audit([*folders, *remotes], progress=progress)
        else:
            report = service.audit([*folders, *remotes])
        upgrades = service.apply_upgrades(report) if apply_upgrades else []
        report = after_upgrades(report, upgrades)
        recorded = history_commands.record_audit(service, report, chosen) if record else None
    if as_json:
        terminal.print_json(render.audit_json(report, upgrades))
    else:
        terminal.emit(render.audit_table(report))
        if report.unclaimed:
            terminal.note("")
            terminal.emit(render.unclaimed_table(report))
        for u in upgrades:
            name = u.name or u.repo.name
            terminal.note(
                f"upgraded {name} to {u.binding_ref}"
                if u.ok
                else f"{name}: not upgraded: {u.error}"
            )
        for line in render.audit_footer(report):
            terminal.note(line)
    if isinstance(recorded, TrackerError):
        raise fail(str(recorded))  # after the audit's own output, which stands
    if recorded:
        terminal.emit(terminal.t(recorded), terminal.err)  # stderr: --json output stays JSON
    if report.provider_errors:
        names = ", ".join(sorted(report.provider_errors))
        first = report.provider_errors[min(report.provider_errors)]
        raise fail(
            f"the host could not be read for {names}, so those repos are unverified: {first}"
        )
    if report.needs_action:
        raise typer.Exit(EXIT_ERROR)


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
@handle_errors
def host(ctx: typer.Context) -> None:
    """Run the reference host (see `sk-tracker host --help`)."""
    require_extras("host")
    from tracker_host.__main__ import main as host_main

    raise typer.Exit(host_main(list(ctx.args)))


@app.command()
@handle_errors
def dashboard(
    port: Annotated[int, typer.Option("--port", help="Port for the dashboard.")] = 8501,
    address: Annotated[str, typer.Option("--address", help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Run the Streamlit dashboard (settings from the environment)."""
    from .launch import run_dashboard

    require_extras("dashboard")

    raise typer.Exit(run_dashboard(port=port, address=address))


@app.command()
@handle_errors
def demo(
    port: Annotated[int, typer.Option("--port", help="Port for the dashboard.")] = 8501,
    folder: Annotated[
        Path | None, typer.Option("--folder", help="Where to write the demo repos.")
    ] = None,
    no_browser: Annotated[
        bool,
        typer.Option("--no-browser", help="Do not start the dashboard; print how to use the CLI."),
    ] = False,
) -> None:
    """Start the reference host with demo data, demo repos, and the dashboard."""
    from .launch import run_demo

    require_extras("host", *(() if no_browser else ("dashboard",)))

    raise typer.Exit(run_demo(port=port, folder=folder, dashboard=not no_browser))


history_commands.register(app)


def run(argv: list[str] | None = None) -> None:
    """Entry point: usage errors become one ``error:`` line and exit 2, like every
    other failure, instead of click's boxed message."""
    import sys

    try:
        code = app(args=argv, prog_name="sk-tracker", standalone_mode=False)
    except typer.TyperException as exc:  # click's usage errors, vendored by typer
        if type(exc).__name__ == "NoArgsIsHelpError":
            sys.stdout.write(exc.format_message().rstrip() + "\n")
        else:
            ctx = getattr(exc, "ctx", None)
            hint = f" (see {ctx.command_path} --help)" if ctx is not None else ""
            fail(exc.format_message() + hint, exc.exit_code)
        code = exc.exit_code
    except typer.Abort:
        fail("aborted")
        code = EXIT_ERROR
    sys.exit(code if isinstance(code, int) else 0)
