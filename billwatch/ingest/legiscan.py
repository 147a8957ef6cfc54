"""LegiScan dataset JSON, older XML datasets and API payloads (getBill, getBillText, getPerson).

A dataset file is `{"bill": {...}}`, `{"text": {...}}` or `{"person": {...}}`; an API response
wraps the same object in `{"status": "OK", ...}`. Field meanings follow the LegiScan API manual
and its static value tables (progress, text type, mime, role).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import select

from billwatch.actions import rules
from billwatch.db.models import Bill
from billwatch.ingest.bulk import Total, attach_version, collect_all
from billwatch.ingest.common import (
    ParseError,
    chamber_from_text,
    classify,
    clean,
    local_time,
    parse_date,
    require,
    version_note,
    with_text,
)
from billwatch.ingest.identifiers import normalise_identifier
from billwatch.ingest.inputs import Input, load_json
from billwatch.ingest.runner import Ingester
from billwatch.ingest.sessions import session_identifier, special_ordinal
from billwatch.ingest.validate import check_document, checked, items, source_id, web_url
from billwatch.ingest.validate import text as text_value
from billwatch.ingest.validate import year as year_of
from billwatch.ingest.votes import parse_legiscan_roll_call, state_in_path, write_votes
from billwatch.records import (
    ActionRecord,
    AgendaItemRecord,
    BillRecord,
    CommitteeRecord,
    EventRecord,
    PersonRecord,
    SponsorRecord,
    VersionRecord,
)

SOURCE = "legiscan"  # the name `crawl`, `ingest` and the settings use

# LegiScan state_id -> code (static table state.csv: alphabetical, 51 DC, 52 US Congress).
STATE_CODES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "DC",
    "US",
]

BILL_TYPES = {
    "B": "bill",
    "R": "resolution",
    "CR": "concurrent resolution",
    "JR": "joint resolution",
    "JRCA": "constitutional amendment",
    "CA": "constitutional amendment",
    "EO": "executive order",
    "M": "memorial",
    "JM": "joint memorial",
    "CM": "concurrent memorial",
    "P": "proclamation",
    "C": "commendation",
    "CL": "claim",
}

# progress.csv event codes -> OCD classifications.
PROGRESS = {
    1: ["introduction"],
    2: ["passage"],
    3: ["passage"],
    4: ["became-law"],
    5: ["executive-veto"],
    6: ["failure"],
    7: ["veto-override-passage"],
    8: ["executive-signature", "became-law"],
    9: ["referral-committee"],
    10: ["committee-passage"],
    11: ["committee-failure"],
    12: ["filing"],
}

# bill.status codes as stages; 1 (Introduced) is left to the actions, which say whether the bill
# is already in committee. Older datasets leave history chambers blank, so the actions alone
# cannot tell one chamber's passage from two.
STATUS = {
    2: "passed one chamber",
    3: "passed both chambers",
    4: "enacted",
    5: "vetoed",
    6: "failed",
}

PARTIES = {
    "D": "Democratic",
    "R": "Republican",
    "I": "Independent",
    "G": "Green",
    "L": "Libertarian",
    "N": "Nonpartisan",
}
# party_id and role_id for records that give only the ids (older XML datasets).
PARTY_IDS = {1: "D", 2: "R", 3: "I", 4: "G", 5: "L", 6: "N"}
ROLE_IDS = {1: "Rep", 2: "Sen", 3: "Jnt"}

# History text as LegiScan relays it from many legislatures (AK "READ THE FIRST TIME -
# REFERRALS", AR "House Read the third time and passed"); generic rules follow.
RULES = rules(
    (r"emergency clause|rules suspended|returned (to|from) the (house|senate)", []),
    (r"\bCS adopted", ["amendment-passage"]),
    (r"read (the )?first time.*(referr|to com)", ["introduction", "referral-committee"]),
    (r"prefile|pre-file", ["filing"]),
    (r"read (the )?third time,? and passed|third reading.*passed", ["reading-3", "passage"]),
    (r"\bnot passed\b|do not pass|\bDNP\b", ["failure"]),
    (r"read (the )?first time", ["introduction"]),
    (r"read (the )?second time", ["reading-2"]),
    (r"read (the )?third time", ["reading-3"]),
    (r"\bis now act \d+|\bact no", ["became-law"]),
)


def unwrap(payload: dict[str, Any], key: str) -> dict[str, Any]:
    """The `key` object of a dataset file or API response ({"status": "OK", key: {...}})."""
    if not isinstance(payload, dict):
        raise ParseError("not a JSON object")
    if payload.get("status") == "ERROR":
        raise ParseError(f"LegiScan error response: {payload.get('alert', {})}")
    inner = payload.get(key)
    if not isinstance(inner, dict):
        raise ParseError(f"no {key!r} object")
    return inner


# Containers of the older XML datasets whose children repeat (<history><step>...).
_XML_LISTS = {
    "history",
    "progress",
    "sponsors",
    "texts",
    "subjects",
    "votes",
    "calendar",
    "sasts",
    "amendments",
    "supplements",
    "referrals",
}


def _xml_value(el: etree._Element) -> Any:
    children = list(el)
    if el.tag in _XML_LISTS:
        return [_xml_value(child) for child in children]
    if not children:
        return (el.text or "").strip()
    return {child.tag: _xml_value(child) for child in children}


def xml_to_payload(xml: bytes) -> dict[str, Any]:
    """An older LegiScan XML dataset file (`<legiscan><bill>...`) in the JSON datasets' shape."""
    if not xml.strip():
        raise ParseError("empty file")
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed XML: {exc}") from exc
    if root.tag != "legiscan":
        raise ParseError(f"unknown format: not a LegiScan XML file (root <{root.tag}>)")
    return {child.tag: _xml_value(child) for child in root}


