"""STARTTLS and AUTH against a real aiosmtpd server with a self-signed certificate."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from alerts.send import SendError, SmtpTransport
from tests.alerts.conftest import Recorder, free_port


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def check_login(server, session, envelope, mechanism, data) -> AuthResult:  # noqa: ANN001
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"bw", b"p@ss")
    return AuthResult(success=ok)


@pytest.fixture
def tls_smtpd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # our client trusts this one certificate
    recorder, port = Recorder(), free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=check_login,
    )
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


MESSAGE = "From: a@b.example\nTo: c@d.example\nSubject: hi\n\nbody\n"


def test_starttls_then_login_then_send(tls_smtpd):
    recorder, port = tls_smtpd
    with SmtpTransport(f"smtp://bw:p%40ss@127.0.0.1:{port}", timeout=5) as transport:
        code = transport.deliver("a@b.example", "c@d.example", "k", MESSAGE, lambda: None)
    assert code == 250 and recorder.messages[0]["Subject"] == "hi"


def test_wrong_password_is_an_error_not_a_send(tls_smtpd):
    recorder, port = tls_smtpd
    with (
        pytest.raises(SendError),
        SmtpTransport(f"smtp://bw:wrong@127.0.0.1:{port}", timeout=5) as transport,
    ):
        transport.deliver("a@b.example", "c@d.example", "k", MESSAGE, lambda: None)
    assert not recorder.messages


def test_password_never_goes_out_in_clear(smtpd):
    recorder, url = smtpd  # a server without STARTTLS
    port = url.rsplit(":", 1)[1].split("?")[0]
    handed_over = []
    with (
        pytest.raises(SendError, match="does not offer STARTTLS"),
        SmtpTransport(f"smtp://bw:secret@127.0.0.1:{port}", timeout=5) as transport,
    ):
        transport.deliver("a@b.example", "c@d.example", "k", MESSAGE, lambda: handed_over.append(1))
    assert not recorder.messages and not handed_over


def test_refused_login_is_a_connection_error_to_retry(tls_smtpd):
    _, port = tls_smtpd
    with (
        pytest.raises(SendError) as info,
        SmtpTransport(f"smtp://bw:wrong@127.0.0.1:{port}", timeout=5) as transport,
    ):
        transport.deliver("a@b.example", "c@d.example", "k", MESSAGE, lambda: None)
    assert info.value.connection and not info.value.address
