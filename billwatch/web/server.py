"""Run the workbench under uvicorn with the limits the unsubscribe endpoint has."""

from __future__ import annotations

import logging
import secrets

import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from alerts.web import KEEP_ALIVE_S, MAX_CONNECTIONS, MAX_HEADER_BYTES, LimitedH11Protocol
from billwatch.settings import Settings, WeakSecretKey
from billwatch.web.app import create_app
from billwatch.web.security import is_loopback

log = logging.getLogger(__name__)


class UnsafeServe(RuntimeError):
    """The workbench would listen beyond this machine without a strong secret key."""


def secret_for(settings: Settings, host: str) -> tuple[str, bool]:
    """The signing key and whether it is the configured one (else a throwaway, loopback only)."""
    try:
        return settings.signing_key(), True
    except WeakSecretKey as exc:
        if not is_loopback(host):
            raise UnsafeServe(f"refusing to listen on {host}: {exc}") from None
        # On this machine only: forms and sign-in work until the process ends; members' links
        # need the real key, so the unsubscribe endpoint is left out.
        return secrets.token_urlsafe(32), False


def make_server(
    factory: sessionmaker[Session], settings: Settings, host: str = "127.0.0.1", port: int = 8000
) -> tuple[uvicorn.Server, bool]:
    """A uvicorn server for the workbench, and whether the configured key is used."""
    secret, configured = secret_for(settings, host)
    # Plain http on loopback is for one person's machine; elsewhere an https proxy is in front.
    app = create_app(
        factory, secret, secure_cookies=not is_loopback(host), with_unsubscribe=configured
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=LimitedH11Protocol,
        lifespan="off",
        limit_concurrency=MAX_CONNECTIONS,
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=5,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        access_log=False,  # paths of members' pages hold their tokens
        server_header=False,
        log_config=None,
        proxy_headers=False,
    )
    return uvicorn.Server(config), configured
