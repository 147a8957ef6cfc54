"""Jinja2 templates to subject, text and HTML parts, and the RFC 5322 message around them."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from alerts.context import CHAMBERS, AlertContext, DigestContext
from classifier.taxonomy import BY_NAME

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Rendered:
    """A message's three renderings."""

    subject: str
    text: str
    html: str


def _localtime(value: dt.datetime | dt.date | None, tz: str, fmt: str = "%a %d %b %Y, %H:%M %Z"
               ) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(ZoneInfo(tz)).strftime(fmt)
    return value.strftime("%a %d %b %Y")


@lru_cache(maxsize=4)
def environment(tz: str) -> Environment:
    """The template environment; HTML templates autoescape (bill text can hold markup)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"),
                                     default_for_string=False),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["localtime"] = lambda v, fmt="%a %d %b %Y, %H:%M %Z": _localtime(v, tz, fmt)
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


def render_digest(ctx: DigestContext, *, tz: str, unsubscribe_url: str) -> Rendered:
    """Subject, text and HTML of a digest."""
    return _render("digest", tz, d=ctx, unsubscribe_url=unsubscribe_url)


def render_call_script(ctx: AlertContext, tz: str) -> str:
    """The call script for the alert's main tag (a template per tag, with a default)."""
    env = environment(tz)
    name = f"call_scripts/{ctx.script_tag}.txt.j2"
    if not (TEMPLATES / name).exists():
        name = "call_scripts/default.txt.j2"
    return env.get_template(name).render(a=ctx).strip()


def render_alert(ctx: AlertContext, *, tz: str, unsubscribe_url: str) -> Rendered:
    """Subject, text and HTML of a rapid-response alert."""
    script = render_call_script(ctx, tz)
    return _render("alert", tz, a=ctx, script=script, unsubscribe_url=unsubscribe_url)


def message_id(key: str, mail_from: str) -> str:
    """A Message-ID derived from the idempotency key: a resend is recognisably the same mail."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "billwatch.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def build_message(
    rendered: Rendered, *, key: str, to_email: str, to_name: str | None, mail_from: str,
    now: dt.datetime, unsubscribe_token: str, unsubscribe_url: str, unsubscribe_mailto: str,
) -> EmailMessage:
    """A multipart/alternative message with one-click unsubscribe headers (RFC 2369, 8058)."""
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = formataddr((to_name or "", to_email))
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(key, mail_from)
    mailto = f"mailto:{unsubscribe_mailto}?subject={quote('unsubscribe ' + unsubscribe_token)}"
    msg["List-Unsubscribe"] = f"<{mailto}>, <{unsubscribe_url}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"  # no vacation auto-replies to the robot
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    return msg
