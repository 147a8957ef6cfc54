"""Signed tokens and the RFC 8058 one-click endpoint, served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from alerts.compose import compose_digests
from alerts.unsubscribe import SALT, BadToken, make_token, read_token
from alerts.web import make_server
from billwatch.db.models import OutboxMessage, Subscriber
from tests.alerts.conftest import (
    NOW,
    SECRET,
    amend_hb10,
    build_world,
    free_port,
    settings_for,
    subscribe,
    token_for,
)

ONE_CLICK = b"List-Unsubscribe=One-Click"
URLENCODED = "application/x-www-form-urlencoded"


def signed(payload: object, secret: str = SECRET) -> str:
    """A token with any payload, correctly signed: what someone holding our key could send."""
    return URLSafeSerializer(secret, salt=SALT).dumps(payload)


def test_token_round_trip_and_tampering():
    token = make_token(7, "n0nce-Value_1", "k" * 40)
    claim = read_token(token, "k" * 40)
    assert (claim.subscriber_id, claim.nonce, claim.email) == (7, "n0nce-Value_1", None)
    with pytest.raises(BadToken):
        read_token(token, "another-key" * 4)
    with pytest.raises(BadToken):
        read_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "k" * 40)


@pytest.mark.parametrize(
    "payload",
    [{"id": 1}, [1], [1, 2, 3], "text", None, ["1", "n"], [True, "n"], [2**40, "n"], [-1, "n"]]
    + [[1, ""], [1, ["n"]], [1, "x" * 400], [1.5, "n"]],
)
def test_signed_token_with_unexpected_json_is_refused(payload):
    with pytest.raises(BadToken):
        read_token(signed(payload), SECRET)


def test_token_needs_the_subscribers_nonce(Session):  # noqa: N803
    sid = subscribe(Session, "a@freedom.example")
    with Session.begin() as s:
        sub = s.get(Subscriber, sid)
        assert len(sub.unsubscribe_nonce) >= 22  # 128 random bits
        assert read_token(token_for(Session, sid), SECRET).matches(sub)
        # Knowing the key and the (sequential) id is not enough any more.
        assert not read_token(make_token(sid, "guessed", SECRET), SECRET).matches(sub)
        # Links in mail sent before migration 0004 name the address; they still work.
        assert read_token(signed([sid, "a@freedom.example"]), SECRET).matches(sub)
        assert not read_token(signed([sid, "b@freedom.example"]), SECRET).matches(sub)
    other = subscribe(Session, "b@freedom.example")
    with Session.begin() as s:
        assert s.get(Subscriber, other).unsubscribe_nonce != sub.unsubscribe_nonce


@contextmanager
def serve(Session, **limits: float) -> Iterator[str]:  # noqa: N803
    """Run the endpoint on uvicorn on a free port until the generator is closed."""
    port = free_port()
    server = make_server(Session, SECRET, port=port, **limits)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def endpoint(Session) -> Iterator[tuple[sessionmaker[OrmSession], str]]:  # noqa: N803
    """The endpoint on a real uvicorn server (both databases), short timeouts."""
    with serve(Session, header_timeout=1.0, body_timeout=1.0, limit_concurrency=400) as base:
        yield Session, base


def request(url: str, body: bytes | None = None, content_type: str = URLENCODED) -> tuple[int, str]:
    """(status, body) of a GET, or of a POST when `body` is given."""
    headers = {"Content-Type": content_type} if body is not None else {}
    req = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def raw(base: str, data: bytes, timeout: float = 5) -> bytes:
    """Send bytes as they are and read the reply until the server closes or goes quiet."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        reply = b""
        try:
            while chunk := sock.recv(65536):
                reply += chunk
                if b"\r\n\r\n" in reply and b"content-length: 0" not in reply.lower():
                    head, _, rest = reply.partition(b"\r\n\r\n")
                    length = [
                        int(line.split(b":")[1])
                        for line in head.lower().split(b"\r\n")
                        if line.startswith(b"content-length:")
                    ]
                    if length and len(rest) >= length[0]:
                        break
        except TimeoutError:
            pass
    return reply


