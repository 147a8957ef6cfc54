"""The Open States spider against hand-written v3 responses checked against openapi.json."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from billwatch.db.models import Event
from billwatch.db.session import get_sessionmaker
from billwatch.db.store import find_bill
from billwatch.demo.replay import ReplayServer
from billwatch.ingest.openstates import parse_bill, parse_event
from tests.conftest import shared_path
from tests.spiders.conftest import SPIDER_FILES, crawl, load, openstates_data

TYPES = {"string": str, "integer": int, "boolean": bool, "array": list, "object": dict}


def _violations(value: Any, schema: dict, spec: dict, where: str) -> list[str]:
    """Required fields and JSON types missing from `value` under an OpenAPI schema."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for part in schema.get("allOf", []):
        return _violations(value, part, spec, where)
    kind = schema.get("type")
    if kind in TYPES and value is not None and not isinstance(value, TYPES[kind]):
        return [f"{where}: {type(value).__name__} is not {kind}"]
    problems = []
    if isinstance(value, dict):
        problems += [
            f"{where}: no {name!r}" for name in schema.get("required", []) if name not in value
        ]
        for name, sub in (schema.get("properties") or {}).items():
            if name in value:
                problems += _violations(value[name], sub, spec, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += _violations(item, schema["items"], spec, f"{where}[{index}]")
    return problems


@pytest.mark.parametrize(
    "name,schema", [("bills_ny.json", "BillList"), ("events_ny.json", "EventList")]
)
def test_hand_written_responses_follow_the_openapi_spec(name: str, schema: str) -> None:
    spec = load(shared_path("fixtures", "openstates_api_v3", "openapi.json"))
    page = load(SPIDER_FILES / "openstates" / name)
    ref = {"$ref": f"#/components/schemas/{schema}"}
    assert _violations(page, ref, spec, name) == []
    broken = {**page, "results": [{k: v for k, v in page["results"][0].items() if k != "id"}]}
    assert _violations(broken, ref, spec, name) == [f"{name}.results[0]: no 'id'"]


def test_parse_fields_of_a_bill_and_an_event() -> None:
    bill = parse_bill(load(SPIDER_FILES / "openstates" / "bills_ny.json")["results"][0])
    assert (bill.jurisdiction, bill.session, bill.identifier) == ("NY", "2025-2026", "S 1234")
    assert [s.classification for s in bill.sponsors] == ["primary", "cosponsor"]
    assert bill.sponsors[0].person_ref == "ocd-person/11111111-2222-4333-8444-555555555555"
    assert [(a.organization, a.classification) for a in bill.actions] == [
        ("upper", ["referral-committee"]),
        ("upper", ["amendment-passage"]),
    ]
    assert [(v.note, v.media_type) for v in bill.versions] == [
        ("Introduced", "text/html"),
        ("Amended", "application/pdf"),
    ]
    event = parse_event(load(SPIDER_FILES / "openstates" / "events_ny.json")["results"][0])
    assert (event.committee, event.location, event.status) == (
        "Social Services",
        "Room 124 CAP",
        "tentative",
    )
    assert [(a.bill_identifier, a.session) for a in event.agenda] == [("S 1234", "2025-2026")]


def test_crawl_follows_pages_and_documents_then_only_lists_updates(
    server: ReplayServer, sqlite_url: str
) -> None:
    server.data = openstates_data()
    server.robots = "User-agent: *\nDisallow: /files/www.nysenate.gov/texts/2025/A567.html\n"
    del server.data.openstates_bills["ny"][2]["title"]  # a changed schema, for one bill
    summary = crawl(server, "openstates", sqlite_url, states=["NY"])

    assert summary["items"] == {"bill": 2, "version": 2, "event": 1}
    assert [e["reason"] for e in summary["error_samples"]] == [
        "missing field 'title' (has the API changed?)"
    ]
    assert server.log.count("/openstates/bills") == 2  # two pages of two
    first = next(q for p, q in server.log.entries if p == "/openstates/bills")
    assert first["include"] == "versions,actions,sponsorships,documents,sources,votes"
    assert server.log.count("/files/www.nysenate.gov/texts/2025/A567.html") == 0  # robots.txt
    with get_sessionmaker(sqlite_url)() as session:
        s1234 = find_bill(session, "NY", "2025-2026", "S 1234")
        html, pdf = s1234.versions
        assert "comprehensive" in html.text and html.inserted and html.struck
        assert "human trafficking shall receive services" in pdf.text
        a567 = find_bill(session, "NY", "2025-2026", "A 567")
        assert a567.versions[0].text == ""  # known by its link until robots.txt allows it
        event = session.scalar(select(Event))
        assert event.agenda[0].bill_id == s1234.id

    server.clear()  # the next run asks only for bills updated since the last good run
    summary = crawl(server, "openstates", sqlite_url, states=["NY"])
    listing = [q for p, q in server.log.entries if p == "/openstates/bills"]
    assert len(listing) == 1 and listing[0]["updated_since"]
    assert server.log.count("/files/") == 0
    assert summary["status"] == "ok" and summary["items"] == {"event": 1}
