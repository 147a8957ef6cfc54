"""New York Open Legislation API v3 bill responses (`/api/3/bills/{year}/{printNo}`) as records.

The `result` carries every amendment (`amendments.items`, keyed "" for the original print and
"A", "B"... for amended prints) with its `fullText` (plain) and, when requested with
`fullTextFormat=HTML`, `fullTextHtml` in LBDC markup (`<B><U>` new, `[<B><S>...</S></B>]` struck).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from billwatch.actions import rules
from billwatch.ingest.bulk import Total, collect_all
from billwatch.ingest.common import (
    ParseError,
    chamber_from_text,
    classify,
    clean,
    local_time,
    parse_date,
    parse_datetime,
    require,
    with_text,
)
from billwatch.ingest.identifiers import normalise_identifier
from billwatch.ingest.inputs import load_json
from billwatch.ingest.runner import Ingester
from billwatch.ingest.sessions import session_for_year
from billwatch.ingest.validate import MAX_DOCUMENT, checked, items, source_id, web_url
from billwatch.ingest.validate import text as text_value
from billwatch.ingest.validate import year as year_of
from billwatch.ingest.votes import parse_ny_floor_vote_xml, parse_ny_votes, write_votes
from billwatch.records import (
    ActionRecord,
    AgendaItemRecord,
    BillRecord,
    EventRecord,
    SponsorRecord,
    VersionRecord,
)

SOURCE = "ny_openleg"  # the name `crawl`, `ingest` and the settings use

PUBLIC_URL = "https://www.nysenate.gov/legislation/bills/{session}/{print_no}"

# NY action text (S609-2017: "AMEND (T) AND RECOMMIT TO JUDICIARY", "PRINT NUMBER 609A").
RULES = rules(
    (r"^print number|^delivered to (senate|assembly)|^returned to (senate|assembly)", []),
    (r"amend.*recommit", ["amendment-passage", "referral-committee"]),
    (r"^signed chap|^signed\b", ["executive-signature", "became-law"]),
    (r"^vetoed", ["executive-veto"]),
    (r"^delivered to governor", ["executive-receipt"]),
    (r"enacting clause stricken|^died in", ["failure"]),
    (r"^substituted by", ["substitution"]),
    (r"^(re)?passed (senate|assembly)", ["passage"]),
    (r"^1st report cal", ["committee-passage", "reading-1"]),
    (r"^2nd report cal", ["reading-2"]),
    (r"^(advanced to )?third reading|^ordered to third reading|^3rd reading", ["reading-3"]),
    (r"^reported referred to", ["committee-passage", "referral-committee"]),
    (r"^reported\b", ["committee-passage"]),
    (r"^(re)?committed to|^recommitted to|^referred to", ["referral-committee"]),
)


def _items(value: Any, field: str = "items") -> list[dict[str, Any]]:
    """The `items` of an Open Legislation list view (a list, or a map for amendments)."""
    if isinstance(value, dict):
        value = value.get("items")
        if isinstance(value, dict):
            value = list(value.values())
    return items(value, field)  # objects only, and not a million of them


def _result(payload: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ParseError("not a JSON object")
    if "result" in payload and "basePrintNo" not in payload:
        if payload.get("success") is False:
            raise ParseError(f"API error response: {payload.get('message')}")
        payload = payload["result"]
    if not isinstance(payload, dict) or "basePrintNo" not in payload:
        raise ParseError("unknown format: not an Open Legislation bill response")
    return payload


def session_of(result: dict[str, Any]) -> str:
    """The canonical session of a bill ("2017" -> "2017-2018")."""
    return session_for_year("NY", year_of(require(result, "session", "bill result"), "session"))


def _version(result: dict[str, Any], amendment: dict[str, Any]) -> VersionRecord:
    letter = amendment.get("version") or ""
    letter = text_value(letter, "amendment version", limit=4)
    print_no = text_value(amendment.get("printNo"), "printNo", limit=40)
    print_no = print_no or f"{result['basePrintNo']}{letter}"
    html = text_value(amendment.get("fullTextHtml"), "fullTextHtml", limit=MAX_DOCUMENT)
    plain = text_value(amendment.get("fullText"), "fullText", limit=MAX_DOCUMENT)
    if not html and "<pre" in plain[:2000].lower():
        html = plain
    version = VersionRecord(
        note="Amended" if letter else "Introduced",
        date=parse_date(amendment.get("publishDate")),
        url=web_url(
            PUBLIC_URL.format(session=year_of(result["session"], "session"), print_no=print_no)
        ),
        media_type="text/html" if html else "text/plain",
        source_key=print_no,
    )
    from billwatch.text import html_to_text, plain_text_to_text

    # Plain fullText keeps the print layout: line numbers, CAPITALS for new matter, [brackets].
    with_text(version, html_to_text(html) if html else plain_text_to_text(plain))
    return version


def _actions(result: dict[str, Any]) -> list[ActionRecord]:
    actions = []
    for order, item in enumerate(_items(result.get("actions"), "actions")):
        date, text = parse_date(item.get("date")), clean(text_value(item.get("text"), "action"))
        if date is None or not text:
            continue  # nothing to store; the bill's other actions still count
        actions.append(
            ActionRecord(
                date=date,
                description=text,
                organization=chamber_from_text(item.get("chamber", "")),
                classification=classify(text, RULES),
                order=_order(item.get("sequenceNo"), order),
            )
        )
    return actions


def _order(value: Any, default: int) -> int:
    """An action's sequence number, or its position when absent or not a small number."""
    try:
        return source_id(value, "sequenceNo") if value else default
    except ParseError:
        return default


