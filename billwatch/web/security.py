"""Passwords, sessions, CSRF, roles, API keys and the headers every response carries."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from billwatch.db.models import ApiKey, User, WebSession, utcnow

ROLES = ("viewer", "reviewer", "admin")
RANK = {role: n for n, role in enumerate(ROLES)}
SESSION_COOKIE = "bw_session"
CSRF_COOKIE = "bw_csrf"
SESSION_DAYS = 14
MAX_PASSWORD = 1024  # argon2 would hash megabytes happily; nobody types more
MIN_PASSWORD = 12
# The app loads nothing from elsewhere and runs no inline script or style.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against for unknown addresses: as slow as a real check (made on first use,
    not at import, so that every CLI command does not pay for it)."""
    return _hasher.hash(secrets.token_urlsafe(16))


class WeakPassword(ValueError):
    """A password too short or too long to accept."""


def sha256(value: str) -> str:
    """Hex SHA-256: how session tokens and API keys are stored (they are random, not guessable)."""
    return hashlib.sha256(value.encode()).hexdigest()


def hash_password(password: str) -> str:
    """An argon2id hash of a password of acceptable length."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise WeakPassword(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return _hasher.hash(password)


def create_user(session: Session, email: str, password: str, role: str, name: str = "") -> User:
    """Add a staff user (email lower-cased) with a role; ValueError for a bad role or duplicate."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise ValueError("not an email address")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise ValueError(f"{email} already has an account")
    user = User(email=email, name=name, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same work either way)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if len(password) > MAX_PASSWORD:
        return None
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def start_session(session: Session, user: User, now: dt.datetime | None = None) -> str:
    """A new session token for the cookie; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    now = now or utcnow()
    session.add(
        WebSession(
            token_hash=sha256(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + dt.timedelta(days=SESSION_DAYS),
        )
    )
    return token


def session_user(session: Session, token: str, now: dt.datetime | None = None) -> User | None:
    """The active user of an unexpired session token, or None."""
    if not token or len(token) > 100:
        return None
    row = session.scalar(select(WebSession).where(WebSession.token_hash == sha256(token)))
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
    if expires <= (now or utcnow()) or not row.user.active:
        return None
    return row.user


def end_session(session: Session, token: str) -> None:
    """Forget a session token, so the cookie no longer signs anyone in (replay refused)."""
    row = session.scalar(select(WebSession).where(WebSession.token_hash == sha256(token)))
    if row is not None:
        session.delete(row)


def create_api_key(session: Session, name: str, rate_per_minute: int = 60) -> tuple[ApiKey, str]:
    """A new API key row and the key itself, shown once."""
    key = "bw_" + secrets.token_urlsafe(30)
    row = ApiKey(name=name, key_hash=sha256(key), prefix=key[:10], rate_per_minute=rate_per_minute)
    session.add(row)
    session.flush()
    return row, key


def api_key_row(session: Session, key: str) -> ApiKey | None:
    """The unrevoked key row for a presented key, or None."""
    if not key or len(key) > 100:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == sha256(key)))
    return row if row is not None and row.revoked_at is None else None


def has_role(user: User | None, role: str) -> bool:
    """Whether the user holds `role` or a higher one."""
    return user is not None and RANK.get(user.role, -1) >= RANK[role]


def csrf_for(secret: str, cookie: str) -> str:
    """The form token bound to the browser's CSRF cookie: a page on another site cannot make it."""
    return hmac.new(secret.encode(), f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()


def check_csrf(secret: str, cookie: str | None, field: str | None) -> None:
    """HTTPException 403 unless the form's token matches the browser's cookie."""
    if not cookie or not field or not hmac.compare_digest(csrf_for(secret, cookie), field):
        raise HTTPException(403, "the form's security token is missing or wrong; reload the page")


def is_loopback(host: str) -> bool:
    """Whether a listen address only accepts this machine's connections."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class RateLimiter:
    """A fixed one-minute window per key id; thread-safe (sync endpoints run in threads)."""

    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._windows: dict[object, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def allow(self, key: object, per_minute: int) -> int:
        """0 when allowed, else the seconds to wait before the next window."""
        now = self.clock()
        window = int(now // 60)
        with self._lock:
            start, count = self._windows.get(key, (window, 0))
            if start != window:
                start, count = window, 0
            if count >= per_minute:
                return max(1, int((window + 1) * 60 - now))
            self._windows[key] = (start, count + 1)
        return 0


class SecurityHeaders:
    """ASGI middleware: CSP and friends on every response; a CSRF cookie for every browser."""

    def __init__(self, app: ASGIApp, secure_cookies: bool = True) -> None:
        self.app = app
        self.secure = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = _cookie(scope, CSRF_COOKIE)
        new_cookie = None
        if not cookie or len(cookie) > 100:
            new_cookie = cookie = secrets.token_urlsafe(24)
        scope.setdefault("state", {})["csrf_cookie"] = cookie

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                if new_cookie:
                    headers.append(
                        "Set-Cookie", cookie_header(CSRF_COOKIE, new_cookie, self.secure)
                    )
            await send(message)

        await self.app(scope, receive, wrapped)


def cookie_header(name: str, value: str, secure: bool, max_age: int | None = None) -> str:
    """A Set-Cookie value: HTTP-only, same-site, secure unless turned off for plain http."""
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope["headers"]:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None