def status_of(reply: bytes) -> int:
    assert reply.startswith(b"HTTP/1.1 "), reply[:200]
    return int(reply.split(b" ", 2)[1])


def multipart(fields: dict[str, str], boundary: str = "bwtest7") -> tuple[bytes, str]:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    body = "".join(parts) + f"--{boundary}--\r\n"
    return body.encode(), f"multipart/form-data; boundary={boundary}"


def test_get_confirms_and_post_unsubscribes_and_cancels_queued_mail(endpoint, db_url):
    Session, base = endpoint  # noqa: N806
    build_world(Session)
    amend_hb10(Session)
    sid = subscribe(Session, "a@freedom.example")
    with Session.begin() as s:
        compose_digests(s, "daily", NOW, settings_for(db_url))
    token = token_for(Session, sid)
    # GET only shows a button: link scanners must not unsubscribe people.
    status, page = request(f"{base}/unsubscribe/{token}")
    assert status == 200 and '<form method="post"' in page
    with Session.begin() as s:
        assert s.get(Subscriber, sid).status == "active"
    status, page = request(f"{base}/unsubscribe/{token}", ONE_CLICK)
    assert status == 200 and "a@freedom.example is unsubscribed" in page
    with Session.begin() as s:
        assert s.get(Subscriber, sid).status == "unsubscribed"
        assert s.scalar(select(OutboxMessage.status)) == "cancelled"
    assert request(f"{base}/unsubscribe/{token}", ONE_CLICK)[0] == 200  # idempotent


def test_multipart_one_click_post_unsubscribes(endpoint):
    Session, base = endpoint  # noqa: N806
    sid = subscribe(Session, "m@freedom.example")
    body, content_type = multipart({"List-Unsubscribe": "One-Click"})
    status, page = request(f"{base}/unsubscribe/{token_for(Session, sid)}", body, content_type)
    assert status == 200 and "is unsubscribed" in page
    with Session.begin() as s:
        assert s.get(Subscriber, sid).status == "unsubscribed"


def test_bad_requests_are_refused_with_4xx(endpoint):
    Session, base = endpoint  # noqa: N806
    sid = subscribe(Session, "a@freedom.example")
    token = token_for(Session, sid)
    url = f"{base}/unsubscribe/{token}"
    assert request(url, b"something=else")[0] == 400
    assert request(url, b"List-Unsubscribe=One-Click&List-Unsubscribe=One-Click")[0] == 400
    assert request(url, ONE_CLICK, "text/plain")[0] == 415
    assert request(url, b"--x\r\nbroken", "multipart/form-data; boundary=x")[0] == 400
    assert request(url, b"\xff\xfe=\xff", URLENCODED)[0] == 400
    file_body, file_type = multipart({"List-Unsubscribe": "One-Click"})
    file_body = file_body.replace(b'name="List-Unsubscribe"', b'name="f"; filename="a.txt"')
    assert request(url, file_body, file_type)[0] == 400  # no file uploads
    assert request(f"{base}/unsubscribe/forged.token", ONE_CLICK)[0] == 400
    assert request(f"{base}/unsubscribe/forged.token")[0] == 400
    assert request(f"{base}/elsewhere", ONE_CLICK)[0] == 404
    assert request(f"{base}/unsubscribe/{'a' * 600}")[0] == 414
    for payload in ({"id": sid}, [sid], [str(sid), "x"], [2**40, "x"], [sid, ["x"]]):
        assert request(f"{base}/unsubscribe/{signed(payload)}", ONE_CLICK)[0] == 400
        assert request(f"{base}/unsubscribe/{signed(payload)}")[0] == 400
    wrong = make_token(sid, "not-the-nonce", SECRET)
    assert request(f"{base}/unsubscribe/{wrong}", ONE_CLICK)[0] == 400
    with Session.begin() as s:
        assert s.get(Subscriber, sid).status == "active"


