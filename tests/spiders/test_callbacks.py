"""Spider callbacks called directly on saved responses: which requests and records they yield."""

from __future__ import annotations

import json

import pytest
import scrapy

from billwatch.ingest.congress import parse_api_bill as congress_bill
from billwatch.ingest.openstates import parse_bill, parse_event
from billwatch.records import BillRecord, EventRecord
from spiders.legiscan import LegiscanSpider
from spiders.ny_openleg import NyOpenlegSpider, next_offset
from spiders.openstates import OpenstatesSpider
from tests.conftest import shared_path
from tests.spiders.conftest import SPIDER_FILES, file_response, load, make_spider


def _requests(results: list) -> list[scrapy.Request]:
    return [r for r in results if isinstance(r, scrapy.Request)]


def test_session_list_yields_the_current_session_only() -> None:
    spider = make_spider(LegiscanSpider, states=["AK"], api_key="k", base_url="http://x")
    out = list(
        spider.parse_sessions(
            file_response(SPIDER_FILES / "legiscan" / "getSessionList_AK.json"), state="AK"
        )
    )
    assert [r.url for r in _requests(out)] == ["http://x/?key=k&op=getMasterListRaw&id=122"]
    assert out[0].meta["dont_obey_robotstxt"] is True  # a keyed API, not a state site


def test_master_list_yields_only_bills_whose_hash_changed() -> None:
    spider = make_spider(LegiscanSpider, states=["AK"], api_key="k", base_url="http://x")
    spider.stored["AK"] = {
        "230084": {"bill_id": 230084, "change_hash": "38558907f12c02a238b1cd43d2a37393"}
    }
    out = list(
        spider.parse_masterlist(
            file_response(SPIDER_FILES / "legiscan" / "getMasterListRaw_122.json"), state="AK"
        )
    )
    assert [r.url for r in out] == ["http://x/?key=k&op=getBill&id=230101"]
    assert spider.crawler.stats.get_value("billwatch/listed") == 2
    assert spider.crawler.stats.get_value("billwatch/unchanged") == 1


def test_an_error_envelope_is_reported_with_its_url_and_key_hidden() -> None:
    spider = make_spider(LegiscanSpider, states=["AK"], api_key="secret")
    body = json.dumps({"status": "ERROR", "alert": {"message": "Invalid API key"}}).encode()
    url = "http://x/?key=secret&op=getSessionList&state=AK"
    assert list(spider.parse_sessions(file_response(body, url=url), state="AK")) == []
    assert spider.error_samples == [
        {
            "url": "http://x/?key=[REDACTED]&op=getSessionList&state=AK",
            "reason": "LegiScan returned status 'Invalid API key'",
        }
    ]


def test_open_states_page_yields_bills_documents_and_the_next_page() -> None:
    spider = make_spider(OpenstatesSpider, states=["NY"], api_key="k", base_url="http://x")
    page = load(SPIDER_FILES / "openstates" / "bills_ny.json")
    page["pagination"].update(max_page=2)
    out = list(
        spider.parse_bills(file_response(json.dumps(page).encode()), state="NY", page=1, since=None)
    )
    bills = [r for r in out if isinstance(r, BillRecord)]
    assert [b.identifier for b in bills] == ["S 1234", "A 567", "S 2001"]
    [next_page] = _requests(out)
    assert next_page.url.startswith(
        "http://x/bills?jurisdiction=ocd-jurisdiction%2Fcountry"
        "%3Aus%2Fstate%3Any%2Fgovernment&page=2"
    )
    assert next_page.headers["X-API-KEY"] == b"k"
    # Texts the store lacks are asked for from the states' sites (robots.txt).
    documents = [r for bill in bills for r in spider.text_requests(bill, bill.versions)]
    assert [r.url.rsplit("/", 1)[1] for r in documents] == ["S1234.html", "S1234A.pdf", "A567.html"]
    assert all("dont_obey_robotstxt" not in r.meta for r in documents)


def test_ny_pages_end_at_the_total() -> None:
    assert next_offset({"offsetEnd": 1000, "total": 2500}) == 1001
    assert next_offset({"offsetEnd": 2500, "total": 2500}) is None
    assert next_offset({"offsetEnd": 0, "total": 0}) is None


def test_ny_agenda_becomes_hearings() -> None:
    spider = make_spider(NyOpenlegSpider)
    out = list(
        spider.parse_agenda(file_response(SPIDER_FILES / "ny_openleg" / "agenda_2017_5.json"))
    )
    assert [(e.committee, e.start_time.isoformat(), e.agenda[0].bill_identifier) for e in out] == [
        ("Judiciary", "2017-02-07T12:00:00-05:00", "S 609")
    ]


@pytest.fixture(scope="module")
def records() -> list[BillRecord | EventRecord]:
    """Every record the Open States and congress.gov parsers make from the saved responses."""
    found: list[BillRecord | EventRecord] = [
        parse_bill(b) for b in load(SPIDER_FILES / "openstates" / "bills_ny.json")["results"]
    ]
    found += [
        parse_event(e) for e in load(SPIDER_FILES / "openstates" / "events_ny.json")["results"]
    ]
    folder = shared_path("fixtures", "us_congress", "congress_gov_api")
    parts = [
        load(folder / f"bill_117_hr_21{s}.json") for s in ("", "_actions", "_cosponsors", "_text")
    ]
    found.append(
        congress_bill(
            parts[0]["bill"], parts[1]["actions"], parts[2]["cosponsors"], parts[3]["textVersions"]
        )
    )
    return found


@pytest.mark.parametrize("index", range(6))
def test_every_record_has_its_natural_key_and_ordered_dated_parts(
    records: list[BillRecord | EventRecord], index: int
) -> None:
    record = records[index]
    assert len(record.jurisdiction) == 2
    if isinstance(record, EventRecord):
        assert record.source_key and record.start_time and record.name
        return
    assert record.session and record.identifier and record.title
    dates = [a.date for a in record.actions]
    assert dates == sorted(dates) and [a.order for a in record.actions] == sorted(
        a.order for a in record.actions
    )
    assert all(v.url and v.note for v in record.versions)
    assert all(s.classification in ("primary", "cosponsor") for s in record.sponsors)
