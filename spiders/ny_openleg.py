"""New York Senate Open Legislation API v3: bills with every amendment's text, and agendas.

A first run lists a session's bills (`/api/3/bills/{year}`); later runs ask only what changed
since the last good run (`/api/3/bills/updates/{from}/{to}`, likewise for agendas). Each bill
is one `/api/3/bills/{year}/{printNo}` response, parsed by billwatch.ingest.ny_openleg.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from billwatch.ingest import ny_openleg as parser
from billwatch.ingest.sessions import session_for_year
from spiders.base import BadResponse, BillwatchSpider, guarded, load_json

PAGE = 1000
STAMP = "%Y-%m-%dT%H:%M:%S"


def ny_payload(response: Response) -> dict[str, Any]:
    """The JSON body of an Open Legislation response, refusing `success: false` clearly."""
    payload = load_json(response)
    if not isinstance(payload, dict) or payload.get("success") is not True:
        message = payload.get("message") if isinstance(payload, dict) else "not an object"
        raise BadResponse(f"Open Legislation error: {message}")
    return payload


def next_offset(payload: dict[str, Any]) -> int | None:
    """The offset of the next page of a list response, or None on the last page."""
    end, total = int(payload.get("offsetEnd") or 0), int(payload.get("total") or 0)
    return end + 1 if 0 < end < total else None


def session_years(sessions: list[str], today: dt.date) -> list[int]:
    """Start years of the sessions asked for ("2017", "2017-2018"), else the current one."""
    years = {int(s[:4]) for s in sessions if s[:4].isdigit()}
    if not years:
        years = {int(session_for_year("NY", today.year)[:4])}
    return sorted(years)


class NyOpenlegSpider(BillwatchSpider):
    """Bills (all amendments' text, actions, votes) and committee agendas of New York."""

    name = "ny_openleg"
    default_base_url = "https://legislation.nysenate.gov"
    api_key_env = "NYSENATE_API_KEY"
    api_key_url = "https://legislation.nysenate.gov/"
    fixed_states = ("NY",)
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "DOWNLOAD_DELAY": 0.5}

    def url(self, path: str, **params: Any) -> str:
        """An API address with the key."""
        return f"{self.base_url}/api/3/{path}?" + urlencode({**params, "key": self.api_key})

    def changed_since(self) -> dt.datetime | None:
        """`since`, else the start of the last good run (with a margin)."""
        if self.since:
            return dt.datetime.combine(self.since, dt.time())
        run = self.last_good_run()
        if run is None:
            return None
        # Open Legislation stamps updates in New York time; a day's margin covers the offset.
        return run.started_at.replace(tzinfo=None) - dt.timedelta(days=1)

    def first_requests(self) -> Iterable[scrapy.Request]:
        """Update listings since the last run, or full listings of the session on a first run."""
        since = self.changed_since()
        self.filtered_listing = since is not None
        if since is not None:
            until = (dt.datetime.now() + dt.timedelta(days=1)).strftime(STAMP)
            for kind in ("bills", "agendas"):
                path = f"{kind}/updates/{since.strftime(STAMP)}/{until}"
                request = self.api_request(
                    self.url(path, type="processed", limit=PAGE, offset=1),
                    self.parse_updates,
                    cb_kwargs={"path": path},
                )
                # Agendas after bills, so that their items link to bills stored this run.
                if kind == "bills":
                    yield request
                else:
                    self.later(request)
            return
        for year in session_years(self.sessions, dt.date.today()):
            yield self.api_request(
                self.url(f"bills/{year}", limit=PAGE, offset=1),
                self.parse_bill_list,
                cb_kwargs={"year": year},
            )
            # Agendas are numbered by calendar year; a session spans two.
            for agenda_year in (year, year + 1):
                self.later(
                    self.api_request(
                        self.url(f"agendas/{agenda_year}"),
                        self.parse_agenda_list,
                        cb_kwargs={"year": agenda_year},
                    )
                )

    def bill_request(self, year: int, print_no: str) -> scrapy.Request:
        """One bill with its amendments' text, HTML for the insert/strike markup."""
        return self.api_request(
            self.url(f"bills/{year}/{print_no}", view="default", fullTextFormat="HTML"),
            self.parse_bill,
        )

    @guarded
    def parse_bill_list(self, response: Response, year: int) -> Iterator[scrapy.Request]:
        """Every bill of a session year, page by page."""
        payload = ny_payload(response)
        for item in payload["result"]["items"]:
            self.listed()
            yield self.bill_request(int(item["session"]), item["basePrintNo"])
        offset = next_offset(payload)
        if offset:
            yield self.api_request(
                self.url(f"bills/{year}", limit=PAGE, offset=offset),
                self.parse_bill_list,
                cb_kwargs={"year": year},
            )

    @guarded
    def parse_updates(self, response: Response, path: str) -> Iterator[scrapy.Request]:
        """A request per bill or agenda changed since the last run (once each)."""
        payload = ny_payload(response)
        for item in payload["result"]["items"]:
            self.listed()
            ident = item["id"]
            if path.startswith("bills"):
                yield self.bill_request(int(ident["session"]), ident["basePrintNo"])
            else:
                yield self.agenda_request(int(ident["year"]), int(ident["number"]))
        offset = next_offset(payload)
        if offset:
            yield self.api_request(
                self.url(path, type="processed", limit=PAGE, offset=offset),
                self.parse_updates,
                cb_kwargs={"path": path},
            )

    @guarded
    def parse_bill(self, response: Response) -> Iterator[Any]:
        """The bill record, all versions' text included, then the meetings on its agendas."""
        result = ny_payload(response)["result"]
        yield parser.parse_bill(result)
        # A bill's committeeAgendas name the meetings that take it up (when the addendum carries
        # the meeting); yielded after the bill so that the agenda item links to it.
        yield from parser.parse_agendas(result)

    def agenda_request(self, year: int, number: int) -> scrapy.Request:
        """One weekly agenda with its committee meetings."""
        return self.api_request(self.url(f"agendas/{year}/{number}"), self.parse_agenda)

    @guarded
    def parse_agenda_list(self, response: Response, year: int) -> Iterator[scrapy.Request]:
        """Every agenda of a year."""
        for item in ny_payload(response)["result"]["items"]:
            self.listed()
            yield self.agenda_request(int(item["id"]["year"]), int(item["id"]["number"]))

    @guarded
    def parse_agenda(self, response: Response) -> Iterator[Any]:
        """The committee meetings of an agenda as hearings."""
        result = ny_payload(response)["result"]
        for committee in (result.get("committeeAgendas") or {}).get("items") or []:
            # An agenda response names its id once; the parser reads it from each committee.
            committee.setdefault("agendaId", result["id"])
        # parse_agendas reads `committeeAgendas` in a bill result's frame; an agenda response
        # has the same shape, so it is handed over in that frame (no bill of its own).
        frame = {
            "basePrintNo": None,
            "session": result["id"]["year"],
            "committeeAgendas": result.get("committeeAgendas") or {},
        }
        yield from parser.parse_agendas(frame)
