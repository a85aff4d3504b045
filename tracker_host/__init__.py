"""The reference host: a real HTTP server for the tracker host contract (DESIGN §4, §5).

It imports nothing from ``tracker_core``: host and client are two independent readings
of the contract, so the integration tests between them test the contract itself.

- `create_app(settings)` — the FastAPI app (`tracker_host.app`);
- `serve(...)`, `run_in_thread(settings)` — uvicorn runners (`tracker_host.server`);
- `main(argv)` — the command line (`python -m tracker_host`);
- `tracker_host.seed` — the demo seed's constants; `tracker_host.demo_repos` — demo repos.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .app import create_app
from .settings import HostSettings

__all__ = ["HostSettings", "__version__", "create_app"]