@pytest.mark.parametrize("length", [b"-1", b"abc", b"1e3", b"", b"5, 7"])
def test_malformed_content_length_gets_4xx_at_once(endpoint, length):
    Session, base = endpoint  # noqa: N806
    token = token_for(Session, subscribe(Session, "a@freedom.example"))
    started = time.monotonic()
    reply = raw(
        base,
        f"POST /unsubscribe/{token} HTTP/1.1\r\nHost: x\r\n".encode()
        + b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
        + length
        + b"\r\n\r\n"
        + ONE_CLICK,
    )
    assert 400 <= status_of(reply) < 500
    assert time.monotonic() - started < 3  # answered, not left waiting for the client


def test_oversized_bodies_are_refused(endpoint):
    Session, base = endpoint  # noqa: N806
    sid = subscribe(Session, "a@freedom.example")
    url = f"{base}/unsubscribe/{token_for(Session, sid)}"
    assert request(url, ONE_CLICK + b"&x=" + b"y" * 20_000)[0] == 413
    path = url.removeprefix(base)
    chunked = b"".join(b"1000\r\n" + b"z" * 4096 + b"\r\n" for _ in range(8)) + b"0\r\n\r\n"
    reply = raw(
        base,
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {URLENCODED}\r\n".encode()
        + b"Transfer-Encoding: chunked\r\n\r\n"
        + chunked,
    )
    assert status_of(reply) == 413
    huge_header = f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Big: {'h' * 20_000}\r\n\r\n".encode()
    assert 400 <= status_of(raw(base, huge_header)) < 500
    with Session.begin() as s:
        assert s.get(Subscriber, sid).status == "active"


def test_connections_that_never_finish_headers_are_closed(endpoint):
    Session, base = endpoint  # noqa: N806
    host, port = base.removeprefix("http://").split(":")
    slow = []
    for _ in range(100):
        sock = socket.create_connection((host, int(port)), timeout=5)
        sock.sendall(b"POST /unsubscribe/x HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        slow.append(sock)
    try:
        # Others are still served while they hang.
        token = token_for(Session, subscribe(Session, "a@freedom.example"))
        assert request(f"{base}/unsubscribe/{token}")[0] == 200
        started = time.monotonic()
        for sock in slow:  # closed by the server after the 1 s header timeout
            assert sock.recv(1024) == b""
        assert time.monotonic() - started < 4
    finally:
        for sock in slow:
            sock.close()


def test_a_body_that_never_arrives_gets_408(endpoint):
    Session, base = endpoint  # noqa: N806
    token = token_for(Session, subscribe(Session, "a@freedom.example"))
    started = time.monotonic()
    reply = raw(
        base,
        f"POST /unsubscribe/{token} HTTP/1.1\r\nHost: x\r\nContent-Type: {URLENCODED}\r\n".encode()
        + b"Content-Length: 26\r\n\r\nList-Unsub",  # and never the rest
    )
    assert status_of(reply) == 408 and time.monotonic() - started < 4


def test_connections_beyond_the_limit_get_503(sqlite_url):
    from billwatch.db.session import get_sessionmaker

    Session = get_sessionmaker(sqlite_url)  # noqa: N806
    token = token_for(Session, subscribe(Session, "a@freedom.example"))
    with serve(Session, header_timeout=5.0, limit_concurrency=4) as base:
        host, port = base.removeprefix("http://").split(":")
        held = [socket.create_connection((host, int(port)), timeout=5) for _ in range(4)]
        try:
            time.sleep(0.2)  # let the server register them
            assert request(f"{base}/unsubscribe/{token}")[0] == 503
        finally:
            for sock in held:
                sock.close()
        time.sleep(0.3)
        assert request(f"{base}/unsubscribe/{token}")[0] == 200
