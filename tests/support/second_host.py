"""A second, minimal host: another faithful reading of DESIGN §4, written apart from
``tracker_host`` (stdlib ``http.server`` only, none of its code).

It keeps to the contract but not to the reference host's habits, the way a real
SaaS host may: it sends only the keys a reader needs, the envelope's code as
``code`` with a ``category``, ``bindings`` as a count, unknown extra keys everywhere,
``null`` for optional objects, and datetimes with offsets, fractions and spaces. An
unbound project whose slug names a resource exactly is an ``exact`` match carried by
a candidate token alone (no ``binding_ref``), so the client has to confirm it.

It serves on 127.0.0.1 in a daemon thread and stops when its context ends.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PROVIDERS = ("linear", "jira", "github", "gitlab", "azure_devops")
ODD_TIMES = (
    "2026-01-05T10:30:00.123456789+01:00",
    "2026-01-05 09:30:00z",
    "2026-01-05T01:30:00.5-08:00",
)
_EXTRA = {"x_host_build": "2026.01", "links": {"self": None}}


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str, category: str, **more: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"code": code, "category": category, "message": message, **more}


@dataclass
class Res:
    provider: str
    key: str
    label: str
    workspace: str


@dataclass
class Map:
    ref: str
    provider: str
    key: str
    uuid: str
    slug: str
    status: str


@dataclass
class SecondHost:
    team: str
    admin_token: str
    viewer_token: str
    resources: list[Res] = field(default_factory=list)
    maps: list[Map] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # candidate token -> resource key
    done: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    # -- state ---------------------------------------------------------------------

    def load(self, state: dict[str, Any]) -> None:
        with self.lock:
            self.resources = [
                Res(
                    inst["provider"],
                    r["key"],
                    r.get("display_label") or f"{r['name']} ({r['key']})",
                    ws["name"],
                )
                for inst in state["installations"]
                for ws in inst["workspaces"]
                for r in ws["resources"]
            ]
            self.maps = [
                Map(
                    m["binding_ref"],
                    m["provider"],
                    m["resource_key"],
                    m["project_uuid"],
                    m["project_slug"],
                    m["status"],
                )
                for m in state["mappings"]
            ]
            self.tokens.clear()
            self.done.clear()

    def set_status(self, ref: str, status: str) -> None:
        with self.lock:
            next(m for m in self.maps if m.ref == ref).status = status

    def revoke_candidate_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def mapping_status(self, ref: str) -> str | None:
        return next((m.status for m in self.maps if m.ref == ref), None)

    # -- helpers -------------------------------------------------------------------

    def _installed(self, provider: str) -> None:
        if provider not in PROVIDERS:
            raise Refusal(
                400, "unknown_provider", f"Provider {provider!r} is not supported.", "validation"
            )
        if not any(r.provider == provider for r in self.resources):
            raise Refusal(
                403,
                "no_installation",
                f"Connect {provider} in Acme's settings first.",
                "installation",
            )

    def _token(self, key: str) -> str:
        token = "ct2_" + secrets.token_hex(8)
        self.tokens[token] = key
        return token

    def _holder(self, res: Res) -> Map | None:
        return next(
            (
                m
                for m in self.maps
                if (m.provider, m.key) == (res.provider, res.key) and m.status != "deleted"
            ),
            None,
        )

    def _res(self, provider: str, key: str) -> Res:
        return next(r for r in self.resources if (r.provider, r.key) == (provider, key))

    def _ctx(self, res: Res) -> dict[str, Any]:
        return {"workspace_name": res.workspace, "team_name": None, "seats": 12}

    def _when(self, ref: str) -> str:
        return ODD_TIMES[sum(map(ord, ref)) % len(ODD_TIMES)]

    # -- endpoints -----------------------------------------------------------------

    def resources_of(self, provider: str) -> dict[str, Any]:
        out = []
        for res in (r for r in self.resources if r.provider == provider):
            item: dict[str, Any] = {
                "candidate_token": self._token(res.key),
                "display_label": res.label,
                "provider_context": self._ctx(res),
                **_EXTRA,
            }
            holder = self._holder(res)
            if holder is not None:
                item.update(
                    binding_ref=holder.ref,
                    bound_project_slug=holder.slug,
                    bound_at=self._when(holder.ref),
                )
            out.append(item)
        return {"resources": out, "page": {"next": None}}

    def resolve(self, provider: str, identity: dict[str, Any]) -> dict[str, Any]:
        uuid, slug = identity["uuid"], identity["slug"]
        own = next(
            (
                m
                for m in self.maps
                if m.provider == provider and m.uuid == uuid and m.status == "active"
            ),
            None,
        )
        if own is not None:
            return {
                "match_type": "EXACT",
                "binding_ref": own.ref,
                "display_label": self._res(provider, own.key).label,
            }
        free = [
            r
            for r in self.resources
            if r.provider == provider and (self._holder(r) is None or self._holder(r).uuid == uuid)
        ]  # type: ignore[union-attr]
        named = [r for r in free if r.label.split(" (")[0].lower().replace(" ", "-") == slug]
        if len(named) == 1:
            return {
                "match_type": "exact",
                "candidate_token": self._token(named[0].key),
                "display_label": named[0].label,
            }
        if not free:
            return {"match_type": "none", "candidates": None}
        free.sort(key=lambda r: r.label.lower())
        return {
            "match_type": "candidates",
            "candidates": [
                {
                    "candidate_token": self._token(r.key),
                    "display_label": r.label,
                    "confidence": "Medium",
                    **_EXTRA,
                }
                for r in free
            ],
        }

    def confirm(self, provider: str, body: dict[str, Any], key: str | None) -> dict[str, Any]:
        if not key:
            raise Refusal(400, "idempotency_key_required", "Send an Idempotency-Key.", "validation")
        digest = json.dumps(body, sort_keys=True)
        if key in self.done:
            if self.done[key][0] != digest:
                raise Refusal(
                    422, "idempotency_key_reused", "Key used with another body.", "validation"
                )
            return self.done[key][1]
        res_key = self.tokens.pop(body.get("candidate_token", ""), None)
        if res_key is None:
            raise Refusal(
                400,
                "invalid_candidate_token",
                "That candidate expired; resolve again.",
                "invalid_candidate_token",
            )
        res = self._res(provider, res_key)
        uuid, slug = body["project_identity"]["uuid"], body["project_identity"]["slug"]
        holder = self._holder(res)
        if holder is not None and holder.uuid != uuid:
            raise Refusal(
                409,
                "already_bound",
                f"{res.label} belongs to {holder.slug}; pick another.",
                "already_bound",
            )
        if holder is None:
            for m in self.maps:  # re-binding replaces the project's previous mapping
                if m.provider == provider and m.uuid == uuid and m.status != "deleted":
                    m.status = "deleted"
            holder = Map(
                "srm_" + secrets.token_hex(13).upper()[:26], provider, res.key, uuid, slug, "active"
            )
            self.maps.append(holder)
        answer = {
            "binding_ref": holder.ref,
            "display_label": res.label,
            "provider_context": None,
            "bound_at": self._when(holder.ref),
            **_EXTRA,
        }
        self.done[key] = (digest, answer)
        return answer

    def validate(self, provider: str, ref: str, identity: dict[str, Any]) -> dict[str, Any]:
        m = next((m for m in self.maps if m.ref == ref), None)
        if m is None:
            return {
                "valid": False,
                "reason": "binding_not_found",
                "guidance": f"We never issued {ref}.",
            }
        if m.provider != provider:
            return {
                "valid": False,
                "reason": "provider_mismatch",
                "provider": m.provider,
                "guidance": f"That binding lives in {m.provider}.",
            }
        reason = {"deleted": "mapping_deleted", "disabled": "mapping_disabled"}.get(m.status)
        if reason is None and m.uuid != identity["uuid"]:
            reason = "project_mismatch"
        if reason is not None:
            said = HOST_SAYS.get(reason, "Bind again.")
            return {"valid": False, "reason": reason.upper(), "guidance": said, "binding_ref": ref}
        res = self._res(provider, m.key)
        return {"valid": True, "display_label": res.label, "provider_context": self._ctx(res)}

    def status(self, provider: str, ref: str | None, slug: str | None) -> dict[str, Any]:
        if ref:
            m = next((m for m in self.maps if m.ref == ref and m.provider == provider), None)
            if m is None or m.status == "deleted":
                raise Refusal(
                    404, "binding_not_found", f"No binding {ref} here.", "binding_not_found"
                )
            if m.status == "disabled":
                raise Refusal(
                    409, "mapping_disabled", HOST_SAYS["mapping_disabled"], "mapping_disabled"
                )
            return self._project(m, "binding_ref")
        if slug:
            m = next(
                (
                    m
                    for m in self.maps
                    if m.slug == slug and m.provider == provider and m.status != "deleted"
                ),
                None,
            )
            if m is not None and m.status == "disabled":
                raise Refusal(
                    409, "mapping_disabled", HOST_SAYS["mapping_disabled"], "mapping_disabled"
                )
            if m is not None:
                return self._project(m, "project_slug")
            return {"connected": True, "provider_context": None, "identity_path": None}
        live = [m for m in self.maps if m.provider == provider and m.status != "deleted"]
        count = sum(1 for r in self.resources if r.provider == provider)
        return {"status": "connected", "resource_count": count, "bindings": len(live), **_EXTRA}

    def _project(self, m: Map, path: str) -> dict[str, Any]:
        res = self._res(m.provider, m.key)
        return {
            "connected": True,
            "binding_ref": m.ref,
            "display_label": res.label,
            "provider_context": self._ctx(res),
            "project_slug": m.slug,
            "identity_path": {"type": path},
        }

    def mappings(self, provider: str) -> dict[str, Any]:
        out = []
        for m in (m for m in self.maps if m.provider == provider):
            res = self._res(provider, m.key)
            out.append(
                {
                    "binding_ref": m.ref,
                    "status": m.status,
                    "display_label": res.label,
                    "project_uuid": m.uuid,
                    "project_slug": m.slug,
                    "provider_context": None,
                    "bound_at": self._when(m.ref),
                    "updated_at": self._when(m.ref + "u"),
                    **_EXTRA,
                }
            )
        return {"mappings": out}


HOST_SAYS = {
    "mapping_disabled": "Ask an Acme admin to re-enable it (ticket G-17).",
    "mapping_deleted": "Deleted by an admin.",
    "project_mismatch": "Another project owns it.",
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        host = self.server.state
        try:
            status, body = 200, self._route(host, method)
        except Refusal as refusal:
            status, body = refusal.status, refusal.body
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self, host: SecondHost, method: str) -> Any:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        auth = self.headers.get("Authorization", "")
        if auth not in (f"Bearer {host.admin_token}", f"Bearer {host.viewer_token}"):
            raise Refusal(401, "unauthorized", "Log in again.", "auth")
        if self.headers.get("X-Team-Slug") != host.team:
            raise Refusal(403, "forbidden", "Wrong team for this token.", "team")
        body: dict[str, Any] = {}
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
        provider = str(body.get("provider") or query.get("provider") or "")
        with host.lock:
            route = (method, parts.path)
            if route == ("GET", "/api/v1/me/"):
                raise Refusal(404, "not_found", "No such endpoint.", "routing")
            host._installed(provider)
            if route == ("GET", "/api/v1/tracker/resources/"):
                return host.resources_of(provider)
            if route == ("POST", "/api/v1/tracker/bind-resolve/"):
                return host.resolve(provider, body["project_identity"])
            if route == ("POST", "/api/v1/tracker/bind-confirm/"):
                if auth != f"Bearer {host.admin_token}":
                    raise Refusal(403, "forbidden", "Viewers cannot bind.", "permission")
                return host.confirm(provider, body, self.headers.get("Idempotency-Key"))
            if route == ("POST", "/api/v1/tracker/bind-validate/"):
                return host.validate(provider, body["binding_ref"], body["project_identity"])
            if route == ("GET", "/api/v1/tracker/status/"):
                return host.status(provider, query.get("binding_ref"), query.get("project_slug"))
            if route == ("GET", "/api/v1/tracker/mappings/"):
                return host.mappings(provider)
        raise Refusal(404, "not_found", "No such endpoint.", "routing")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: SecondHost) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


@contextmanager
def running_second_host(team: str, admin_token: str, viewer_token: str) -> Iterator[SecondHost]:
    """A `SecondHost` serving on a free loopback port until the context ends."""
    state = SecondHost(team, admin_token, viewer_token)
    server = _Server(state)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="second-host", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
