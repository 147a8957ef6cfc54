"""LegiScan Pull API: sessions, master list change hashes, then only changed bills and new texts.

Requests have the API's form `BASE/?key=KEY&op=OPERATION&...`; every response is an envelope
`{"status": "OK", "<object>": {...}}` (an error is `{"status": "ERROR", "alert": {...}}`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from sqlalchemy import select

from billwatch.db.models import Bill, BillVersion, Jurisdiction, LegislativeSession
from billwatch.ingest import legiscan as parser
from billwatch.ingest.sessions import session_identifier, special_ordinal
from billwatch.records import BillRecord, VersionRecord, VersionText
from spiders.base import BadResponse, BillwatchSpider, describe, guarded, load_json


def api_payload(response: Response) -> dict[str, Any]:
    """The JSON body of a LegiScan response, refusing an ERROR envelope clearly."""
    payload = load_json(response)
    if not isinstance(payload, dict):
        raise BadResponse("expected a JSON object")
    if payload.get("status") != "OK":
        alert = (payload.get("alert") or {}).get("message") or payload.get("status")
        raise BadResponse(f"LegiScan returned status {alert!r}")
    return payload


def session_matches(session: dict[str, Any], state: str, wanted: list[str]) -> bool:
    """Whether a getSessionList entry is one of `wanted` (id, name, year or canonical id)."""
    start, end = int(session.get("year_start") or 0), int(session.get("year_end") or 0)
    special = special_ordinal(session.get("session_name", "")) if session.get("special") else 0
    names = {
        str(session.get("session_id")),
        str(session.get("session_name")),
        str(start),
        session_identifier(state, start, end, special),
    }
    return bool(names & set(wanted))


class LegiscanSpider(BillwatchSpider):
    """Bills, texts and sponsors of any states from the LegiScan Pull API."""

    name = "legiscan"
    default_base_url = "https://api.legiscan.com"
    api_key_env = "LEGISCAN_API_KEY"
    api_key_url = "https://legiscan.com/legiscan"
    # Keyed APIs are rate-limited per key.
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "DOWNLOAD_DELAY": 0.5}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.stored: dict[str, dict[str, dict]] = {}  # state -> bill_id -> extras["legiscan"]
        self.person_hashes: dict[str, str] = {}  # "legiscan:<people_id>" -> person_hash
        self.pending: dict[str, dict[str, list]] = {}  # state -> bill_id -> [(doc_id, key)]

    def op_url(self, op: str, **params: Any) -> str:
        """The API address of one operation."""
        return f"{self.base_url}/?" + urlencode({"key": self.api_key, "op": op, **params})

    def first_requests(self) -> Iterable[scrapy.Request]:
        """getSessionList for each state."""
        for state in self.states:
            self.stored[state] = self.stored_bill_extras(state, "legiscan", "bill_id")
            self.pending[state] = self.pending_texts(state)
            for key, extras in self.stored_person_extras(state, "legiscan").items():
                self.person_hashes[key] = str(extras.get("person_hash") or "")
            yield self.api_request(
                self.op_url("getSessionList", state=state),
                self.parse_sessions,
                cb_kwargs={"state": state},
            )

    def pending_texts(self, state: str) -> dict[str, list[tuple[str, dict[str, str]]]]:
        """Documents of stored bills still without text (an earlier fetch failed), by bill_id."""
        pending: dict[str, list[tuple[str, dict[str, str]]]] = {}
        with self.db() as session:
            rows = session.execute(
                select(
                    BillVersion.source_key,
                    Bill.extras,
                    Bill.identifier,
                    LegislativeSession.identifier,
                )
                .join(Bill, BillVersion.bill_id == Bill.id)
                .join(LegislativeSession, Bill.session_id == LegislativeSession.id)
                .join(Jurisdiction, Bill.jurisdiction_id == Jurisdiction.id)
                .where(
                    Jurisdiction.code == state,
                    BillVersion.text == "",
                    BillVersion.source_key.is_not(None),
                )
            )
            for doc_id, extras, identifier, session_id in rows:
                bill_id = str(((extras or {}).get("legiscan") or {}).get("bill_id"))
                key = {"jurisdiction": state, "session": session_id, "identifier": identifier}
                pending.setdefault(bill_id, []).append((doc_id, key))
        return pending

    @guarded
    def parse_sessions(self, response: Response, state: str) -> Iterator[scrapy.Request]:
        """The sessions asked for, or the current ones (not sine die), else the newest."""
        sessions = api_payload(response)["sessions"]
        if self.sessions:
            chosen = [s for s in sessions if session_matches(s, state, self.sessions)]
        else:
            chosen = [s for s in sessions if not s.get("sine_die") and not s.get("prior")]
            chosen = chosen or sorted(sessions, key=lambda s: int(s["year_start"]))[-1:]
        for session in chosen:
            yield self.api_request(
                self.op_url("getMasterListRaw", id=session["session_id"]),
                self.parse_masterlist,
                cb_kwargs={"state": state},
            )

    @guarded
    def parse_masterlist(self, response: Response, state: str) -> Iterator[scrapy.Request]:
        """getBill for each bill whose change_hash differs from the stored one."""
        masterlist = api_payload(response)["masterlist"]
        stored = self.stored.get(state, {})
        for key, entry in masterlist.items():
            if key == "session":
                continue
            self.listed()
            bill_id = str(entry["bill_id"])
            if stored.get(bill_id, {}).get("change_hash") == entry.get("change_hash"):
                self.skipped()
                # Texts that failed on an earlier run are fetched again, the bill is not.
                for doc_id, key in self.pending.get(state, {}).get(bill_id, []):
                    yield self.text_request(doc_id, key)
                continue
            yield self.api_request(
                self.op_url("getBill", id=bill_id), self.parse_bill, cb_kwargs={"state": state}
            )

    @guarded
    def parse_bill(self, response: Response, state: str) -> Iterator[Any]:
        """The bill record, then getBillText for texts not stored and getPerson for sponsors."""
        bill = api_payload(response)["bill"]
        record = parser.parse_bill(bill)
        yield record
        # Hearings on the bill's calendar; after the bill, so their agenda items link to it.
        yield from parser.parse_calendar(bill)
        for sponsor in bill.get("sponsors") or []:
            ref = f"legiscan:{sponsor.get('people_id')}"
            if sponsor.get("people_id") and self.person_hashes.get(ref) != str(
                sponsor.get("person_hash") or ""
            ):
                self.person_hashes[ref] = str(sponsor.get("person_hash") or "")
                yield self.api_request(
                    self.op_url("getPerson", id=sponsor["people_id"]), self.parse_person
                )

    def text_requests(
        self, record: BillRecord, versions: list[VersionRecord]
    ) -> Iterable[scrapy.Request]:
        """getBillText for each document of `record` whose text the store lacks."""
        key = {
            "jurisdiction": record.jurisdiction,
            "session": record.session,
            "identifier": record.identifier,
        }
        return [self.text_request(v.source_key, key) for v in versions if v.source_key]

    def text_request(self, doc_id: Any, key: dict[str, str]) -> scrapy.Request:
        """getBillText for one document of the bill with natural `key`."""
        return self.api_request(
            self.op_url("getBillText", id=doc_id), self.parse_text, cb_kwargs={"key": key}
        )

    async def parse_text(self, response: Response, key: dict[str, str]) -> Any:
        """The text of one document; PDF extraction runs off the reactor thread."""
        try:
            text = api_payload(response)["text"]
            version = await asyncio.to_thread(parser.parse_text, text)
        except Exception as exc:  # a bad document is reported; the crawl goes on
            self.report_error(response.url, describe(exc))
            return
        yield VersionText(version=version, **key)

    @guarded
    def parse_person(self, response: Response) -> Iterator[Any]:
        """A legislator, or the committee a "person" record stands for."""
        person = api_payload(response)["person"]
        committee = parser.parse_committee_person(person)
        yield committee if committee is not None else parser.parse_person(person)
