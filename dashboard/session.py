"""Browser sessions of the dashboard: signed cookie tokens, a logout list and the login rate limit.

A session token is ``v1.<payload>.<signature>``: the payload (base64url JSON) names the principal (a user, or
one of the configured bootstrap keys), a fingerprint of the key that logged in, a random session id and the
expiry; the signature is HMAC-SHA256 under a key derived from ``session_secret``. Nothing else is stored on
the server: every request re-reads the user and compares the fingerprint with the key it holds now, so
deactivating a user or rotating their key ends their sessions at once. The fingerprint is an HMAC of the key's
hash (never the hash itself), so a cookie reveals nothing that helps guess a key.

Logging out deletes the cookie and puts the session id on a per-process list until the token would have expired
anyway; with several API processes, rotating the key is the way to end a stolen session everywhere.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from typing import Literal

from config.settings import Settings

COOKIE = "yuqing_session"
#: Browsers cannot send a custom header cross-site without a CORS preflight, which this API never grants; so a
#: cookie-authenticated POST/PATCH/PUT/DELETE must carry it (the SameSite=Strict cookie is the first line).
CSRF_HEADER = "X-Yuqing-CSRF"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Kind = Literal["user", "key"]

#: Used when ``session_secret`` is unset: sessions then last as long as this process.
_PROCESS_SECRET = secrets.token_bytes(32)


def session_cookie(token: str, max_age: int, *, secure: bool) -> str:
    """The ``Set-Cookie`` value of a session: script cannot read it, other sites never send it."""
    return _morsel(token, max_age, secure)


def expired_cookie() -> str:
    """The ``Set-Cookie`` value that deletes the session cookie."""
    return _morsel("", 0, secure=False)


def _morsel(value: str, max_age: int, secure: bool) -> str:
    cookie = SimpleCookie()
    cookie[COOKIE] = value
    morsel = cookie[COOKIE]
    morsel["path"] = "/"
    morsel["max-age"] = max_age
    morsel["httponly"] = True
    morsel["samesite"] = "Strict"
    if secure:
        morsel["secure"] = True
    return morsel.OutputString()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class SessionClaims:
    """What a valid token says: who (``kind`` and ``subject``), with which key, until when."""

    kind: Kind
    subject: str
    fingerprint: str
    session_id: str
    issued_at: datetime
    expires_at: datetime


class SessionSigner:
    """Issues and checks session tokens under one secret."""

    VERSION = "v1"

    def __init__(self, secret: bytes, ttl: timedelta):
        # Separate keys for signing and fingerprinting, so one can never stand in for the other.
        self._sign_key = hmac.new(secret, b"yuqing session signature", hashlib.sha256).digest()
        self._print_key = hmac.new(secret, b"yuqing session key fingerprint", hashlib.sha256).digest()
        self.ttl = ttl

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionSigner:
        secret = settings.session_secret.get_secret_value().encode() if settings.session_secret else _PROCESS_SECRET
        return cls(secret, timedelta(hours=settings.session_hours))

    def fingerprint(self, key_hash: str) -> str:
        """A value that changes whenever the key (given by its SHA-256 hex digest) changes."""
        return _b64(hmac.new(self._print_key, key_hash.encode(), hashlib.sha256).digest()[:18])

    def issue(self, kind: Kind, subject: str, key_hash: str, now: datetime) -> tuple[str, SessionClaims]:
        """A new token for ``subject``, valid for the signer's ``ttl`` from ``now``."""
        now = now.replace(microsecond=0)  # the token keeps whole seconds: the claims say what it says
        claims = SessionClaims(
            kind=kind,
            subject=subject,
            fingerprint=self.fingerprint(key_hash),
            session_id=secrets.token_urlsafe(12),
            issued_at=now,
            expires_at=now + self.ttl,
        )
        payload = {
            "k": claims.kind,
            "s": claims.subject,
            "f": claims.fingerprint,
            "i": claims.session_id,
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        body = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
        signed = f"{self.VERSION}.{body}"
        return f"{signed}.{self._sign(signed)}", claims

    def verify(self, token: str, now: datetime) -> SessionClaims | None:
        """The claims of a well-signed, unexpired token; ``None`` for anything else."""
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != self.VERSION or len(token) > 4096:
            return None
        signed = f"{parts[0]}.{parts[1]}"
        if not hmac.compare_digest(parts[2], self._sign(signed)):
            return None
        try:
            data = json.loads(_unb64(parts[1]))
            kind, subject, fingerprint, session_id = data["k"], data["s"], data["f"], data["i"]
            issued = datetime.fromtimestamp(int(data["iat"]), now.tzinfo)
            expires = datetime.fromtimestamp(int(data["exp"]), now.tzinfo)
        except (ValueError, KeyError, TypeError, binascii.Error, OverflowError):
            return None  # signed by us, so only a format change could get here; treat as no session
        if kind not in ("user", "key") or not all(isinstance(v, str) for v in (subject, fingerprint, session_id)):
            return None
        if expires <= now:
            return None
        return SessionClaims(kind, subject, fingerprint, session_id, issued, expires)

    def _sign(self, signed: str) -> str:
        return _b64(hmac.new(self._sign_key, signed.encode(), hashlib.sha256).digest())


class LoginLimiter:
    """At most ``max_failures`` failed logins per client address within ``window``; then 429 until the oldest
    failure leaves the window. Kept in memory: per process, forgotten on restart."""

    #: Beyond this many tracked addresses, those without a recent failure are forgotten first.
    MAX_TRACKED = 10_000

    def __init__(self, max_failures: int, window: timedelta):
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def retry_after(self, address: str, now: datetime) -> float | None:
        """Seconds until ``address`` may try again, or ``None`` when it may try now."""
        with self._lock:
            recent = self._recent(address, now)
            if len(recent) < self.max_failures:
                return None
            return max(1.0, (recent[0] + self.window - now).total_seconds())

    def failed(self, address: str, now: datetime) -> None:
        with self._lock:
            if len(self._failures) >= self.MAX_TRACKED:
                self._forget_stale(now)
            self._recent(address, now).append(now)

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)

    def _recent(self, address: str, now: datetime) -> deque[datetime]:
        times = self._failures.setdefault(address, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def _forget_stale(self, now: datetime) -> None:
        for address in [a for a, t in self._failures.items() if not t or t[-1] <= now - self.window]:
            del self._failures[address]
        if len(self._failures) >= self.MAX_TRACKED:
            # A flood of distinct addresses: keep the most recent half rather than grow without bound.
            ordered = sorted(self._failures.items(), key=lambda item: item[1][-1])
            for address, _ in ordered[: len(ordered) // 2]:
                del self._failures[address]


@dataclass
class SessionRegistry:
    """Per-application session state: the signer, the logged-out session ids and the login limiter."""

    signer: SessionSigner
    limiter: LoginLimiter
    _revoked: dict[str, datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionRegistry:
        return cls(
            SessionSigner.from_settings(settings),
            LoginLimiter(settings.login_max_failures, timedelta(seconds=settings.login_window_seconds)),
        )

    def revoke(self, claims: SessionClaims, now: datetime) -> None:
        with self._lock:
            for session_id in [s for s, until in self._revoked.items() if until <= now]:
                del self._revoked[session_id]
            self._revoked[claims.session_id] = claims.expires_at

    def is_revoked(self, claims: SessionClaims) -> bool:
        with self._lock:
            return claims.session_id in self._revoked
