"""Credentials are masked in error strings, whatever shape the error takes."""

from __future__ import annotations

import pytest

from billwatch.redact import MASK, redact
from billwatch.settings import get_settings

KEY = "Zq8/xY+k3=Lm"  # characters that change when URL-encoded


@pytest.mark.parametrize(
    ("text", "secret_part"),
    [
        ("TimeoutError: GET https://api.legiscan.com/?key=abc123&op=getBill", "abc123"),
        ("https://v3.openstates.org/bills?jurisdiction=tx&apikey=QQ99&page=2", "QQ99"),
        ("https://api.congress.gov/v3/bill?API_KEY=cg77&format=json", "cg77"),
        ("https://x.example/a?api-key=h1h1 cancelled", "h1h1"),
        ("https://x.example/a?access_token=tok5#frag", "tok5"),
        ("request headers {b'X-Api-Key': [b'hdr-secret-1']}", "hdr-secret-1"),
        ("{'x-api-key': 'hdr2'}", "hdr2"),
        ("X-API-KEY: hdr3 was sent", "hdr3"),
        ("Authorization: Bearer brr-444", "brr-444"),
        ("cannot connect to smtp://mailer:p%40ss@smtp.example:587", "p%40ss"),
    ],
)
def test_key_shapes_are_masked(text, secret_part):
    out = redact(text, [])
    assert secret_part not in out and MASK in out


def test_configured_values_are_masked_plain_and_url_encoded(monkeypatch):
    monkeypatch.setenv("LEGISCAN_API_KEY", KEY)
    get_settings.cache_clear()
    try:
        text = f"failed {KEY} then /path/{KEY.replace('/', '%2F').replace('+', '%2B')}?q=1"
        out = redact(text)
        assert "Zq8" not in out and out.count(MASK) == 2
    finally:
        get_settings.cache_clear()


def test_ordinary_text_is_left_alone():
    text = "HTTP 500 from https://capitol.texas.gov/BillLookup/History.aspx?Bill=HB10 (keyboard)"
    assert redact(text, ["ab"]) == text  # values under 4 characters are not masked