def _member_sponsor(member: dict[str, Any], kind: str) -> SponsorRecord:
    name = clean(
        text_value(member.get("fullName"), "fullName")
        or text_value(member.get("shortName"), "shortName")
    )
    ref = f"nysenate:{member['memberId']}" if member.get("memberId") else None
    return SponsorRecord(name=name, classification=kind, person_ref=ref)


def _sponsors(result: dict[str, Any], active: dict[str, Any]) -> list[SponsorRecord]:
    sponsors: list[SponsorRecord] = []
    sponsor = result.get("sponsor") or {}
    if sponsor.get("member"):
        sponsors.append(_member_sponsor(sponsor["member"], "primary"))
    elif sponsor.get("rules"):
        sponsors.append(SponsorRecord(name="Rules Committee", entity_type="organization"))
    elif sponsor.get("budget"):
        sponsors.append(SponsorRecord(name="Budget Bill", entity_type="organization"))
    for member in _items(result.get("additionalSponsors")):
        sponsors.append(_member_sponsor(member, "primary"))
    for key in ("coSponsors", "multiSponsors"):
        for member in _items(active.get(key)):
            sponsors.append(_member_sponsor(member, "cosponsor"))
    unique = {(s.name, s.classification): s for s in sponsors if s.name}
    return list(unique.values())


def _status(result: dict[str, Any]) -> str | None:
    if result.get("signed") or result.get("adopted"):
        return "enacted"
    if result.get("vetoed"):
        return "vetoed"
    return None


@checked("New York bill")
def parse_bill(result: dict[str, Any]) -> BillRecord:
    """A BillRecord from a bill `result` (or the whole response): versions, actions, sponsors."""
    result = _result(result)
    base = text_value(require(result, "basePrintNo", "bill result"), "basePrintNo", limit=40)
    session = session_of(result)  # checked first: a session of 1e30 must not make a new bill
    amendments = _items(result.get("amendments"), "amendments")
    if not amendments:
        raise ParseError(f"bill {base} has no amendments (text versions)")
    active_letter = result.get("activeVersion") or ""
    active = next(
        (a for a in amendments if (a.get("version") or "") == active_letter), amendments[-1]
    )
    status = result.get("status") or {}
    return BillRecord(
        jurisdiction="NY",
        session=session,
        identifier=normalise_identifier(base),
        title=clean(text_value(result.get("title"), "title")).lstrip("@"),
        classification=[
            "resolution" if (result.get("billType") or {}).get("resolution") else "bill"
        ],
        status=_status(result),
        source_urls=[
            u
            for u in [
                web_url(
                    PUBLIC_URL.format(session=year_of(result["session"], "session"), print_no=base)
                )
            ]
            if u
        ],
        versions=[_version(result, a) for a in amendments],
        actions=_actions(result),
        sponsors=_sponsors(result, active),
        extras={
            "ny_openleg": {
                "printNo": result.get("printNo"),
                "activeVersion": active_letter,
                "statusType": status.get("statusType"),
                "statusDesc": status.get("statusDesc"),
                "committee": status.get("committeeName"),
            },
            "description": clean(text_value(result.get("summary"), "summary")),
        },
    )