def session_of(bill: dict[str, Any]) -> tuple[str, str | None]:
    """(canonical identifier, name) of the bill's session object."""
    info = require(bill, "session", "bill")
    name = str(info.get("session_name") or info.get("session_title") or "")
    year = re.match(r"\s*(\d{4})\b", name)
    if not info.get("year_start") and year:
        # Older datasets give only the name: "2011 First Extraordinary Session".
        start, end = int(year.group(1)), int(year.group(1))
        is_special = bool(re.search(r"special|extraordinary", name, re.I))
    else:
        start = year_of(require(info, "year_start", "bill session"), "session year_start")
        end = year_of(info.get("year_end") or start, "session year_end")
        is_special = bool(_int(info.get("special")))
    special = special_ordinal(name) if is_special else 0
    state = _state(bill)
    return session_identifier(state, start, end, special), name or None


def _state(obj: dict[str, Any]) -> str:
    state = obj.get("state")
    if not state and obj.get("state_id"):
        index = source_id(obj["state_id"], "state_id") - 1
        state = STATE_CODES[index] if 0 <= index < len(STATE_CODES) else None
    if not state:
        raise ParseError("record has no 'state' or 'state_id'")
    code = text_value(state, "state").upper()
    if code not in STATE_CODES:
        raise ParseError(f"state {code[:20]!r} is not a state code")
    return code


def _chamber(entry: dict[str, Any]) -> str | None:
    chamber = chamber_from_text(entry.get("chamber", ""))
    if chamber:
        return chamber
    # Older datasets leave chamber blank and start the text with it ("House Read the ...").
    match = re.match(r"\s*(House|Senate|Assembly)\b", entry.get("action", ""), re.I)
    return chamber_from_text(match.group(1)) if match else None


