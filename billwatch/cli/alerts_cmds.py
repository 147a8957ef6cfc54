"""`billwatch subscribers|digest|alerts|outbox|unsubscribe|serve-unsubscribe`."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer
from rich.table import Table
from sqlalchemy import func, select

from alerts.compose import Composed
from alerts.outbox import requeue_unconfirmed as requeue
from alerts.preflight import MailConfigError, check_mail_settings
from alerts.send import BadSmtpUrl, SendSummary
from alerts.subscribers import (
    InvalidSubscriber,
    add_subscriber,
    import_csv,
    list_subscribers,
    make_spec,
    normalise_districts,
    remove_subscriber,
    set_districts,
)
from alerts.unsubscribe import BadToken
from alerts.unsubscribe import unsubscribe as do_unsubscribe
from alerts.web import make_server
from billwatch.cli.common import console, err_console, fail, open_database
from billwatch.console import safe
from billwatch.db.models import OutboxMessage
from billwatch.jobs import alerts_job, digest_job, send_job
from billwatch.redact import redact
from billwatch.settings import Settings, WeakSecretKey, get_settings

FREQ_HELP = "immediate (rapid-response alerts), daily or weekly digests"
subscribers_app = typer.Typer(
    help="Coalition members who get digests and alerts.", no_args_is_help=True
)


def fail_safe(message: str, code: int = 2) -> NoReturn:
    """`fail` with the message escaped and redacted: it may quote data or a URL."""
    fail(safe(redact(message)), code)


DISTRICTS_HELP = (
    "The member's own districts, STATE:DISTRICT comma separated (CA:12,NY:59): alerts put "
    "their own legislators first and only there say 'I am a constituent'."
)


def subscribers_add(
    email: str = typer.Argument(..., help="The member's email address."),
    name: str = typer.Option(None, "--name", help="Their name."),
    org: str = typer.Option(None, "--org", help="Their organisation."),
    states: str = typer.Option("", "--states", help="States to follow: CA,NY (all if empty)."),
    tags: str = typer.Option("", "--tags", help="alert, track or tag names, comma separated."),
    keywords: str = typer.Option("", "--keywords", help="Keywords, comma separated."),
    frequency: str = typer.Option("daily", "--frequency", help=FREQ_HELP),
    districts: str = typer.Option("", "--districts", help=DISTRICTS_HELP),
) -> None:
    """Add a subscriber (or another subscription for an existing one)."""
    try:
        spec = make_spec(
            email,
            name=name,
            organization=org,
            states=states,
            tags=tags,
            keywords=keywords,
            frequency=frequency,
            districts=districts,
        )
    except InvalidSubscriber as exc:
        fail_safe(str(exc))
    with open_database().begin() as session:
        sub, created = add_subscriber(session, spec)
        console.print(
            f"{'added' if created else 'updated'} {safe(sub.email)} ({spec.frequency}: "
            f"states {','.join(spec.states) or 'all'}, tags "
            f"{','.join(spec.tags) or 'any'})",
            highlight=False,
        )


def subscribers_update(
    email: str = typer.Argument(..., help="The member's email address."),
    districts: str = typer.Option(..., "--districts", help=DISTRICTS_HELP + " Empty clears."),
) -> None:
    """Change a subscriber's districts."""
    try:
        found = normalise_districts(districts)
        with open_database().begin() as session:
            exists = set_districts(session, email, found)
    except InvalidSubscriber as exc:
        fail_safe(str(exc))
    if not exists:
        fail_safe(f"no subscriber {email}", code=1)
    shown = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(found.items())) or "none"
    console.print(f"updated {safe(email)} (districts {safe(shown)})", highlight=False)


def subscribers_list() -> None:
    """List subscribers and what they follow."""
    table = Table(
        "email", "name", "organisation", "status", "frequency", "states", "tags", "keywords"
    )
    with open_database().begin() as session:
        for sub in list_subscribers(session):
            rows = [
                (s.frequency, ",".join(s.states), ",".join(s.tags), ",".join(s.keywords))
                for s in sub.subscriptions
            ] or [("", "", "", "")]
            for row in rows:
                cells = (sub.email, sub.name, sub.organization, sub.status, *row)
                table.add_row(*(safe(cell) for cell in cells))
    console.print(table)


