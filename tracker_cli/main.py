"""``sk-tracker``: the companion CLI. Each command parses its options, calls one
``tracker_core`` flow and renders the result; the commands live in modules by
concern and are registered here in the order ``--help`` lists them. Heavy modules
are imported inside the commands so ``--help`` starts fast (no pandas, Streamlit or
FastAPI)."""

from __future__ import annotations

import typer

from . import audit_command, binding_commands, history_commands, server_commands
from .context import DebugOpt, set_debug
from .errors import EXIT_ERROR, fail

app = typer.Typer(
    name="sk-tracker",
    help="See and fix which repos are bound to which tracker resource on the spec-kitty host.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(debug: DebugOpt = False) -> None:
    set_debug(debug)


for _commands in (binding_commands, audit_command, server_commands, history_commands):
    _commands.register(app)


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