def _actions(bill: dict[str, Any]) -> list[ActionRecord]:
    actions: list[ActionRecord] = []
    # A history row without a date or text says nothing we could store; the rest still count.
    history = [
        entry
        for entry in items(bill.get("history"), "history")
        if parse_date(entry.get("date"))
        and clean(text_value(entry.get("action"), "history action"))
    ]
    for order, entry in enumerate(history):
        text = clean(entry.get("action"))
        actions.append(
            ActionRecord(
                date=parse_date(entry["date"]) or dt.date.min,
                description=text,
                organization=_chamber(entry),
                classification=classify(text, RULES),
                order=order,
            )
        )
    _apply_progress(actions, history, items(bill.get("progress"), "progress"))
    return actions


def _apply_progress(actions: list[ActionRecord], history: list[dict], progress: list[dict]) -> None:
    """Add the classification LegiScan's progress codes give to an action of the same day."""
    for event in progress:
        classes = PROGRESS.get(_int(event.get("event")))
        date = parse_date(event.get("date"))
        same_day = [i for i, a in enumerate(actions) if a.date == date]
        if not classes or not same_day:
            continue
        if any(set(classes) <= set(actions[i].classification) for i in same_day):
            continue
        important = [i for i in same_day if history[i].get("importance")]
        target = actions[(important or same_day)[0]]
        target.classification = list(dict.fromkeys([*target.classification, *classes]))


def _sponsors(bill: dict[str, Any]) -> list[SponsorRecord]:
    sponsors = []
    for index, entry in enumerate(items(bill.get("sponsors"), "sponsors")):
        if not clean(text_value(entry.get("name"), "sponsor name")):
            continue
        kind = _int(entry.get("sponsor_type_id"))
        # 1 primary, 2 co-sponsor, 3 joint sponsor; 0 (unspecified): the first listed is primary.
        primary = kind in (1, 3) or (kind == 0 and index == 0)
        committee = bool(entry.get("committee_sponsor"))
        sponsors.append(
            SponsorRecord(
                name=clean(entry.get("name")),
                classification="primary" if primary else "cosponsor",
                entity_type="organization" if committee else "person",
                person_ref=f"legiscan:{entry['people_id']}" if entry.get("people_id") else None,
            )
        )
    return sponsors


# billTextType.csv: Fiscal Note, Analysis, Veto Message and Veto Response are about a bill,
# not versions of its text.
NOT_VERSIONS = {7: "Fiscal Note", 8: "Analysis", 12: "Veto Message", 13: "Veto Response"}


@checked("LegiScan text")
def is_bill_version(text: dict[str, Any]) -> bool:
    """Whether a texts[] entry or text object is a version of the bill (not a fiscal note...)."""
    if "text" in text and "doc_id" not in text and isinstance(text["text"], dict):
        text = text["text"]
    type_id = _int(text.get("type_id"))
    return type_id not in NOT_VERSIONS and text.get("type") not in NOT_VERSIONS.values()


# LegiScan numbers congressional measures its own way (HB 21 for H.R. 21, HR 5 for H.Res. 5);
# congress.gov and govinfo, and so BILLSTATUS, name them as below.
US_PREFIXES = {
    "HB": "HR",
    "SB": "S",
    "HR": "HRES",
    "SR": "SRES",
    "HJR": "HJRES",
    "SJR": "SJRES",
    "HCR": "HCONRES",
    "SCR": "SCONRES",
}


def identifier_of(state: str, bill_number: str) -> str:
    """The normalised identifier, with Congress's own prefixes for US measures."""
    identifier = normalise_identifier(bill_number)
    prefix, _, rest = identifier.partition(" ")
    if state == "US" and prefix in US_PREFIXES and rest:
        return f"{US_PREFIXES[prefix]} {rest}"
    return identifier


def _placeholder_version(entry: dict[str, Any]) -> VersionRecord:
    doc_id = entry.get("doc_id")
    return VersionRecord(
        note=version_note(text_value(entry.get("type"), "text type")),
        date=parse_date(entry.get("date")),
        url=web_url(entry.get("url")) or web_url(entry.get("state_link")),
        media_type=text_value(entry.get("mime"), "text mime") or None,
        source_key=str(source_id(doc_id, "doc_id")) if doc_id else None,
    )


