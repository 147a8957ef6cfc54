"""What the bill page shows: the timeline in local time, marked-up text, diffs, tag evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import us
from sqlalchemy import select
from sqlalchemy.orm import Session

from billwatch.db import queries
from billwatch.db.models import Bill, BillVersion, Event, Tag, VersionClassification
from billwatch.text.diff import diff_versions
from billwatch.text.marked import ExtractedText

MAX_RENDER = 400_000  # characters of one version shown on the page; the rest is linked
EASTERN = ZoneInfo("America/New_York")


def state_zone(code: str) -> ZoneInfo:
    """The time zone of a state's capital (DC and Congress: Eastern)."""
    state = us.states.lookup(code) if code not in ("US", "DC") else None
    return ZoneInfo(state.capital_tz) if state is not None and state.capital_tz else EASTERN


def aware(value: dt.datetime) -> dt.datetime:
    """A stored time as UTC-aware (SQLite hands back naive UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def local_time(value: dt.datetime, zone: ZoneInfo) -> str:
    """A time in `zone`, with the zone's abbreviation: `2026-12-01 09:30 PST`."""
    return aware(value).astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


@dataclass
class TimelineEntry:
    """An action or a hearing on the bill's timeline."""

    when: str
    sort_key: tuple[dt.date, int, int]
    kind: str  # action, hearing
    text: str
    detail: str = ""
    classification: list[str] = field(default_factory=list)


def timeline(bill: Bill, events: Sequence[Event], zone: ZoneInfo) -> list[TimelineEntry]:
    """Actions (dates only: sources give no time) and hearings (local time), in order."""
    out = [
        TimelineEntry(
            when=a.date.isoformat(),
            sort_key=(a.date, 0, a.order),
            kind="action",
            text=a.description,
            detail=a.organization or "",
            classification=list(a.classification or []),
        )
        for a in bill.actions
    ]
    for e in events:
        local = aware(e.start_time).astimezone(zone)
        out.append(
            TimelineEntry(
                when=local_time(e.start_time, zone),
                sort_key=(local.date(), 1, local.hour * 60 + local.minute),
                kind="hearing",
                text=e.name,
                detail=", ".join(x for x in (e.committee, e.location, e.status) if x),
            )
        )
    return sorted(out, key=lambda t: t.sort_key)


@dataclass
class Segment:
    """A run of text with one set of marks: inserted, struck, and the tags whose evidence it is."""

    text: str
    inserted: bool = False
    struck: bool = False
    tags: tuple[str, ...] = ()


def segments(
    text: str,
    inserted: Sequence[Sequence[int]],
    struck: Sequence[Sequence[int]],
    evidence: Sequence[tuple[int, int, str]] = (),
    limit: int = MAX_RENDER,
) -> list[Segment]:
    """The text cut where any mark starts or ends; spans outside the text are clipped."""
    n = min(len(text), limit)

    def clip(spans: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
        return [(max(0, s), min(n, e)) for s, e, *_ in spans if s < e and s < n and e > 0]

    ins, dels = clip(inserted), clip(struck)
    marks = [(max(0, s), min(n, e), tag) for s, e, tag in evidence if s < e and s < n and e > 0]
    cuts = sorted(
        {0, n, *(p for s, e in ins + dels for p in (s, e))} | {p for m in marks for p in m[:2]}
    )
    out: list[Segment] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        if start >= end:
            continue
        seg = Segment(
            text[start:end],
            inserted=any(s <= start and end <= e for s, e in ins),
            struck=any(s <= start and end <= e for s, e in dels),
            tags=tuple(sorted({t for s, e, t in marks if s <= start and end <= e})),
        )
        last = out[-1] if out else None
        if last and (last.inserted, last.struck, last.tags) == (seg.inserted, seg.struck, seg.tags):
            last.text += seg.text
        else:
            out.append(seg)
    return out


def version_segments(version: BillVersion, tags: Sequence[Tag]) -> list[Segment]:
    """A stored version's text with its marks and its tags' evidence."""
    evidence = [
        (t.evidence_start, t.evidence_end, t.tag)
        for t in tags
        if t.evidence_start is not None and t.evidence_end is not None
    ]
    return segments(version.text, version.inserted or [], version.struck or [], evidence)


def diff_segments(old: BillVersion, new: BillVersion) -> list[Segment]:
    """What changed from `old` to `new` as read (struck words left out of each side first)."""
    before = ExtractedText(old.text, _spans(old.inserted), _spans(old.struck)).current()
    after = ExtractedText(new.text, _spans(new.inserted), _spans(new.struck)).current()
    diff = diff_versions(before[:MAX_RENDER], after[:MAX_RENDER])
    return segments(diff.text, diff.inserted, diff.struck)


def _spans(spans: list[list[int]] | None) -> list[tuple[int, int]]:
    return [(int(s), int(e)) for s, e in spans or []]


def stance(session: Session, bill: Bill) -> str | None:
    """The stance of the bill's latest version from its newest classification."""
    if not bill.versions:
        return None
    latest = max(bill.versions, key=lambda v: (v.date is not None, v.date or dt.date.min, v.id))
    return session.scalar(
        select(VersionClassification.stance)
        .where(VersionClassification.version_id == latest.id)
        .order_by(VersionClassification.classified_at.desc(), VersionClassification.id.desc())
        .limit(1)
    )


def bill_tags(session: Session, bill: Bill) -> dict[int, list[Tag]]:
    """Current, unrejected tags per version."""
    return queries.current_tags(session, [v.id for v in bill.versions])