def subscribers_remove(email: str = typer.Argument(..., help="The address to remove.")) -> None:
    """Remove a subscriber: nothing more is sent to them."""
    try:
        with open_database().begin() as session:
            found = remove_subscriber(session, email)
    except InvalidSubscriber as exc:
        fail_safe(str(exc))
    if not found:
        fail_safe(f"no subscriber {email}", code=1)
    console.print(f"removed {safe(email)}", highlight=False)


def subscribers_import(
    path: Path = typer.Argument(
        ...,
        help="CSV with columns email, name, organization, states, tags, keywords, frequency.",
    ),
) -> None:
    """Import a member list; bad rows are reported and skipped."""
    if not path.is_file():
        fail_safe(f"{path}: no such file")
    try:
        with open_database().begin() as session:
            result = import_csv(session, path)
    except (InvalidSubscriber, UnicodeDecodeError) as exc:
        fail_safe(f"{path}: {exc}" if not str(exc).startswith(str(path)) else str(exc))
    for error in result.errors:
        err_console.print(f"[yellow]skipped[/] {safe(error)}", highlight=False)
    console.print(
        f"{safe(path)}: {result.added} added, {result.updated} updated, "
        f"{len(result.errors)} skipped",
        highlight=False,
    )
    if result.errors:
        raise typer.Exit(1)


def mail_settings(settings: Settings | None = None) -> Settings:
    """The settings, refusing (exit 2 with the fix) ones that must not send mail."""
    settings = settings or get_settings()
    try:
        check_mail_settings(settings)
    except MailConfigError as exc:
        fail_safe(str(exc))
    return settings


def send_outbox() -> None:
    """Send what is due; exit 1 when the server was unreachable or deliveries are unconfirmed."""
    mail_settings()
    try:
        summary = send_job()
    except BadSmtpUrl as exc:
        fail_safe(str(exc))
    report_send(summary)
    if summary.stopped or summary.unconfirmed:
        raise typer.Exit(1)


def report_send(summary: SendSummary) -> None:
    """Print what a send pass did, and its errors on standard error."""
    console.print(
        f"sent {summary.sent}, to retry {summary.retried}, failed {summary.failed}, "
        f"cancelled {summary.cancelled}, unconfirmed {summary.unconfirmed}"
    )
    for error in summary.errors:
        err_console.print(f"[yellow]{safe(redact(error))}", highlight=False)
    if summary.stopped:
        err_console.print("[red]the SMTP server could not be reached: the rest wait")
    if summary.unconfirmed:
        err_console.print(
            "[yellow]unconfirmed messages may have been delivered: find their Message-ID in "
            "the mail server's log, then `billwatch outbox --requeue-unconfirmed` if absent"
        )


def report_skipped(composed: Composed) -> None:
    """Print the messages that could not be built (one member's bad data each)."""
    for error in composed.errors:
        err_console.print(f"[yellow]skipped[/] {safe(error)}", highlight=False)


def digest(
    frequency: str = typer.Option("daily", "--frequency", help="daily or weekly"),
    send: bool = typer.Option(False, "--send", help="Send the outbox afterwards."),
    preview: Path = typer.Option(
        None,
        "--preview",
        help="Write .html/.txt/.eml files to this folder instead of queueing anything.",
    ),
) -> None:
    """Queue this period's digests (once per subscriber and period), or preview them."""
    if frequency not in ("daily", "weekly"):
        fail("--frequency must be daily or weekly")
    if send and preview:
        fail("--send and --preview exclude each other")
    open_database()
    settings = mail_settings()
    done = digest_job(
        frequency, settings=settings, only_due=False, preview=preview, queue=preview is None
    )
    report_skipped(done)
    if preview:
        console.print(
            f"{len(done.previews)} digests written to {safe(preview)} "
            f"({done.empty} subscribers had nothing new)",
            highlight=False,
        )
    else:
        console.print(
            f"{done.enqueued} digests queued, {done.skipped_existing} already queued "
            f"for this period, {done.empty} subscribers had nothing new"
        )
        if send:
            send_outbox()
    if done.errors:
        raise typer.Exit(1)