@checked("LegiScan bill")
def parse_bill(bill: dict[str, Any]) -> BillRecord:
    """A BillRecord from a LegiScan bill object; texts become versions awaiting their text."""
    if "bill" in bill and "bill_id" not in bill:
        bill = unwrap(bill, "bill")
    # Every field is checked before the record exists: a bad bill is refused whole (#11).
    bill_id = source_id(require(bill, "bill_id", "bill"), "bill_id")
    bill_number = text_value(require(bill, "bill_number", "bill"), "bill_number", limit=40)
    session, session_name = session_of(bill)
    session_id = bill.get("session_id")
    legiscan = {
        "bill_id": bill_id,
        "change_hash": text_value(bill.get("change_hash"), "change_hash", limit=64) or None,
        "session_id": source_id(session_id, "session_id") if session_id else session_id,
        "status": bill.get("status") if isinstance(bill.get("status"), int | str) else None,
    }
    title = text_value(bill.get("title"), "title") or text_value(
        bill.get("description"), "description"
    )
    subjects = items(bill.get("subjects"), "subjects")
    return BillRecord(
        jurisdiction=_state(bill),
        session=session,
        session_name=session_name,
        identifier=identifier_of(_state(bill), bill_number),
        title=clean(title),
        classification=[BILL_TYPES.get(str(bill.get("bill_type") or "B"), "bill")],
        subjects=sorted(
            {
                text_value(s["subject_name"], "subject_name")
                for s in subjects
                if s.get("subject_name")
            }
        ),
        status=STATUS.get(_int(bill.get("status"))),
        source_urls=[u for u in (web_url(bill.get("url")), web_url(bill.get("state_link"))) if u],
        versions=[
            _placeholder_version(t) for t in items(bill.get("texts"), "texts") if is_bill_version(t)
        ],
        actions=_actions(bill),
        sponsors=_sponsors(bill),
        extras={
            "legiscan": legiscan,
            "description": clean(text_value(bill.get("description"), "description")),
        },
    )


def decode_doc(text: dict[str, Any]) -> bytes:
    """The document bytes of a text object (base64 `doc`)."""
    raw = require(text, "doc", "text")
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ParseError(f"text doc {text.get('doc_id')} is not valid base64: {exc}") from exc


@checked("LegiScan text")
def parse_text(text: dict[str, Any]) -> VersionRecord:
    """A VersionRecord with the extracted text of a getBillText / dataset text object."""
    from billwatch.text import DocumentError, extract_document

    if "text" in text and "doc_id" not in text:
        text = unwrap(text, "text")
    require(text, "doc_id", "text")
    data = decode_doc(text)
    check_document(data, text.get("mime"), f"text doc {text['doc_id']}")
    try:
        extracted = extract_document(data, media_type=text.get("mime"))
    except DocumentError as exc:
        raise ParseError(f"text doc {text['doc_id']}: {exc}") from exc
    return with_text(_placeholder_version(text), extracted)


@checked("LegiScan text")
def text_bill_id(text: dict[str, Any]) -> int:
    """The LegiScan bill_id a text object belongs to."""
    if "text" in text and "doc_id" not in text:
        text = unwrap(text, "text")
    return source_id(require(text, "bill_id", "text"), "text bill_id")


