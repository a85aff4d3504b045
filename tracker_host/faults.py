"""Injected faults (dev mode): latency, error bursts and rates, 429 bursts, broken bodies,
and a response lost after a committed bind-confirm.

They act as an ASGI middleware in front of the API, like a flaky network or proxy
would: before authentication, on every `/api/v1/…` path except the dev controls (so
faults can always be cleared), optionally only on paths starting with `path`.
A `POST /api/v1/dev/faults` replaces the whole configuration; `DELETE` clears it.

Per matching request, in this order: wait `latency_ms` (+ up to `latency_jitter_ms`);
answer `fail_status` while `fail_next` lasts; else 429 while `burst_429` lasts; else a
broken body while `malformed_next` lasts; else a 200 of the wrong shape while
`wrong_shape_next` lasts; else `error_status` with probability `error_rate`; else pass
on. `hang_after_commit_seconds` delays the answer of the next successful bind-confirm
after the binding is committed, so a client timing out sees a "lost" response.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import envelope

API_PREFIX = "/api/v1/"
DEV_PREFIX = "/api/v1/dev/"
CONFIRM_PATH = "/api/v1/tracker/bind-confirm/"


class FaultSpec(BaseModel):
    """Body of `POST /api/v1/dev/faults`; every field is optional (default: no fault)."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: int = Field(default=0, ge=0, le=120_000)
    latency_jitter_ms: int = Field(default=0, ge=0, le=120_000)
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    error_status: Literal[500, 502, 503, 504] = 503
    fail_next: int = Field(default=0, ge=0, le=1_000_000)
    fail_status: Literal[401, 500, 502, 503, 504] = 500
    burst_429: int = Field(default=0, ge=0, le=1_000_000)
    retry_after_seconds: int = Field(default=1, ge=0, le=3600)
    malformed_next: int = Field(default=0, ge=0, le=1_000_000)
    malformed_status: Literal[200, 500, 502, 503] = 200
    malformed_kind: Literal["truncated_json", "html"] = "truncated_json"
    wrong_shape_next: int = Field(default=0, ge=0, le=1_000_000)
    hang_after_commit_seconds: float = Field(default=0.0, ge=0.0, le=600.0)
    path: str | None = Field(default=None, max_length=500)
    seed: int | None = None


class FaultState(FaultSpec):
    """What is configured now, counters showing what is left."""


_MALFORMED = {
    "truncated_json": (b'{"resources": [{"display_label": "Trunc', b"application/json"),
    "html": (b"<html><body><h1>502 Bad Gateway</h1></body></html>", b"text/html"),
}


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spec = FaultSpec()
        self._random = random.Random()  # noqa: S311 - fault dice, not security

    def configure(self, spec: FaultSpec) -> FaultState:
        with self._lock:
            self._spec = spec
            self._random = random.Random(spec.seed)  # noqa: S311 - reproducible faults
            return FaultState(**spec.model_dump())

    def clear(self) -> FaultState:
        return self.configure(FaultSpec())

    def state(self) -> FaultState:
        with self._lock:
            return FaultState(**self._spec.model_dump())

    def _take(self, counter: str) -> bool:
        left = getattr(self._spec, counter)
        if left <= 0:
            return False
        self._spec = self._spec.model_copy(update={counter: left - 1})
        return True

    def plan(self, path: str) -> tuple[float, str | None, bool]:
        """(seconds to wait, fault to answer with or None, hang after commit?) for a request."""
        with self._lock:
            spec = self._spec
            if not path.startswith(API_PREFIX) or path.startswith(DEV_PREFIX):
                return 0.0, None, False
            if spec.path is not None and not path.startswith(spec.path):
                return 0.0, None, False
            delay = spec.latency_ms / 1000
            if spec.latency_jitter_ms:
                delay += self._random.uniform(0, spec.latency_jitter_ms) / 1000
            fault: str | None = None
            for counter in ("fail_next", "burst_429", "malformed_next", "wrong_shape_next"):
                if self._take(counter):
                    fault = counter
                    break
            if fault is None and spec.error_rate and self._random.random() < spec.error_rate:
                fault = "error_rate"
            hang = path == CONFIRM_PATH and spec.hang_after_commit_seconds > 0
            return delay, fault, hang

    def take_hang(self) -> float:
        """Seconds to hold the next committed bind-confirm answer (one-shot)."""
        with self._lock:
            seconds = self._spec.hang_after_commit_seconds
            self._spec = self._spec.model_copy(update={"hang_after_commit_seconds": 0.0})
            return seconds

    def spec(self) -> FaultSpec:
        with self._lock:
            return self._spec


async def _send_json(send: Send, status: int, body: Any, headers: dict[str, str]) -> None:
    payload = json.dumps(body).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


class FaultMiddleware:
    def __init__(self, app: ASGIApp, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        delay, fault, hang = self.injector.plan(scope["path"])
        if delay:
            await asyncio.sleep(delay)
        if fault is not None:
            await self._answer_fault(fault, send)
            return
        if not hang:
            await self.app(scope, receive, send)
            return

        async def send_after_commit(message: Message) -> None:
            # The endpoint has returned (its transaction committed) when the answer starts.
            if message["type"] == "http.response.start" and message["status"] == 200:
                seconds = self.injector.take_hang()
                if seconds:
                    await asyncio.sleep(seconds)
            await send(message)

        await self.app(scope, receive, send_after_commit)

    async def _answer_fault(self, fault: str, send: Send) -> None:
        spec = self.injector.spec()
        if fault == "fail_next":
            if spec.fail_status == 401:
                error = envelope.unauthorized()
            else:
                error = envelope.server_error(spec.fail_status, "Injected failure.")
            await _send_json(send, error.status, error.body(), {})
        elif fault == "burst_429":
            error = envelope.rate_limited(spec.retry_after_seconds)
            await _send_json(
                send, 429, error.body(), {"Retry-After": str(spec.retry_after_seconds)}
            )
        elif fault == "malformed_next":
            body, content_type = _MALFORMED[spec.malformed_kind]
            await send(
                {
                    "type": "http.response.start",
                    "status": spec.malformed_status,
                    "headers": [
                        (b"content-type", content_type),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
        elif fault == "wrong_shape_next":
            await _send_json(send, 200, {"unexpected": "shape", "items": None}, {})
        else:
            error = envelope.server_error(spec.error_status, "Injected failure (error rate).")
            await _send_json(send, error.status, error.body(), {})
