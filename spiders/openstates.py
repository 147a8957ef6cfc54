"""Open States API v3: `/bills` with versions, actions, sponsors and documents, and `/events`.

Responses follow https://v3.openstates.org/openapi.json: a list is `{"results": [...],
"pagination": {"page", "max_page", ...}}`. The key goes in the `X-API-KEY` header. Version
links point at the states' own sites, whose documents (HTML, PDF) are fetched under robots.txt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from billwatch.ingest.openstates import ocd_jurisdiction, parse_bill, parse_event
from billwatch.ingest.votes import parse_openstates_votes
from spiders.base import BillwatchSpider, describe, guarded, load_json
from spiders.documents import DocumentMixin

INCLUDES = ("versions", "actions", "sponsorships", "documents", "sources", "votes")


class OpenstatesSpider(DocumentMixin, BillwatchSpider):
    """Bills, text versions and hearings of any states from Open States."""

    name = "openstates"
    default_base_url = "https://v3.openstates.org"
    api_key_env = "OPENSTATES_API_KEY"
    api_key_url = "https://open.pluralpolicy.com/"
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "DOWNLOAD_DELAY": 1.0}

    def list_url(self, path: str, state: str, page: int, **params: Any) -> str:
        """A listing address with repeated `include` parameters, as the API documents."""
        per_page = self.crawler.settings.getint("OPENSTATES_PER_PAGE", 20)
        query = [("jurisdiction", ocd_jurisdiction(state)), ("page", page), ("per_page", per_page)]
        query += [(k, v) for k, v in params.items() if v is not None]
        if path == "bills":
            query += [("include", name) for name in INCLUDES]
            query.append(("sort", "updated_asc"))
        else:
            query += [("include", "agenda"), ("include", "participants"), ("include", "sources")]
            query += [("include", "media"), ("include", "links")]  # livestreams, when given
        return f"{self.base_url}/{path}?{urlencode(query)}"

    def updated_since(self) -> str | None:
        """`since`, else the start of the last good run covering these states."""
        if self.since:
            return self.since.isoformat()
        run = self.last_good_run()
        if run and set(self.states) <= set(run.states or []):
            # A margin for records updated while that run was reading.
            return (run.started_at - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
        return None

    def first_requests(self) -> Iterable[scrapy.Request]:
        """Page one of bills and events for each state."""
        since = self.updated_since()
        self.filtered_listing = since is not None
        for state in self.states:
            sessions: list[str | None] = list(self.sessions) or [None]
            for session in sessions:
                yield self.bills_request(state, 1, since, session)
            # Hearings after bills, so that agenda items link to bills stored this run.
            self.later(
                self.api_request(
                    self.list_url("events", state, 1),
                    self.parse_events,
                    cb_kwargs={"state": state, "page": 1},
                    headers=self.headers,
                )
            )

    @property
    def headers(self) -> dict[str, str]:
        """The key goes in a header, not the URL, so it never shows in logs."""
        return {"X-API-KEY": self.api_key}

    def bills_request(
        self, state: str, page: int, since: str | None, session: str | None = None
    ) -> scrapy.Request:
        """One page of a state's bills (of one session when asked)."""
        url = self.list_url("bills", state, page, session=session, updated_since=since)
        return self.api_request(
            url,
            self.parse_bills,
            headers=self.headers,
            cb_kwargs={"state": state, "page": page, "since": since, "session": session},
        )

    @guarded
    def parse_bills(
        self,
        response: Response,
        state: str,
        page: int,
        since: str | None,
        session: str | None = None,
    ) -> Iterator[Any]:
        """Each bill of the page (one bad bill is reported alone), its texts, the next page."""
        payload = load_json(response)
        for bill in payload["results"]:
            self.listed()
            try:
                record = parse_bill(bill)
            except Exception as exc:  # one bad bill must not cost the page
                self.report_error(f"{response.url}#{bill.get('id', '?')}", describe(exc))
                continue
            yield record
            try:
                votes = parse_openstates_votes(bill, record.jurisdiction)
            except Exception as exc:  # a bad roll call must not cost its bill
                self.report_error(f"{response.url}#{bill.get('id', '?')}/votes", describe(exc))
                continue
            yield from votes
        if page < int(payload["pagination"]["max_page"]):
            yield self.bills_request(state, page + 1, since, session)

    @guarded
    def parse_events(self, response: Response, state: str, page: int) -> Iterator[Any]:
        """Each hearing of the page, then the next page."""
        payload = load_json(response)
        for event in payload["results"]:
            if event.get("deleted"):
                continue
            try:
                yield parse_event(event)
            except Exception as exc:
                self.report_error(f"{response.url}#{event.get('id', '?')}", describe(exc))
        if page < int(payload["pagination"]["max_page"]):
            yield self.api_request(
                self.list_url("events", state, page + 1),
                self.parse_events,
                cb_kwargs={"state": state, "page": page + 1},
                headers=self.headers,
            )
