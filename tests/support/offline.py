"""The network cut off in a real browser: every request that would leave 127.0.0.1 is
recorded and aborted (Playwright routes), so a test can assert that none was tried."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
LOCAL_SCHEMES = ("data:", "blob:", "about:", "file:")


def is_local(url: str) -> bool:
    return url.startswith(LOCAL_SCHEMES) or urlsplit(url).hostname in LOOPBACK


class Offline:
    """Blocks and records every non-loopback request of ``context`` (a browser context
    or a page), and checks the icon links a browser may fetch outside the routes."""

    def __init__(self, context: Any) -> None:
        self.attempted: list[str] = []
        context.route("**/*", self._handle)

    def _handle(self, route: Any) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            self.attempted.append(url)
            route.abort("internetdisconnected")

    def assert_none_attempted(self, page: Any) -> None:
        assert self.attempted == [], self.attempted
        # Chromium may fetch favicons without passing them through routes.
        icons = page.eval_on_selector_all(
            "link[rel~='icon'], link[rel='apple-touch-icon']", "els => els.map(e => e.href)"
        )
        assert [u for u in icons if not is_local(u)] == []
