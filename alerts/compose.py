"""Digests and alerts end to end up to the outbox: select -> context -> render -> enqueue."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from alerts import context as ctx_mod
from alerts.context import Recipient
from alerts.outbox import alert_key, digest_key, enqueue, existing_keys
from alerts.preflight import check_mail_settings
from alerts.render import (
    FragmentCache,
    Outgoing,
    Rendered,
    build_message,
    render_alert,
    render_digest,
)
from alerts.select import (
    aware,
    changed_bill_ids,
    followed_bill_ids,
    follower_subscribers,
    freshness,
    load_snapshots,
)
from alerts.targets import Targets, own_legislators, ranked, targets_for
from alerts.unsubscribe import make_token, unsubscribe_url
from billwatch.db.models import (
    BillAction,
    Event,
    EventAgendaItem,
    OutboxMessage,
    Subscriber,
    Subscription,
)
from billwatch.redact import redact
from billwatch.settings import Settings
from billwatch.taxonomy import ALERT_TAGS

log = logging.getLogger(__name__)

PERIOD_LENGTH = {"daily": dt.timedelta(days=1), "weekly": dt.timedelta(days=7)}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class Composed:
    """What a compose pass made."""

    enqueued: int = 0
    skipped_existing: int = 0
    empty: int = 0
    previews: list[Path] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "<key>: reason" of messages not built


def period_of(frequency: str, now: dt.datetime, tz: str) -> str:
    """The idempotency period: local date for daily, ISO week for weekly."""
    local = now.astimezone(ZoneInfo(tz))
    if frequency == "weekly":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return local.date().isoformat()


def _at(hhmm: str) -> dt.time:
    hour, minute = hhmm.split(":")
    return dt.time(int(hour), int(minute))


def digest_due(frequency: str, now: dt.datetime, settings: Settings) -> bool:
    """Whether this period's digest time has come (the key stops a second one)."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    if frequency == "daily":
        return local.time() >= _at(settings.digest_daily_time)
    day = WEEKDAYS.index(settings.digest_weekly_day.lower()[:3])
    return local.weekday() > day or (
        local.weekday() == day and local.time() >= _at(settings.digest_weekly_time)
    )


def _recipient(sub: Subscriber) -> Recipient:
    return Recipient(sub.id, sub.email, sub.name, sub.organization)


def _token(sub: Subscriber, secret: str) -> str:
    return make_token(sub.id, sub.unsubscribe_nonce, secret)


def _message(
    rendered: Rendered, key: str, sub: Subscriber, now: dt.datetime, settings: Settings, token: str
) -> Outgoing:
    return build_message(
        rendered,
        key=key,
        to_email=sub.email,
        to_name=sub.name,
        mail_from=settings.mail_from,
        now=now,
        unsubscribe_token=token,
        unsubscribe_url=unsubscribe_url(settings.public_url, token),
        unsubscribe_mailto=settings.unsubscribe_mailto,
    )


def _preview(folder: Path, key: str, rendered: Rendered, message: Outgoing) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stem = key.replace(":", "_")
    (folder / f"{stem}.txt").write_text(rendered.text, encoding="utf-8")
    (folder / f"{stem}.eml").write_text(message.raw, encoding="utf-8")
    path = folder / f"{stem}.html"
    path.write_text(rendered.html, encoding="utf-8")
    return path


def _last_digest_times(session: Session, frequency: str) -> dict[int, dt.datetime]:
    rows = session.execute(
        select(OutboxMessage.subscriber_id, func.max(OutboxMessage.created_at))
        .where(
            OutboxMessage.kind == "digest",
            OutboxMessage.idempotency_key.startswith("digest:"),
            OutboxMessage.idempotency_key.contains(f":{frequency}:"),
        )
        .group_by(OutboxMessage.subscriber_id)
    )
    return {sid: aware(when) for sid, when in rows if when is not None}


