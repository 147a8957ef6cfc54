"""Jinja2 templates to subject, text and HTML parts, and the RFC 5322 message around them."""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from alerts.context import CHAMBERS, AlertContext, DigestContext, DigestItem
from alerts.ics import hearing_ics
from billwatch.db.types import jurisdiction_zone
from billwatch.taxonomy import BY_NAME

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Attachment:
    """A file sent with a message: a hearing's calendar entry."""

    filename: str
    content_type: str  # "text/calendar; method=PUBLISH"
    body: str


@dataclass
class Rendered:
    """A message's three renderings, and any files to attach."""

    subject: str
    text: str
    html: str
    attachments: list[Attachment] = field(default_factory=list)


def _localtime(
    value: dt.datetime | dt.date | None,
    tz: str,
    fmt: str = "%a %d %b %Y, %H:%M %Z",
    state: str | None = None,
) -> str:
    """A time for readers: in `state`'s own zone when given (a CA hearing in PST), else `tz`."""
    if value is None:
        return "unknown"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        zone = jurisdiction_zone(state) if state else ZoneInfo(tz)
        return value.astimezone(zone).strftime(fmt)
    return value.strftime("%a %d %b %Y")


@lru_cache(maxsize=4)
def environment(tz: str) -> Environment:
    """The template environment; HTML templates autoescape (bill text can hold markup)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["localtime"] = lambda v, fmt="%a %d %b %Y, %H:%M %Z", state=None: _localtime(
        v, tz, fmt, state
    )
    env.filters["chamber"] = lambda c: CHAMBERS.get(c or "", c or "")
    env.globals["TAG_INFO"] = BY_NAME
    return env


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    # Style tags stay for the phone media query; nothing is ever fetched from the network.
    return css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    """Move the <style> rules onto the elements, as mail clients want."""
    return _inliner().inline(html)


def _render(kind: str, tz: str, **values: object) -> Rendered:
    env = environment(tz)
    subject = env.get_template(f"{kind}_subject.txt.j2").render(**values)
    text = env.get_template(f"{kind}.txt.j2").render(**values)
    html = env.get_template(f"{kind}.html.j2").render(**values)
    return Rendered(" ".join(subject.split()), text, inline_css(html))


FragmentCache = dict[tuple[str, int, tuple[str, ...]], str]


def render_digest(
    ctx: DigestContext, *, tz: str, unsubscribe_url: str, cache: FragmentCache | None = None
) -> Rendered:
    """Subject, text and HTML of a digest.

    A bill reads the same in every digest of one run (given why it is there), so each bill's
    part is rendered once per run and reused: pass the same `cache` for one `now`.
    """
    env = environment(tz)
    cache = {} if cache is None else cache

    def bill_fragment(kind: str, item: DigestItem) -> str:
        key = (kind, item.bill.bill_id, tuple(item.reasons))
        if key not in cache:
            cache[key] = env.get_template(f"_bill.{kind}.j2").render(item=item)
        return Markup(cache[key]) if kind == "html" else cache[key]

    return _render(
        "digest", tz, d=ctx, unsubscribe_url=unsubscribe_url, bill_fragment=bill_fragment
    )


def render_call_script(ctx: AlertContext, tz: str, constituent: bool = False) -> str:
    """The call script for the alert's main tag (a template per tag, with a default).

    `constituent`: the script for the member's own legislators, the only one that says so.
    """
    env = environment(tz)
    name = f"call_scripts/{ctx.script_tag}.txt.j2"
    if not (TEMPLATES / name).exists():
        name = "call_scripts/default.txt.j2"
    return env.get_template(name).render(a=ctx, constituent=constituent).strip()


def render_alert(ctx: AlertContext, *, tz: str, unsubscribe_url: str) -> Rendered:
    """Subject, text and HTML of a rapid-response alert."""
    script = render_call_script(ctx, tz)
    own_script = render_call_script(ctx, tz, constituent=True) if ctx.has_own else None
    rendered = _render(
        "alert",
        tz,
        a=ctx,
        script=script,
        own_script=own_script,
        unsubscribe_url=unsubscribe_url,
    )
    ics = hearing_ics(ctx)
    if ics is not None:
        rendered.attachments.append(Attachment("hearing.ics", "text/calendar; method=PUBLISH", ics))
    return rendered


def message_id(key: str, mail_from: str) -> str:
    """A Message-ID derived from the idempotency key: a resend is recognisably the same mail."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "billwatch.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


@dataclass
class Outgoing:
    """A finished RFC 5322 message, as the outbox stores it."""

    subject: str
    message_id: str
    raw: str


def _part(content_type: str, body: str, filename: str | None = None) -> str:
    """One text part, quoted-printable: readable in the raw file and 7-bit safe for any MTA."""
    # binascii's encoder is C: the email package's pure-Python one was most of the run time.
    # An attachment keeps its CRLF line ends (iCalendar requires them): encoded, not altered.
    encoded = binascii.b2a_qp(
        body.encode("utf-8"), istext=filename is None, quotetabs=False
    ).decode("ascii")
    disposition = f'Content-Disposition: attachment; filename="{filename}"\n' if filename else ""
    return (
        f'Content-Type: {content_type}; charset="utf-8"\n'
        + disposition
        + "Content-Transfer-Encoding: quoted-printable\n\n"
        + encoded.rstrip("\n")
        + "\n"
    )


def build_message(
    rendered: Rendered,
    *,
    key: str,
    to_email: str,
    to_name: str | None,
    mail_from: str,
    now: dt.datetime,
    unsubscribe_token: str,
    unsubscribe_url: str,
    unsubscribe_mailto: str,
) -> Outgoing:
    """A multipart/alternative message with one-click unsubscribe headers (RFC 2369, 8058)."""
    headers = EmailMessage()  # the email package encodes the headers (names, subjects)
    headers["From"] = mail_from
    headers["To"] = formataddr((to_name or "", to_email))
    headers["Subject"] = rendered.subject
    headers["Date"] = format_datetime(now)
    msgid = message_id(key, mail_from)
    headers["Message-ID"] = msgid
    mailto = f"mailto:{unsubscribe_mailto}?subject={quote('unsubscribe ' + unsubscribe_token)}"
    boundary = "=_bw_" + hashlib.sha256(key.encode()).hexdigest()[:24]
    # Written by hand: the email package would fold these long URLs into RFC 2047 encoded
    # words, which mail clients do not read as List-Unsubscribe links.
    head = (
        headers.as_string().rstrip("\n")
        + "\n"
        + (
            f"List-Unsubscribe: <{mailto}>,\n <{unsubscribe_url}>\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
            "Auto-Submitted: auto-generated\n"  # no vacation auto-replies to the robot
            "MIME-Version: 1.0\n"
        )
    )
    body = (
        f"--{boundary}\n"
        + _part("text/plain", rendered.text)
        + f"--{boundary}\n"
        + _part("text/html", rendered.html)
        + f"--{boundary}--\n"
    )
    if rendered.attachments:
        # multipart/mixed around the alternative: clients show the calendar file as such.
        outer = boundary + "_m"
        head += f'Content-Type: multipart/mixed; boundary="{outer}"\n\n'
        body = (
            f"--{outer}\n"
            f'Content-Type: multipart/alternative; boundary="{boundary}"\n\n'
            + body
            + "".join(
                f"--{outer}\n" + _part(a.content_type, a.body, a.filename)
                for a in rendered.attachments
            )
            + f"--{outer}--\n"
        )
    else:
        head += f'Content-Type: multipart/alternative; boundary="{boundary}"\n\n'
    return Outgoing(subject=rendered.subject, message_id=msgid, raw=head + body)
