"""Remove credentials from error strings before they are stored, logged or printed."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "[REDACTED]"
# Query parameters that carry keys: ?key=..., &api_key=..., apikey=..., access_token=...
_QUERY = re.compile(
    r"(?P<name>\b(?:key|api[_-]?key|access[_-]?token|token|secret|password)=)[^&#\s'\"<>]+",
    re.IGNORECASE,
)
# Headers as text ("X-Api-Key: abc") or in reprs of header dicts ("b'X-Api-Key': [b'abc']").
_HEADER = re.compile(
    r"(?P<name>\b(?:x-api-key|api-key|authorization|proxy-authorization)['\"]?\s*[:=]\s*"
    r"\[?\s*(?:b?['\"])?(?:(?:bearer|basic|token)\s+)?)[^'\"\s,\]}]+",
    re.IGNORECASE,
)
# Passwords in URLs: smtp://user:secret@host.
_USERINFO = re.compile(r"(?P<name>\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+(?=@)", re.IGNORECASE)
MIN_SECRET = 4  # shorter configured values would mask ordinary words


def configured_secrets() -> list[str]:
    """The API keys and secret key in the settings (none when the settings cannot be read)."""
    from billwatch.settings import get_settings  # late: settings may be broken at import time

    try:
        settings = get_settings()
    except Exception:  # noqa: BLE001 - redaction must never fail because settings do
        return []
    values = [
        settings.legiscan_api_key,
        settings.openstates_api_key,
        settings.nysenate_api_key,
        settings.congress_api_key,
        settings.secret_key,
    ]
    return [v.get_secret_value() for v in values if v is not None]


def _encoded_pattern(value: str) -> str:
    """A regex matching `value` with any of its characters percent-encoded, as URLs carry it."""
    parts = []
    for char in value:
        if char.isascii() and (char.isalnum() or char in "-._~"):
            parts.append(re.escape(char))
            continue
        encoded = "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
        options = [re.escape(char), re.escape(encoded), re.escape(encoded.lower())]
        if char == " ":
            options.append(r"\+")
        parts.append("(?:" + "|".join(options) + ")")
    return "".join(parts)


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """`text` with key parameters, key headers, URL passwords and secrets masked."""
    # `secrets` defaults to the configured keys; their URL-encoded forms are masked too.
    values = configured_secrets() if secrets is None else list(secrets)
    # Longest first, so a key that contains another is masked whole.
    for value in sorted({v for v in values if len(v) >= MIN_SECRET}, key=len, reverse=True):
        text = re.sub(_encoded_pattern(value), MASK, text)
    text = _QUERY.sub(rf"\g<name>{MASK}", text)
    text = _HEADER.sub(rf"\g<name>{MASK}", text)
    return _USERINFO.sub(rf"\g<name>{MASK}", text)