@checked("LegiScan person")
def parse_person(person: dict[str, Any]) -> PersonRecord:
    """A PersonRecord from a getPerson / dataset person object."""
    if "person" in person and "people_id" not in person:
        person = unwrap(person, "person")
    people_id = require(person, "people_id", "person")
    district = clean(person.get("district"))
    party = person.get("party") or PARTY_IDS.get(_int(person.get("party_id")), "")
    role = person.get("role") or ROLE_IDS.get(_int(person.get("role_id")), "")
    return PersonRecord(
        jurisdiction=_state(person),
        name=clean(require(person, "name", "person")),
        source_key=f"legiscan:{people_id}",
        party=PARTIES.get(party, party or None),
        chamber=chamber_from_text(role),
        district=re.sub(r"^[A-Z]{1,3}-0*", "", district) or None,
        extras={
            "legiscan": {
                k: person.get(k)
                for k in (
                    "people_id",
                    "person_hash",
                    "committee_sponsor",
                    "committee_id",
                    "votesmart_id",
                    "ballotpedia",
                    "opensecrets_id",
                    "ftm_eid",
                    "knowwho_pid",
                )
                if person.get(k) not in (None, "", 0, "0")
            }
        },
    )


def _int(value: Any) -> int:
    """A small code (status, type) as an int; anything else, 1e308 included, as 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 10:
        return int(value)
    return 0


@checked("LegiScan person")
def parse_committee_person(person: dict[str, Any]) -> CommitteeRecord | None:
    """The committee a "person" record stands for (committee_sponsor 1), else None."""
    if "person" in person and "people_id" not in person:
        person = unwrap(person, "person")
    if not person.get("committee_sponsor"):
        return None
    return CommitteeRecord(
        jurisdiction=_state(person),
        name=clean(require(person, "name", "person")),
        chamber=chamber_from_text(person.get("role", "")),
        source_key=f"legiscan-committee:{person.get('committee_id') or person['people_id']}",
    )


def _clock(value: Any) -> dt.time:
    """ "09:00", "13:30:00" or "1:30 PM" as a time; midnight when absent or unreadable."""
    match = re.match(r"\s*(\d{1,2}):(\d{2})(?::\d{2})?\s*([AaPp])?", str(value or ""))
    if not match:
        return dt.time()
    hour, minute = int(match.group(1)) % 24, int(match.group(2)) % 60
    if match.group(3) and match.group(3).lower() == "p" and hour < 12:
        hour += 12
    elif match.group(3) and match.group(3).lower() == "a" and hour == 12:
        hour = 0
    return dt.time(hour, minute)


@checked("LegiScan calendar")
def parse_calendar(bill: dict[str, Any]) -> list[EventRecord]:
    """The hearings in a bill's `calendar` (type "Hearing"), each with the bill on its agenda."""
    if "bill" in bill and "bill_id" not in bill:
        bill = unwrap(bill, "bill")
    record_session, _ = session_of(bill)
    identifier = identifier_of(_state(bill), require(bill, "bill_number", "bill"))
    events = []
    for entry in bill.get("calendar") or []:
        if "hearing" not in str(entry.get("type") or "").lower():
            continue  # floor calendars are not hearings
        day = parse_date(entry.get("date"))
        if day is None:
            continue  # an undated calendar entry cannot be a hearing
        start = dt.datetime.combine(day, _clock(entry.get("time")))
        name = clean(entry.get("description")) or "Committee hearing"
        match = re.match(r"(House|Senate|Assembly|Joint)\s+(.*?)(\s+Hearing)?$", name, re.I)
        events.append(
            EventRecord(
                jurisdiction=_state(bill),
                # One event per bill and sitting: LegiScan lists each bill's hearings separately.
                source_key=f"legiscan:{bill.get('bill_id')}:{start.isoformat()}",
                name=name,
                start_time=local_time(start, _state(bill)),
                committee=clean(match.group(2)) if match else None,
                chamber=chamber_from_text(match.group(1)) if match else None,
                location=clean(entry.get("location")) or None,
                agenda=[
                    AgendaItemRecord(
                        bill_identifier=identifier,
                        session=record_session,
                        description=clean(bill.get("title")),
                    )
                ],
            )
        )
    return events


# --- bulk ingest ---------------------------------------------------------------------------

