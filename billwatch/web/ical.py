"""An iCalendar (RFC 5545) feed of hearings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from billwatch.web.billview import aware


@dataclass
class CalendarEvent:
    """One hearing as the feed shows it."""

    uid: str
    start: dt.datetime
    summary: str
    location: str
    description: str
    url: str
    updated: dt.datetime


def escape(value: str) -> str:
    """A TEXT value escaped per RFC 5545 3.3.11 (no raw newlines, commas or semicolons)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    return "".join(ch for ch in value if ch == "\t" or ord(ch) >= 32)


def fold(line: str) -> str:
    """A content line folded at 75 octets, never inside a UTF-8 character."""
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


def _utc(value: dt.datetime) -> str:
    return aware(value).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(events: Iterable[CalendarEvent], name: str = "billwatch hearings") -> str:
    """The VCALENDAR text (CRLF line ends); hearings last an hour when no end is known."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//billwatch//workbench//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for e in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{escape(e.uid)}",
            f"DTSTAMP:{_utc(e.updated)}",
            f"DTSTART:{_utc(e.start)}",
            f"DTEND:{_utc(aware(e.start) + dt.timedelta(hours=1))}",
            f"SUMMARY:{escape(e.summary)}",
            f"LOCATION:{escape(e.location)}",
            f"DESCRIPTION:{escape(e.description)}",
            f"URL:{escape(e.url)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