def _subscribers(session: Session, frequency: str) -> list[Subscriber]:
    """Subscribers of this frequency, and those who get their workbench follows at it."""
    found = list(
        session.scalars(
            select(Subscriber)
            .where(Subscriber.status == "active")
            .where(Subscriber.subscriptions.any(Subscription.frequency == frequency))
            .options(selectinload(Subscriber.subscriptions))
            .order_by(Subscriber.id)
        )
    )
    known = {s.id for s in found}
    found += [s for s in follower_subscribers(session, frequency) if s.id not in known]
    return sorted(found, key=lambda s: s.id)


def compose_digests(
    session: Session,
    frequency: str,
    now: dt.datetime,
    settings: Settings,
    *,
    preview: Path | None = None,
    queue: bool | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Composed:
    """Render and enqueue this period's digest for every subscriber who has news.

    With `preview`, .html/.txt/.eml files are written there and nothing is enqueued or
    recorded, unless `queue=True` asks for both.
    """
    queue = preview is None if queue is None else queue
    secret = check_mail_settings(settings)
    out = Composed()
    period = period_of(frequency, now, settings.timezone)
    subs = _subscribers(session, frequency)
    if not subs:
        return out
    last = _last_digest_times(session, frequency)
    sinces = {s.id: last.get(s.id, now - PERIOD_LENGTH[frequency]) for s in subs}
    bills = load_snapshots(session, changed_bill_ids(session, min(sinces.values()), now), now)
    follows = followed_bill_ids(session, [s.id for s in subs], set(bills))
    fresh = freshness(session, {b.state for b in bills.values()})
    keys = {sub.id: digest_key(sub.id, frequency, period) for sub in subs}
    done = existing_keys(session, list(keys.values())) if queue else set()
    fragments: FragmentCache = {}
    for sub in subs:
        key = keys[sub.id]
        if key in done:
            out.skipped_existing += 1
            continue
        subscriptions = [
            (s.states, s.tags, s.keywords) for s in sub.subscriptions if s.frequency == frequency
        ]
        digest = ctx_mod.build_digest(
            _recipient(sub),
            subscriptions,
            list(bills.values()),
            frequency=frequency,
            period=period,
            since=sinces[sub.id],
            now=now,
            freshness=fresh,
            followed=follows.get(sub.id, set()),
        )
        if on_progress:
            on_progress(1)
        if digest is None:
            out.empty += 1  # nothing new for them: no empty digest is ever sent
            continue
        token = _token(sub, secret)
        try:
            rendered = render_digest(
                digest,
                tz=settings.timezone,
                cache=fragments,
                unsubscribe_url=unsubscribe_url(settings.public_url, token),
            )
            message = _message(rendered, key, sub, now, settings, token)
        except (ValueError, UnicodeError) as exc:
            out.errors.append(_skipped(key, exc))  # one member's bad data stops only their mail
            continue
        if preview:
            out.previews.append(_preview(preview, key, rendered, message))
        if queue and enqueue(
            session,
            key=key,
            subscriber_id=sub.id,
            kind="digest",
            recipient=sub.email,
            message=message,
            now=now,
        ):
            sub.last_digest_at = now
            out.enqueued += 1
            out.keys.append(key)
    return out


def _alert_candidates(session: Session, now: dt.datetime, lookback_days: int) -> set[int]:
    """Bills with a recent action or an upcoming hearing: the only ones that can trigger."""
    oldest = now.date() - dt.timedelta(days=lookback_days)
    ids = set(session.scalars(select(BillAction.bill_id).where(BillAction.date >= oldest)))
    ids |= {
        i
        for i in session.scalars(
            select(EventAgendaItem.bill_id)
            .join(Event, Event.id == EventAgendaItem.event_id)
            .where(Event.start_time >= now, EventAgendaItem.bill_id.is_not(None))
        )
        if i is not None
    }
    return ids


def compose_alerts(
    session: Session,
    now: dt.datetime,
    settings: Settings,
    *,
    preview: Path | None = None,
    queue: bool | None = None,
) -> Composed:
    """Render and enqueue one alert per (immediate subscriber, ALERT bill, triggering event).

    `preview` and `queue` work as for `compose_digests`.
    """
    queue = preview is None if queue is None else queue
    secret = check_mail_settings(settings)
    out = Composed()
    subs = _subscribers(session, "immediate")
    if not subs:
        return out
    bills = load_snapshots(
        session, _alert_candidates(session, now, settings.alert_lookback_days), now
    )
    triggered = [
        (b, t)
        for b in bills.values()
        for t in ctx_mod.detect_triggers(b, now, settings.alert_lookback_days)
    ]
    if not triggered:
        return out
    wanted = [alert_key(sub.id, b.bill_id, t.key) for sub in subs for b, t in triggered]
    follows = followed_bill_ids(session, [s.id for s in subs], {b.bill_id for b, _ in triggered})
    done = existing_keys(session, wanted) if queue else set()
    targets: dict[tuple[int, str], Targets] = {}
    record_cache: dict[int, Any] = {}
    own_cache: dict[tuple[int, str | None, str], list[ctx_mod.Contact]] = {}
    for sub in subs:
        for bill, trigger in triggered:
            key = alert_key(sub.id, bill.bill_id, trigger.key)
            if key in done:
                continue
            followed = _followed(sub, bill)
            if bill.bill_id in follows.get(sub.id, ()):
                followed |= bill.tag_names & ALERT_TAGS  # a followed ALERT bill, in any state
            if not followed:
                continue
            if (bill.bill_id, trigger.key) not in targets:
                targets[(bill.bill_id, trigger.key)] = targets_for(
                    session, bill, trigger, record_cache
                )
            found = targets[(bill.bill_id, trigger.key)]
            own: list[ctx_mod.Contact] = []
            if trigger.kind != "governor":  # the ask goes to the Governor, not to legislators
                mine = (sub.districts or {}).get(bill.state) or []
                own_key = (bill.bill_id, found.chamber, repr(mine))
                if own_key not in own_cache:
                    own_cache[own_key] = own_legislators(
                        session, bill, found.chamber, sub.districts
                    )
                own = own_cache[own_key]
            alert = ctx_mod.build_alert(
                _recipient(sub), bill, trigger, followed, ranked(found, own), found.target, now
            )
            token = _token(sub, secret)
            done.add(key)
            try:
                rendered = render_alert(
                    alert,
                    tz=settings.timezone,
                    unsubscribe_url=unsubscribe_url(settings.public_url, token),
                )
                message = _message(rendered, key, sub, now, settings, token)
            except (ValueError, UnicodeError) as exc:
                out.errors.append(_skipped(key, exc))
                continue
            if preview:
                out.previews.append(_preview(preview, key, rendered, message))
            if queue and enqueue(
                session,
                key=key,
                subscriber_id=sub.id,
                kind="alert",
                recipient=sub.email,
                message=message,
                now=now,
            ):
                out.enqueued += 1
                out.keys.append(key)
    return out


def _skipped(key: str, exc: Exception) -> str:
    """Log and describe a message that could not be built (credentials redacted)."""
    reason = redact(f"{type(exc).__name__}: {exc}")
    log.warning("message %s not built: %s", key, reason)
    return f"{key}: not built: {reason}"


def _followed(sub: Subscriber, bill: ctx_mod.BillSnapshot) -> set[str]:
    """The bill's ALERT tags that the subscriber's immediate subscriptions follow."""
    followed: set[str] = set()
    for s in sub.subscriptions:
        if s.frequency != "immediate" or (s.states and bill.state not in s.states):
            continue
        if s.keywords and not any(k.lower() in bill.haystack for k in s.keywords):
            continue
        followed |= ctx_mod.alert_subscription_tags(bill, s.tags)
    return followed


__all__ = ["Composed", "compose_alerts", "compose_digests", "digest_due", "period_of"]
