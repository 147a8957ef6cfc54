"""Small local HTTP servers on 127.0.0.1 for the hostile-input tests (two ports: two hosts)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# (status, headers, body) for a request path.
Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Host:
    """One server: what it answers and every request it saw (path and headers)."""

    answer: Callable[[str], Answer]
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    root: str = ""


def serve(host: Host) -> Iterator[Host]:
    """Serve `host` on a free port of 127.0.0.1 until the generator is closed."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            host.seen.append((self.path, dict(self.headers.items())))
            status, headers, body = host.answer(self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    host.root = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def other_host() -> Iterator[Host]:
    """The host a redirect points to: answers every request with a small JSON object."""
    yield from serve(Host(lambda path: (200, {"Content-Type": "application/json"}, b"{}")))
