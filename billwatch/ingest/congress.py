"""US Congress: govinfo BILLSTATUS XML (bill metadata) and bill texts (USLM or bill.dtd XML).

BILLSTATUS comes in two layouts that both occur in the bulk data: the older one names the bill
with `billNumber`/`billType`, the newer one with `number`/`type`. Actions are listed newest
first, each with a `type` (IntroReferral, Committee, Floor, President, BecameLaw, Veto...).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from billwatch.actions import rules
from billwatch.db.store import find_bill
from billwatch.ingest.bulk import Total, attach_version, collect_all
from billwatch.ingest.common import (
    ParseError,
    chamber_from_text,
    classify,
    clean,
    parse_date,
    version_note,
    with_text,
)
from billwatch.ingest.identifiers import normalise_identifier
from billwatch.ingest.runner import Ingester
from billwatch.ingest.validate import checked, items, source_id, web_url
from billwatch.ingest.validate import text as text_value
from billwatch.records import ActionRecord, BillRecord, SponsorRecord, VersionRecord

SOURCE = "congress"  # the name `crawl`, `ingest` and the settings use

GOVINFO_XML = "https://www.govinfo.gov/content/pkg/{key}/xml/{key}.xml"
CONGRESS_URL = "https://www.congress.gov/bill/{congress}th-congress/{chamber}-bill/{number}"

# Action types that say what happened whatever the wording.
TYPE_CLASSES = {
    "BecameLaw": ["became-law"],
    "Veto": ["executive-veto"],
}

# Congress action text (BILLSTATUS-117s35, BILLSTATUS-116s832).
RULES = rules(
    (r"^(held at the desk|received in the (house|senate)|message on (house|senate) action)", []),
    (r"presented to (the )?president", ["executive-receipt"]),
    (r"signed by (the )?president", ["executive-signature"]),
    (r"became public law", ["became-law"]),
    (r"^introduced in", ["introduction"]),
    (
        r"passed (the )?(senate|house)|passed/agreed to in|agreed to in the (senate|house)"
        r"|on passage passed",
        ["passage"],
    ),
    (
        r"ordered to be reported|reported (\((amended|without amendment)\) )?by|reported to (the )?"
        r"(senate|house)|reported (with|without) amendment",
        ["committee-passage"],
    ),
    (r"hearings held", ["hearing"]),
    (r"referred to", ["referral-committee"]),
)

_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _parse(xml: bytes, what: str) -> etree._Element:
    if not xml or not xml.strip():
        raise ParseError(f"empty {what}")
    try:
        return etree.fromstring(xml, _SAFE)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed {what} XML: {exc}") from exc


def _text(el: etree._Element | None, path: str) -> str:
    found = el.find(path) if el is not None else None
    return clean(found.text) if found is not None and found.text else ""


def _chamber(item: etree._Element) -> str | None:
    source = _text(item, "sourceSystem/name")
    if source.startswith("House"):
        return "lower"
    if source.startswith("Senate"):
        return "upper"
    code = _text(item, "actionCode")
    if code[:1] in {"H", "S"} and code[1:].isdigit():
        return "lower" if code[0] == "H" else "upper"
    # Library of Congress actions name no system chamber: "Passed/agreed to in Senate: ...".
    match = re.search(r"\b(Senate|House)\b", _text(item, "text"))
    return chamber_from_text(match.group(1)) if match else None


def _actions(bill: etree._Element) -> list[ActionRecord]:
    items = list(reversed(bill.findall("actions/item")))  # the file lists newest first
    items.sort(key=lambda i: (_text(i, "actionDate"), _text(i, "actionTime")))
    actions = []
    for order, item in enumerate(items):
        date, text = parse_date(_text(item, "actionDate")), _text(item, "text")
        if date is None or not text:
            continue  # BILLSTATUS pads lists with empty items
        kind = _text(item, "type")
        actions.append(
            ActionRecord(
                date=date,
                description=text,
                organization=_chamber(item),
                classification=TYPE_CLASSES.get(kind) or classify(text, RULES),
                order=order,
            )
        )
    return actions


def _person(item: etree._Element, kind: str) -> SponsorRecord:
    name = " ".join(p for p in (_text(item, "firstName"), _text(item, "lastName")) if p)
    bioguide = _text(item, "bioguideId")
    return SponsorRecord(
        name=name or _text(item, "fullName"),
        classification=kind,
        person_ref=f"bioguide:{bioguide}" if bioguide else None,
    )


def _versions(bill: etree._Element) -> list[VersionRecord]:
    versions = []
    for item in bill.findall("textVersions/item"):
        urls = [u for u in (web_url(clean(u.text)) for u in item.findall("formats/item/url")) if u]
        if not urls:
            continue
        url = next((u for u in urls if u.endswith(".xml")), urls[0])
        match = re.search(r"(BILLS-[0-9a-z]+)", url)
        versions.append(
            VersionRecord(
                note=version_note(_text(item, "type")),
                date=parse_date(_text(item, "date")),
                url=url,
                media_type="application/xml" if url.endswith(".xml") else None,
                source_key=match.group(1) if match else None,
            )
        )
    return versions


@checked("BILLSTATUS file")
def parse_billstatus(xml: bytes) -> BillRecord:
    """A BillRecord from a govinfo BILLSTATUS file: actions, sponsors, text version links."""
    root = _parse(xml, "BILLSTATUS")
    bill = root.find("bill") if root.tag == "billStatus" else None
    if bill is None:
        raise ParseError(f"not a BILLSTATUS document (root <{root.tag}>)")
    number = _text(bill, "number") or _text(bill, "billNumber")
    kind = _text(bill, "type") or _text(bill, "billType")
    congress = _text(bill, "congress")
    if not (number and kind and congress):
        raise ParseError("BILLSTATUS bill lacks its number, type or congress")
    subjects = [
        clean(s.text) for s in bill.findall("subjects//legislativeSubjects/item/name") if s.text
    ]
    policy = _text(bill, "policyArea/name")
    chamber = "house" if kind.upper().startswith("H") else "senate"
    sponsors = [_person(i, "primary") for i in bill.findall("sponsors/item")]
    sponsors += [_person(i, "cosponsor") for i in bill.findall("cosponsors/item")]
    return BillRecord(
        jurisdiction="US",
        session=str(int(congress)),
        identifier=normalise_identifier(f"{kind}{number}"),
        title=_text(bill, "title"),
        classification=["resolution" if "RES" in kind.upper() else "bill"],
        # Sorted: the store merges subjects as a sorted set, so any other order reads as a change.
        subjects=sorted({*([policy] if policy else []), *subjects}),
        source_urls=[CONGRESS_URL.format(congress=int(congress), chamber=chamber, number=number)],
        versions=_versions(bill),
        actions=_actions(bill),
        sponsors=[s for s in sponsors if s.name],
        extras={
            "congress": {
                "originChamber": _text(bill, "originChamber"),
                "updateDate": _text(bill, "updateDate"),
            }
        },
    )


USLM = "{http://schemas.gpo.gov/xml/uslm}"
DC = "{http://purl.org/dc/elements/1.1/}"
# "116 HR 3945 IH: Making supplemental ..." (USLM) or "119 S888 RS: Forced Labor ..." (bill.dtd).
_DC_TITLE = re.compile(r"^(\d+)\s+([A-Za-z. ]+?)\s*(\d+)\s+([A-Za-z]+):\s*(.*)$", re.S)


def _bill_xml_root(xml: bytes) -> etree._Element:
    """The root of a USLM or classic bill.dtd document; anything else is an unknown format."""
    root = _parse(xml, "bill")
    name = etree.QName(root)
    classic = not name.namespace and any(
        child.tag in ("legis-body", "resolution-body", "form") for child in root
    )
    if not (str(root.tag).startswith(USLM) or classic):
        raise ParseError(
            "unknown format: neither BILLSTATUS nor USLM or bill.dtd bill XML"
            f" (root <{name.localname}>)"
        )
    return root


def _key_parts(root: etree._Element) -> tuple[str, str, str, str, str]:
    """(congress, type, number, stage, title) from `citableAs` or the Dublin Core title."""
    title_text = clean(next((el.text for el in root.iter(f"{DC}title") if el.text), ""))
    title_match = _DC_TITLE.match(title_text)
    title = title_match.group(5) if title_match else title_text
    for el in root.iter(f"{USLM}citableAs"):
        match = re.fullmatch(r"(\d+)([a-z]+?)(\d+)([a-z]+)", clean(el.text))
        if match:  # "118s1325rs"
            congress, kind, number, stage = match.groups()
            return congress, kind, number, stage, title
    if title_match:
        congress, kind, number, stage = title_match.groups()[:4]
        return congress, re.sub(r"[^a-z]", "", kind.lower()), number, stage.lower(), title
    raise ParseError(
        "cannot tell which bill this is: no citableAs and no '<congress> <type>"
        " <number> <stage>:' title"
    )


@checked("USLM bill text")
def uslm_bill_key(xml: bytes) -> tuple[str, str, str]:
    """(congress, identifier, title) of a bill text (USLM or bill.dtd), to find its bill."""
    congress, kind, number, _stage, title = _key_parts(_bill_xml_root(xml))
    return str(int(congress)), normalise_identifier(f"{kind}{number}"), title


def _dates(root: etree._Element) -> list[dt.date]:
    # USLM <date date="2019-07-24">; bill.dtd <action-date date="20260115">.
    values = [el.get("date") for el in root.iter(f"{USLM}date", "action-date") if el.get("date")]
    return [d for d in (parse_date(v) for v in values) if d]


@checked("USLM bill text")
def parse_uslm(xml: bytes) -> VersionRecord:
    """A VersionRecord from a bill text in USLM or bill.dtd, with added and deleted as spans."""
    from billwatch.text import DocumentError, uslm_to_text

    root = _bill_xml_root(xml)
    congress, kind, number, stage_code, _title = _key_parts(root)
    key = f"BILLS-{int(congress)}{kind}{number}{stage_code}"
    stage = clean(next((el.text for el in root.iter(f"{USLM}docStage") if el.text), ""))
    dtd_stage = root.get("bill-stage") or root.get("resolution-stage") or ""
    stage = stage or dtd_stage.replace("-", " ")
    try:
        extracted = uslm_to_text(xml)
    except DocumentError as exc:
        raise ParseError(str(exc)) from exc
    version = VersionRecord(
        note=version_note(stage or stage_code),
        date=max(_dates(root), default=None),
        url=GOVINFO_XML.format(key=key),
        media_type="application/xml",
        source_key=key,
    )
    return with_text(version, extracted)


def is_billstatus(xml: bytes) -> bool:
    """Whether a document looks like BILLSTATUS (cheap check on its opening)."""
    return b"<billStatus" in xml[:2000]


__all__ = ["chamber_from_text", "is_billstatus", "parse_billstatus", "parse_uslm", "uslm_bill_key"]


# --- congress.gov API v3 (the spider's JSON) ---------------------------------------------

# Best first; "Formatted XML" is the bill XML, "Formatted Text" an HTML <pre> rendering.
API_FORMATS = {
    "Formatted XML": "application/xml",
    "Formatted Text": "text/html",
    "Generated HTML": "text/html",
    "PDF": "application/pdf",
}


def _api_chamber(action: dict[str, Any]) -> str | None:
    name = ((action.get("sourceSystem") or {}).get("name") or "").lower()
    return "lower" if "house" in name else "upper" if "senate" in name else None


def _api_actions(actions: list[dict[str, Any]]) -> list[ActionRecord]:
    """Actions oldest first (the API lists the newest first)."""
    records = []
    for order, action in enumerate(reversed(actions)):
        date = parse_date(action["actionDate"])
        if date is None:
            raise ParseError(f"action {action.get('text')!r} has no valid actionDate")
        records.append(
            ActionRecord(
                date=date,
                description=clean(action["text"]),
                organization=_api_chamber(action),
                order=order,
            )
        )
    return records


def _api_sponsors(bill: dict[str, Any], cosponsors: list[dict[str, Any]]) -> list[SponsorRecord]:
    sponsors = [
        SponsorRecord(name=clean(s["fullName"]), person_ref=s.get("bioguideId"))
        for s in bill.get("sponsors") or []
    ]
    sponsors += [
        SponsorRecord(
            name=clean(s["fullName"]), classification="cosponsor", person_ref=s.get("bioguideId")
        )
        for s in cosponsors
        if not s.get("sponsorshipWithdrawnDate")
    ]
    return sponsors


def _api_versions(text_versions: list[dict[str, Any]]) -> list[VersionRecord]:
    versions = []
    for version in text_versions:
        formats = {
            f["type"]: url
            for f in items(version.get("formats"), "text formats")
            if (url := web_url(f.get("url")))
        }
        kind = next((k for k in API_FORMATS if k in formats), None)
        if kind is None:
            continue
        versions.append(
            VersionRecord(
                note=version_note(version.get("type")),
                date=parse_date(version.get("date")),
                url=formats[kind],
                media_type=API_FORMATS[kind],
            )
        )
    return versions


@checked("congress.gov bill")
def parse_api_bill(
    bill: dict[str, Any], actions: list[dict], cosponsors: list[dict], text_versions: list[dict]
) -> BillRecord:
    """A BillRecord from a bill's detail, actions, cosponsors and text responses."""
    # Checked before the record exists: a congress of 1e30 or a list title refuses the bill.
    congress = source_id(bill["congress"], "congress")
    if congress > 1000:
        raise ParseError(f"congress {congress} is not a Congress number")
    bill = {**bill, "congress": congress, "number": source_id(bill["number"], "number")}
    bill["type"] = text_value(bill["type"], "type", limit=10)
    identifier = normalise_identifier(f"{bill['type']} {bill['number']}")
    return BillRecord(
        jurisdiction="US",
        session=str(bill["congress"]),
        identifier=identifier,
        title=clean(text_value(bill["title"], "title")),
        classification=["resolution" if "RES" in bill["type"].upper() else "bill"],
        subjects=[bill["policyArea"]["name"]] if (bill.get("policyArea") or {}).get("name") else [],
        source_urls=[
            f"https://www.congress.gov/bill/{bill['congress']}th-congress/"
            f"{'house' if bill['type'].upper().startswith('H') else 'senate'}-bill/"
            f"{bill['number']}"
        ],
        versions=_api_versions(text_versions),
        actions=_api_actions(actions),
        sponsors=_api_sponsors(bill, cosponsors),
        extras={
            "congress": {
                "id": f"{bill['congress']}-{bill['type'].lower()}-{bill['number']}",
                "updateDate": bill.get("updateDate"),
                "updateDateIncludingText": bill.get("updateDateIncludingText"),
            }
        },
    )


