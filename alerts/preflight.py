"""Checks that mail settings are safe before anything is composed, sent or served."""

from __future__ import annotations

from urllib.parse import urlsplit

from billwatch.settings import Settings, WeakSecretKey

SMTP_SCHEMES = ("smtp", "smtps")
MAIL_SCHEMES = (*SMTP_SCHEMES, "file")


class MailConfigError(ValueError):
    """Mail settings that would put members at risk or cannot work; the message says the fix."""


def smtp_url_problem(url: str) -> str | None:
    """Why BILLWATCH_SMTP_URL cannot be used, or None (the URL's password is never quoted)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"BILLWATCH_SMTP_URL is not a valid URL ({exc})"
    if parts.scheme not in MAIL_SCHEMES:
        return (
            f"BILLWATCH_SMTP_URL has the unsupported scheme {parts.scheme!r}: use "
            "smtp://host:587 (STARTTLS), smtps://host:465 or file:///folder"
        )
    if parts.scheme in SMTP_SCHEMES and not parts.hostname:
        return "BILLWATCH_SMTP_URL names no host (smtp://host:587)"
    return None


def check_mail_settings(settings: Settings) -> str:
    """The signing key when mail may go out with these settings, else MailConfigError.

    Refused: a missing, example or short secret key (anyone could forge unsubscribe links), an
    unusable SMTP URL, and a plain-http public URL when mail goes to a real SMTP server
    (RFC 8058 one-click unsubscribe requires https; .eml files for a demo may use http).
    """
    problems = []
    try:
        key = settings.signing_key()
    except WeakSecretKey as exc:
        problems.append(str(exc))
        key = ""
    smtp_problem = smtp_url_problem(settings.smtp_url)
    if smtp_problem:
        problems.append(smtp_problem)
    elif urlsplit(settings.smtp_url).scheme in SMTP_SCHEMES:
        public = urlsplit(settings.public_url)
        if public.scheme != "https" or not public.hostname:
            problems.append(
                f"BILLWATCH_PUBLIC_URL {settings.public_url!r} is not an https URL: one-click "
                "unsubscribe links (RFC 8058) must be https when mail goes to an SMTP server"
            )
    if problems:
        raise MailConfigError("; ".join(problems))
    return key
