"""`billwatch subscribers|digest|alerts|outbox|unsubscribe|serve-unsubscribe`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from billwatch.cli.common import console, err_console, fail, open_database

FREQ_HELP = "immediate (rapid-response alerts), daily or weekly digests"


def _subscribers_group() -> typer.Typer:
    group = typer.Typer(help="Coalition members who get digests and alerts.", no_args_is_help=True)

    @group.command("add")
    def add(
        email: str = typer.Argument(..., help="The member's email address."),
        name: str = typer.Option(None, "--name", help="Their name."),
        org: str = typer.Option(None, "--org", help="Their organisation."),
        states: str = typer.Option("", "--states", help="States to follow: CA,NY (all if empty)."),
        tags: str = typer.Option("", "--tags", help="alert, track or tag names, comma separated."),
        keywords: str = typer.Option("", "--keywords", help="Keywords, comma separated."),
        frequency: str = typer.Option("daily", "--frequency", help=FREQ_HELP),
    ) -> None:
        """Add a subscriber (or another subscription for an existing one)."""
        from alerts.subscribers import InvalidSubscriber, add_subscriber, make_spec

        try:
            spec = make_spec(
                email,
                name=name,
                organization=org,
                states=states,
                tags=tags,
                keywords=keywords,
                frequency=frequency,
            )
        except InvalidSubscriber as exc:
            fail(str(exc))
        with open_database().begin() as session:
            sub, created = add_subscriber(session, spec)
            console.print(
                f"{'added' if created else 'updated'} {sub.email} ({spec.frequency}: "
                f"states {','.join(spec.states) or 'all'}, tags "
                f"{','.join(spec.tags) or 'any'})",
                highlight=False,
            )

    @group.command("list")
    def list_() -> None:
        """List subscribers and what they follow."""
        from alerts.subscribers import list_subscribers

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
                    table.add_row(
                        sub.email, sub.name or "", sub.organization or "", sub.status, *row
                    )
        console.print(table)

    @group.command("remove")
    def remove(email: str = typer.Argument(..., help="The address to remove.")) -> None:
        """Remove a subscriber: nothing more is sent to them."""
        from alerts.subscribers import InvalidSubscriber, remove_subscriber

        try:
            with open_database().begin() as session:
                found = remove_subscriber(session, email)
        except InvalidSubscriber as exc:
            fail(str(exc))
        if not found:
            fail(f"no subscriber {email}", code=1)
        console.print(f"removed {email}")

    @group.command("import")
    def import_(
        path: Path = typer.Argument(
            ...,
            help="CSV with columns email, name, organization, states, tags, keywords, frequency.",
        ),
    ) -> None:
        """Import a member list; bad rows are reported and skipped."""
        from alerts.subscribers import InvalidSubscriber, import_csv

        if not path.is_file():
            fail(f"{path}: no such file")
        try:
            with open_database().begin() as session:
                result = import_csv(session, path)
        except (InvalidSubscriber, UnicodeDecodeError) as exc:
            fail(f"{path}: {exc}" if not str(exc).startswith(str(path)) else str(exc))
        for error in result.errors:
            err_console.print(f"[yellow]skipped[/] {error}", highlight=False)
        console.print(
            f"{path}: {result.added} added, {result.updated} updated, {len(result.errors)} skipped",
            highlight=False,
        )
        if result.errors:
            raise typer.Exit(1)

    return group


def _settings():  # type: ignore[no-untyped-def]
    from billwatch.settings import get_settings

    return get_settings()


def _report_send(summary) -> None:  # type: ignore[no-untyped-def]
    console.print(
        f"sent {summary.sent}, to retry {summary.retried}, failed {summary.failed}, "
        f"cancelled {summary.cancelled}, unconfirmed {summary.unconfirmed}"
    )
    for error in summary.errors:
        err_console.print(f"[yellow]{error}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the subscribers group and the digest, alerts and unsubscribe commands."""
    app.add_typer(_subscribers_group(), name="subscribers")

    @app.command("digest")
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
        from billwatch.jobs import digest_job, send_job

        if frequency not in ("daily", "weekly"):
            fail("--frequency must be daily or weekly")
        if send and preview:
            fail("--send and --preview exclude each other")
        open_database()
        done = digest_job(frequency, only_due=False, preview=preview, queue=preview is None)
        if preview:
            console.print(
                f"{len(done.previews)} digests written to {preview} "
                f"({done.empty} subscribers had nothing new)"
            )
            return
        console.print(
            f"{done.enqueued} digests queued, {done.skipped_existing} already queued "
            f"for this period, {done.empty} subscribers had nothing new"
        )
        if send:
            _report_send(send_job())

    @app.command("alerts")
    def alerts(
        send: bool = typer.Option(False, "--send", help="Send the outbox afterwards."),
        preview: Path = typer.Option(None, "--preview", help="Write files, queue nothing."),
        lookback_days: int = typer.Option(
            None,
            "--lookback-days",
            help="Actions this many days old still alert "
            "(default BILLWATCH_ALERT_LOOKBACK_DAYS, 3).",
        ),
    ) -> None:
        """Queue rapid-response alerts for ALERT bills that just moved, or preview them."""
        from billwatch.jobs import alerts_job, send_job

        if send and preview:
            fail("--send and --preview exclude each other")
        open_database()
        if lookback_days is not None:
            settings = _settings().model_copy(update={"alert_lookback_days": lookback_days})
        else:
            settings = _settings()
        done = alerts_job(settings=settings, preview=preview, queue=preview is None)
        if preview:
            console.print(f"{len(done.previews)} alerts written to {preview}")
            return
        console.print(f"{done.enqueued} alerts queued")
        if send:
            _report_send(send_job())

    @app.command("outbox")
    def outbox(
        send: bool = typer.Option(False, "--send", help="Send what is due now."),
        requeue_unconfirmed: bool = typer.Option(
            False,
            "--requeue-unconfirmed",
            help="Queue again messages whose delivery was interrupted (check the mail log).",
        ),
    ) -> None:
        """Show the outbox by status; send it or requeue interrupted deliveries."""
        from sqlalchemy import func, select

        from alerts.outbox import requeue_unconfirmed as requeue
        from billwatch.db.models import OutboxMessage
        from billwatch.jobs import send_job

        Session = open_database()  # noqa: N806
        if requeue_unconfirmed:
            with Session.begin() as session:
                console.print(f"requeued {requeue(session)} unconfirmed messages")
        if send:
            _report_send(send_job())
        table = Table("kind", "status", "messages")
        with Session.begin() as session:
            for kind, status, n in session.execute(
                select(OutboxMessage.kind, OutboxMessage.status, func.count())
                .group_by(OutboxMessage.kind, OutboxMessage.status)
                .order_by(OutboxMessage.kind, OutboxMessage.status)
            ):
                table.add_row(kind, status, str(n))
        console.print(table)

    @app.command("unsubscribe")
    def unsubscribe(
        token: str = typer.Argument(..., help="The token from a message's List-Unsubscribe link."),
    ) -> None:
        """Unsubscribe the address a token names; nothing more is sent to it."""
        from alerts.unsubscribe import BadToken
        from alerts.unsubscribe import unsubscribe as do_unsubscribe

        secret = _settings().secret_key.get_secret_value()
        try:
            with open_database().begin() as session:
                sub = do_unsubscribe(session, token, secret)
                email = sub.email
        except BadToken as exc:
            fail(str(exc))
        console.print(f"unsubscribed {email}")

    @app.command("serve-unsubscribe")
    def serve_unsubscribe(
        host: str = typer.Option("127.0.0.1", "--host"),
        port: int = typer.Option(8025, "--port"),
    ) -> None:
        """Serve the one-click unsubscribe endpoint (RFC 8058) until interrupted."""
        from alerts.unsubscribe import make_server

        server = make_server(open_database(), _settings().secret_key.get_secret_value(), host, port)
        console.print(
            f"unsubscribe endpoint on http://{host}:{server.server_address[1]}/unsubscribe/TOKEN"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