# --- bulk ingest ---------------------------------------------------------------------------


def ingest(ing: Ingester, paths: Sequence[Path], total: Total) -> None:
    """govinfo BILLSTATUS XML and USLM or bill.dtd bill text XML (files or folders)."""
    inputs = collect_all(ing, paths, [".xml"])
    total(len(inputs))
    # BILLSTATUS first, so that each USLM text fills the version its bill already lists.
    inputs.sort(key=lambda item: (not is_billstatus(item.head()), item.relpath))
    for item in inputs:
        ing.stats.files += 1
        with ing.guard(item.name):
            _congress_file(ing, item.read(), item.name)
        ing.advance()


def _congress_file(ing: Ingester, xml: bytes, name: str) -> None:
    if is_billstatus(xml):
        ing.bill(parse_billstatus(xml), name)
        return
    version = parse_uslm(xml)
    session_id, identifier, title = uslm_bill_key(xml)
    with ing.factory() as session:
        bill = find_bill(session, "US", session_id, identifier)
        bill_id = bill.id if bill is not None else None
    if bill_id is None:
        ing.bill(
            BillRecord(
                jurisdiction="US",
                session=session_id,
                identifier=identifier,
                title=title,
                versions=[version],
            ),
            name,
        )
    else:
        attach_version(ing, bill_id, version, name)