def alerts(
    send: bool = typer.Option(False, "--send", help="Send the outbox afterwards."),
    preview: Path = typer.Option(None, "--preview", help="Write files, queue nothing."),
    lookback_days: int = typer.Option(
        None,
        "--lookback-days",
        help="Actions this many days old still alert (default BILLWATCH_ALERT_LOOKBACK_DAYS, 3).",
    ),
) -> None:
    """Queue rapid-response alerts for ALERT bills that just moved, or preview them."""
    if send and preview:
        fail("--send and --preview exclude each other")
    open_database()
    settings = mail_settings()
    if lookback_days is not None:
        settings = settings.model_copy(update={"alert_lookback_days": lookback_days})
    done = alerts_job(settings=settings, preview=preview, queue=preview is None)
    report_skipped(done)
    if preview:
        console.print(f"{len(done.previews)} alerts written to {safe(preview)}", highlight=False)
    else:
        console.print(f"{done.enqueued} alerts queued")
        if send:
            send_outbox()
    if done.errors:
        raise typer.Exit(1)


def outbox(
    send: bool = typer.Option(False, "--send", help="Send what is due now."),
    requeue_unconfirmed: bool = typer.Option(
        False,
        "--requeue-unconfirmed",
        help="Queue again messages whose delivery was interrupted (check the mail log first).",
    ),
) -> None:
    """Show the outbox by status; send it or requeue interrupted deliveries."""
    Session = open_database()  # noqa: N806
    if requeue_unconfirmed:
        with Session.begin() as session:
            console.print(f"requeued {requeue(session)} unconfirmed messages")
    failed_send = False
    if send:
        try:
            send_outbox()
        except typer.Exit as exc:
            if exc.exit_code != 1:
                raise
            failed_send = True  # show the table first, then exit non-zero
    table = Table("kind", "status", "messages")
    with Session.begin() as session:
        for kind, status, n in session.execute(
            select(OutboxMessage.kind, OutboxMessage.status, func.count())
            .group_by(OutboxMessage.kind, OutboxMessage.status)
            .order_by(OutboxMessage.kind, OutboxMessage.status)
        ):
            table.add_row(safe(kind), safe(status), str(n))
    console.print(table)
    if failed_send:
        raise typer.Exit(1)


def signing_key() -> str:
    """The secret key, or exit 2 saying how to create one."""
    try:
        return get_settings().signing_key()
    except WeakSecretKey as exc:
        fail_safe(str(exc))


def unsubscribe(
    token: str = typer.Argument(..., help="The token from a message's List-Unsubscribe link."),
) -> None:
    """Unsubscribe the address a token names; nothing more is sent to it."""
    secret = signing_key()
    try:
        with open_database().begin() as session:
            email = do_unsubscribe(session, token, secret).email
    except BadToken as exc:
        fail_safe(str(exc))
    console.print(f"unsubscribed {safe(email)}", highlight=False)


def serve_unsubscribe(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8025, "--port", help="Port to listen on."),
) -> None:
    """Serve the one-click unsubscribe endpoint (RFC 8058) until interrupted."""
    secret = signing_key()
    server = make_server(open_database(), secret, host, port)
    console.print(f"unsubscribe endpoint on http://{host}:{port}/unsubscribe/TOKEN")
    server.run()
    if not server.started:
        fail(f"could not listen on {host}:{port}")


def register(app: typer.Typer) -> None:
    """Add the subscribers group and the digest, alerts, outbox and unsubscribe commands."""
    subscribers_app.command("add")(subscribers_add)
    subscribers_app.command("update")(subscribers_update)
    subscribers_app.command("list")(subscribers_list)
    subscribers_app.command("remove")(subscribers_remove)
    subscribers_app.command("import")(subscribers_import)
    app.add_typer(subscribers_app, name="subscribers")
    app.command("digest")(digest)
    app.command("alerts")(alerts)
    app.command("outbox")(outbox)
    app.command("unsubscribe")(unsubscribe)
    app.command("serve-unsubscribe")(serve_unsubscribe)
