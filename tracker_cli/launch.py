"""Starting the dashboard, and the all-in-one demo (reference host + demo repos +
dashboard). Child processes are stopped on Ctrl-C so nothing is left running."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from tracker_core.errors import UsageError

# Where a wheel carries app.py and pages/ (see setup.py); a checkout has them at the top.
BUNDLED_APP = "streamlit_app"
DEMO_MARKER = ".sk-tracker-demo"


def dashboard_app() -> Path:
    """The dashboard's ``app.py``: bundled in ``tracker_dashboard`` when installed from
    a wheel, else the one beside the packages of a checkout."""
    import tracker_dashboard

    package = Path(tracker_dashboard.__file__).resolve().parent
    for app in (package / BUNDLED_APP / "app.py", package.parent / "app.py"):
        if app.is_file() and (app.parent / "pages").is_dir():
            return app
    raise UsageError("the dashboard's app.py is not installed; reinstall sk-tracker[dashboard]")


def free_port(preferred: int, address: str = "127.0.0.1") -> int:
    """``preferred`` when it is free, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind((address, port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise UsageError("no free port for the dashboard")


def streamlit_command(port: int, address: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(dashboard_app()),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        # .streamlit/config.toml's settings: Streamlit reads that file only from the
        # working folder, which for an installed package is anywhere.
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]


def stop_on_sigterm() -> None:
    """Treat SIGTERM (``kill``, ``docker stop``) like Ctrl-C, so the same clean-up
    runs and no child (the dashboard) is left behind."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def _run_child(cmd: list[str], env: dict[str, str]) -> int:
    """Run ``cmd`` until it exits or the user presses Ctrl-C (then stop it)."""
    proc = subprocess.Popen(cmd, env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return 0


def run_dashboard(*, port: int, address: str, env: dict[str, str] | None = None) -> int:
    command = streamlit_command(port, address)
    stop_on_sigterm()
    return _run_child(command, env or dict(os.environ))


def prepare_demo_folder(folder: Path) -> Path:
    """An empty demo folder: one made by an earlier demo is reset, anything else that
    is not empty is refused (never delete a user's files)."""
    folder = folder.expanduser().resolve()
    if folder.exists() and any(folder.iterdir()):
        if not (folder / DEMO_MARKER).exists():
            raise UsageError(f"{folder} is not empty and was not made by the demo; pick --folder")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DEMO_MARKER).write_text("made by sk-tracker demo; safe to delete\n", encoding="utf-8")
    return folder


def _script(name: str) -> str:
    """How to call a script of this environment (``.venv/bin/sk-tracker``) from the
    current folder: relative when it lies below it, else its full path."""
    path = Path(sys.executable).parent / name
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


NOTEBOOK = Path("notebooks") / "binding_audit.ipynb"


def _notebook_line() -> str:
    """The example notebook lives in the project's checkout, not in the wheel: an
    installed CLI run elsewhere points at the library instead of a missing file."""
    if NOTEBOOK.is_file():
        return f"    {_script('jupyter')} lab {NOTEBOOK.as_posix()}"
    return "    # notebook: `import tracker_core` in Jupyter reads the same variables"


def demo_commands(exports: dict[str, str], repos_root: Path, *, viewer_token: str) -> list[str]:
    """The part of the demo banner a user copies: every variable the CLI and the
    notebook need (host, token, team, repo roots, activity log) and commands that run
    as printed in a shell holding only those variables."""
    cli = _script("sk-tracker")
    lines = [
        "  CLI and notebook: in another shell, from this folder, run (demo tokens,",
        "  valid while the demo runs):",
    ]
    lines += [f"    export {name}={shlex.quote(value)}" for name, value in exports.items()]
    lines += [
        f"    {cli} status --all",
        f"    {cli} audit --apply-upgrades       # exit 1: some repos still need action",
        f"    {cli} bind --provider linear --select 1 --repo "
        + shlex.quote(str(repos_root / "mobile-app")),
        _notebook_line(),
        f"  viewer (read-only) token: {viewer_token}",
        "  the dashboard's Activity page lists what the CLI and the notebook do",
    ]
    return lines


def run_demo(*, port: int, folder: Path | None, dashboard: bool) -> int:
    import secrets

    from pydantic import SecretStr

    from tracker_host.demo_repos import write_demo_repos
    from tracker_host.server import run_in_thread
    from tracker_host.settings import HostSettings

    base = prepare_demo_folder(folder or Path.cwd() / ".demo")
    stop_on_sigterm()
    repos_root = base / "repos"
    repos = write_demo_repos(repos_root)
    admin = secrets.token_urlsafe(24)
    viewer = secrets.token_urlsafe(24)
    settings = HostSettings(
        admin_token=SecretStr(admin), viewer_token=SecretStr(viewer), dev=True, seed="demo"
    )
    with run_in_thread(settings) as host:
        exports = {
            "SPEC_KITTY_SAAS_URL": host.url,
            "SK_TRACKER_TOKEN": admin,
            "SK_TRACKER_TEAM": settings.team,
            "SK_TRACKER_REPO_ROOTS": str(repos_root),
            "SK_TRACKER_ALLOWED_ROOTS": str(repos_root),
            "SK_TRACKER_ACTIVITY_LOG": str(base / "activity.jsonl"),
        }
        env = {k: v for k, v in os.environ.items() if k != "SK_TRACKER_TOKEN_FILE"}
        env.update(exports)
        lines = [
            "sk-tracker demo",
            f"  reference host : {host.url}  (team {settings.team}, dev controls on)",
            f"  demo repos     : {repos_root}",
        ]
        lines += [f"    - {r.name:<16} {r.state}" for r in repos]
        lines += demo_commands(exports, repos_root, viewer_token=viewer)
        if dashboard:
            ui_port = free_port(port)
            lines.append(f"  dashboard      : http://127.0.0.1:{ui_port}")
        lines.append("Press Ctrl-C to stop everything.")
        print("\n".join(lines), flush=True)
        if dashboard:
            return _run_child(streamlit_command(ui_port, "127.0.0.1"), env)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
        return 0
