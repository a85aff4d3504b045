"""Command line: ``python -m tracker_host [--host 127.0.0.1] [--port N] [--db PATH]
[--seed demo|empty] [--dev] [--admin-token T] [--viewer-token T] [--rate-limit N]``.

Tokens come from the flags, else from ``SK_TRACKER_HOST_ADMIN_TOKEN`` /
``SK_TRACKER_HOST_VIEWER_TOKEN``, else are generated (and printed in dev mode only).
Without ``--db`` the state lives in memory and is gone when the host stops.
"""

from __future__ import annotations

import argparse
import os
import sys

from pydantic import SecretStr

from .server import DEFAULT_HOST, is_loopback, serve
from .settings import ADMIN_TOKEN_ENV, VIEWER_TOKEN_ENV, HostSettings, random_token


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tracker_host",
        description="Reference host for the spec-kitty tracker contract (FastAPI + SQLite).",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    parser.add_argument("--db", metavar="PATH", help="SQLite file (default: in memory)")
    parser.add_argument(
        "--seed",
        choices=("demo", "empty"),
        default="demo",
        help="initial state of a new database (a --db file that has state keeps it)",
    )
    parser.add_argument("--dev", action="store_true", help="enable /api/v1/dev/ controls")
    parser.add_argument("--admin-token", metavar="T", help=f"admin token (or ${ADMIN_TOKEN_ENV})")
    parser.add_argument(
        "--viewer-token", metavar="T", help=f"viewer token (or ${VIEWER_TOKEN_ENV})"
    )
    parser.add_argument(
        "--rate-limit",
        type=float,
        metavar="N",
        help="requests per second per token (default: no limit)",
    )
    return parser


def _token(flag: str | None, env: str) -> tuple[SecretStr, bool]:
    """(token, generated here?)"""
    value = flag or os.environ.get(env)
    if value and value.strip():
        return SecretStr(value.strip()), False
    return random_token(), True


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not 0 <= args.port <= 65535:
        print("error: --port must be between 0 and 65535", file=sys.stderr)
        return 2
    if args.rate_limit is not None and args.rate_limit <= 0:
        print("error: --rate-limit must be positive", file=sys.stderr)
        return 2
    admin, admin_generated = _token(args.admin_token, ADMIN_TOKEN_ENV)
    viewer, viewer_generated = _token(args.viewer_token, VIEWER_TOKEN_ENV)
    try:
        settings = HostSettings(
            admin_token=admin,
            viewer_token=viewer,
            db_path=args.db,
            seed=args.seed,
            dev=args.dev,
            rate_limit=args.rate_limit,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        print(
            f"warning: listening on {args.host}, reachable beyond this machine",
            file=sys.stderr,
        )
    try:
        return serve(
            settings,
            args.host,
            args.port,
            show_admin_token=admin_generated,
            show_viewer_token=viewer_generated,
        )
    except OSError as error:
        print(f"error: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
