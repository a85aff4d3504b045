"""Candidate tokens: opaque, signed, short-lived, single-use.

A token is stateless (HMAC over provider, team, resource id, expiry and a nonce with a
per-process secret), so listing 20,000 resources writes nothing. Single use is enforced
at bind-confirm by recording the nonce of every consumed token until it expires.
Rotating the secret (reset, dev revoke, restart) invalidates every outstanding token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

PREFIX = "ct_"
_SEP = "\x1f"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class CandidateClaim:
    resource_id: str
    nonce: str
    expires_at: float


class CandidateSigner:
    def __init__(self, ttl_seconds: float, clock: Callable[[], float]) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self.rotate()

    def rotate(self) -> None:
        """New secret and nonce space: every token issued before is now invalid."""
        with self._lock:
            self._secret = secrets.token_bytes(32)
            self._nonce_prefix = secrets.token_hex(6)
            self._counter = itertools.count()

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:18]

    def issue(self, provider: str, team: str, resource_id: str) -> str:
        expires = int(self._clock() + self._ttl)
        with self._lock:
            nonce = f"{self._nonce_prefix}{next(self._counter):x}"
        payload = _SEP.join((provider, team, resource_id, str(expires), nonce)).encode()
        return f"{PREFIX}{_b64(payload)}.{_b64(self._sign(payload))}"

    def verify(self, token: str, provider: str, team: str) -> CandidateClaim | None:
        """The claim if the token is genuine, unexpired and for this provider and team."""
        if not token.startswith(PREFIX) or len(token) > 2048:
            return None
        body, _, signature = token[len(PREFIX) :].partition(".")
        try:
            payload = _unb64(body)
            given = _unb64(signature)
        except (ValueError, UnicodeEncodeError):
            return None
        if not hmac.compare_digest(given, self._sign(payload)):
            return None
        try:
            fields = payload.decode("utf-8").split(_SEP)
        except UnicodeDecodeError:
            return None
        if len(fields) != 5:
            return None
        token_provider, token_team, resource_id, expires_text, nonce = fields
        if token_provider != provider or token_team != team:
            return None
        expires = float(expires_text)
        if expires < self._clock():
            return None
        return CandidateClaim(resource_id=resource_id, nonce=nonce, expires_at=expires)