# Dataset folders in the order that lets each file find what it refers to.
_LEGISCAN_ORDER = {"people": 0, "bill": 1, "text": 2, "vote": 3}
_LEGISCAN_KIND = re.compile(
    rb'"(bill|text|person|roll_call)"\s*:\s*\{|<(bill|text|person|roll_call)>'
)


def _legiscan_kind(item: Input) -> str:
    parts = item.relpath.lower().split("/")
    folder = parts[-2] if len(parts) > 1 else ""
    if folder in _LEGISCAN_ORDER:
        return folder
    match = _LEGISCAN_KIND.search(item.head())
    kind = (match.group(1) or match.group(2)).decode() if match else "unknown"
    return {"person": "people", "roll_call": "vote"}.get(kind, kind)


def _legiscan_bill_id(ing: Ingester, seen: dict[int, int], legiscan_id: int) -> int:
    if legiscan_id in seen:
        return seen[legiscan_id]
    with ing.factory() as session:
        found = session.scalars(
            select(Bill.id).where(Bill.extras["legiscan"]["bill_id"].as_integer() == legiscan_id)
        ).first()
    if found is None:
        raise ParseError(
            f"text for LegiScan bill_id {legiscan_id}, which is not stored:"
            " ingest its bill file first"
        )
    seen[legiscan_id] = found
    return found


def ingest(ing: Ingester, paths: Sequence[Path], total: Total) -> None:
    """LegiScan dataset folders or zips, or single bill/text/people JSON files."""
    inputs = collect_all(ing, paths, [".json", ".xml"])  # JSON datasets, older XML ones
    kinds = [(_legiscan_kind(item), item) for item in inputs]
    kinds.sort(key=lambda pair: (_LEGISCAN_ORDER.get(pair[0], 1), pair[1].relpath))
    total(len(kinds))
    seen: dict[int, int] = {}  # LegiScan bill_id -> our bill id, for texts of this run
    for kind, item in kinds:
        ing.stats.files += 1
        with ing.guard(item.name):
            _legiscan_file(ing, kind, item, seen)
        ing.advance()


def _legiscan_file(ing: Ingester, kind: str, item: Input, seen: dict[int, int]) -> None:
    data = item.read()
    if item.relpath.lower().endswith(".xml"):
        payload = xml_to_payload(data)
    else:
        payload = load_json(data)
    if not isinstance(payload, dict):
        raise ParseError("not a JSON object")
    if "bill" in payload:
        record = parse_bill(payload)
        events = parse_calendar(payload)
        change = ing.bill(record, item.name)
        if change is not None:
            seen[int(record.extras["legiscan"]["bill_id"])] = change.bill_id
            for event in events:
                ing.event(event, item.name)
    elif "text" in payload:
        if not is_bill_version(payload):
            return  # a fiscal note or veto message, not bill text
        version = parse_text(payload)
        bill_id = _legiscan_bill_id(ing, seen, text_bill_id(payload))
        attach_version(ing, bill_id, version, item.name)
    elif "person" in payload:
        _state_from_path(payload["person"], item)
        committee = parse_committee_person(payload)
        if committee is not None:
            ing.committee(committee, item.name)
        else:
            ing.person(parse_person(payload), item.name)
    elif "roll_call" in payload:
        state = state_in_path(item.name)  # a roll call names only its bill, not the state
        write_votes(ing, [parse_legiscan_roll_call(payload, state)], item.name)
    else:
        raise ParseError(
            "unknown format: not a LegiScan bill, text or person file"
            f" (top-level keys: {', '.join(list(payload)[:5]) or 'none'})"
        )


def _state_from_path(person: dict, item: Input) -> None:
    """Older person files name no state; a dataset's path starts with it ("MS/2011.../")."""
    if not isinstance(person, dict) or person.get("state") or person.get("state_id"):
        return
    for part in Path(item.name.replace(":", "/")).parts[::-1]:
        if re.fullmatch(r"[A-Z]{2}", part):
            person["state"] = part
            return
