"""A hearing as an iCalendar file (RFC 5545) to attach to an alert, in the state's own zone."""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from alerts.context import AlertContext
from billwatch.db.types import jurisdiction_zone

HOUR = dt.timedelta(hours=1)


def escape(value: str) -> str:
    """A TEXT value escaped per RFC 5545 3.3.11 (no raw newlines, commas or semicolons)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    return "".join(ch for ch in value if ch == "\t" or ord(ch) >= 32)


def fold(line: str) -> str:
    """A content line folded at 75 octets, never inside a UTF-8 character (RFC 5545 3.1)."""
    out: list[str] = []
    current = b""
    for ch in line:
        encoded = ch.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _offset(delta: dt.timedelta | None) -> str:
    minutes = int((delta or dt.timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _local(value: dt.datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def vtimezone(zone: ZoneInfo, year: int) -> list[str]:
    """A VTIMEZONE for `zone` covering `year`: its offset changes found hour by hour.

    Each observance starts at the local time of that year's change (no RRULE): the file only
    has to be right for the one hearing it carries.
    """
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    moment, before = start, start.astimezone(zone).utcoffset()
    changes: list[tuple[dt.datetime, dt.timedelta | None, dt.timedelta | None]] = []
    while moment.year == year:
        moment += HOUR
        now = moment.astimezone(zone).utcoffset()
        if now != before:
            changes.append((moment, before, now))
            before = now
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone.key}"]
    if not changes:
        offset = _offset(before)
        name = start.astimezone(zone).tzname() or offset
        return [
            *lines,
            "BEGIN:STANDARD",
            f"DTSTART:{year}0101T000000",
            f"TZOFFSETFROM:{offset}",
            f"TZOFFSETTO:{offset}",
            f"TZNAME:{escape(name)}",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]
    for moment, old, new in changes:
        kind = "DAYLIGHT" if moment.astimezone(zone).dst() else "STANDARD"
        # DTSTART is the local wall time in the old offset at the instant of the change.
        wall = (moment + (old or dt.timedelta())).replace(tzinfo=None)
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{_local(wall)}",
            f"TZOFFSETFROM:{_offset(old)}",
            f"TZOFFSETTO:{_offset(new)}",
            f"TZNAME:{escape(moment.astimezone(zone).tzname() or _offset(new))}",
            f"END:{kind}",
        ]
    return [*lines, "END:VTIMEZONE"]


def hearing_ics(ctx: AlertContext, domain: str = "billwatch.invalid") -> str | None:
    """The VCALENDAR text (CRLF line ends) of the alert's hearing, or None for other alerts.

    The UID is stable per hearing, so a calendar updates the entry when a later alert about the
    same hearing is opened; hearings last an hour when the source gives no end.
    """
    hearing = ctx.hearing
    if hearing is None:
        return None
    b = ctx.bill
    zone = jurisdiction_zone(b.state)
    start = hearing.start.astimezone(zone)
    uid = hashlib.sha256(f"{b.state}:event:{hearing.event_id}".encode()).hexdigest()[:32]
    stamp = ctx.now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    summary = f"Hearing: {b.state} {b.identifier}" + (
        f" ({hearing.committee})" if hearing.committee else ""
    )
    description = f"{b.title}\n{hearing.name}" + (f"\n{hearing.url}" if hearing.url else "")
    if hearing.livestream_url:
        description += f"\nWatch live: {hearing.livestream_url}"
    event = [
        "BEGIN:VEVENT",
        f"UID:{uid}@{domain}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;TZID={zone.key}:{_local(start)}",
        f"DTEND;TZID={zone.key}:{_local((hearing.start + HOUR).astimezone(zone))}",
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(description)}",
    ]
    if hearing.location:
        event.append(f"LOCATION:{escape(hearing.location)}")
    if hearing.url:
        event.append(f"URL:{escape(hearing.url)}")
    if hearing.status == "cancelled":
        event.append("STATUS:CANCELLED")
    event.append("END:VEVENT")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//billwatch//alerts//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *vtimezone(zone, start.year),
        *event,
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