def _meeting_time(meeting: dict[str, Any]) -> dt.datetime | None:
    return parse_datetime(meeting.get("meetingDateTime") or meeting.get("meetingDate"))


@checked("New York agenda")
def parse_agendas(result: dict[str, Any]) -> list[EventRecord]:
    """The committee meetings in `committeeAgendas` that carry their meeting details.

    The bill view lists agenda references (`agendaId`, `committeeId`); a meeting's time and
    place come with the agenda's addenda (`addenda.items[].meeting`, as `/api/3/agendas`
    returns them), which spiders merge in. A reference without a meeting time is not a hearing
    we can date, so it is skipped.
    """
    result = _result(result)
    base = result.get("basePrintNo")
    events = []
    for ref in _items(result.get("committeeAgendas")):
        agenda_id = ref.get("agendaId") or {}
        committee = ref.get("committeeId") or {}
        for addendum in _items(ref.get("addenda")):
            meeting = addendum.get("meeting") or {}
            start = _meeting_time(meeting)
            if start is None:
                continue
            name = clean(committee.get("name"))
            key = (
                f"ny-agenda:{agenda_id.get('year')}-{agenda_id.get('number')}"
                f"-{addendum.get('addendumId') or ''}:{committee.get('chamber')}:{name}"
            )
            bills = _items(addendum.get("bills")) or [{"billId": {"basePrintNo": base}}]
            events.append(
                EventRecord(
                    jurisdiction="NY",
                    source_key=key,
                    name=f"{name} committee meeting",
                    start_time=local_time(start, "NY"),
                    committee=name,
                    chamber=chamber_from_text(committee.get("chamber", "")),
                    location=clean(meeting.get("location")) or None,
                    description=clean(meeting.get("notes")),
                    agenda=[_agenda_item(item, result) for item in bills],
                )
            )
    return events


def _agenda_item(item: dict[str, Any], result: dict[str, Any]) -> AgendaItemRecord:
    bill_id = item.get("billId") or {}
    base = bill_id.get("basePrintNo") or bill_id.get("printNo") or ""
    year = bill_id.get("session") or result.get("session")
    return AgendaItemRecord(
        bill_identifier=normalise_identifier(base) if base else None,
        description=clean((item.get("billInfo") or {}).get("title") or item.get("message")),
        session=session_for_year("NY", year_of(year, "agenda session")) if year else None,
    )


# --- bulk ingest ---------------------------------------------------------------------------


def ingest(ing: Ingester, paths: Sequence[Path], total: Total) -> None:
    """New York Open Legislation API v3 bill JSON (files or folders of them)."""
    inputs = [
        item
        for item in collect_all(ing, paths, [".json", ".xml", ".XML"])
        if not item.relpath.upper().endswith(".XML") or "SENFLVOT" in item.relpath.upper()
    ]
    total(len(inputs))
    for item in inputs:
        ing.stats.files += 1
        with ing.guard(item.name):
            if item.relpath.upper().endswith(".XML"):  # LBDC Senate floor roll calls
                write_votes(ing, [parse_ny_floor_vote_xml(item.read())], item.name)
                ing.advance()
                continue
            payload = load_json(item.read())
            record = parse_bill(payload)
            events = parse_agendas(payload)
            if ing.bill(record, item.name) is not None:
                for event in events:
                    ing.event(event, item.name)
                write_votes(ing, parse_ny_votes(_result(payload)), item.name)
        ing.advance()
