"""congress.gov API v3: bills updated since the last run, their actions, cosponsors, texts
and House roll calls.

A bill is four responses (`/v3/bill/{congress}/{type}/{number}` and its `/actions`,
`/cosponsors`, `/text`, each maybe paged), chained so that one bill is one record and one
transaction, parsed by billwatch.ingest.congress. The text versions' documents (XML, HTML, PDF
on congress.gov/govinfo) are fetched under robots.txt. A House roll call that an action
records is two more responses (`/v3/house-vote/{congress}/{session}/{roll}` and its `/members`),
one vote record; the Senate's roll calls have no endpoint in the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from billwatch.ingest.congress import parse_api_bill
from billwatch.ingest.sessions import congress_for_year
from billwatch.ingest.votes import parse_congress_house_vote
from spiders.base import BillwatchSpider, guarded, load_json
from spiders.documents import DocumentMixin

PAGE = 250
PARTS = ("actions", "cosponsors", "text")  # fetched in this order after the bill's detail
PART_KEYS = {"actions": "actions", "cosponsors": "cosponsors", "text": "textVersions"}


class CongressSpider(DocumentMixin, BillwatchSpider):
    """US Congress bills from the congress.gov API."""

    name = "congress"
    default_base_url = "https://api.congress.gov"
    api_key_env = "CONGRESS_API_KEY"
    api_key_url = "https://api.congress.gov/sign-up/"
    fixed_states = ("US",)
    # api.data.gov allows 5,000 requests an hour per key: 0.8 s apart stays under it.
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": 0.8}

    @property
    def headers(self) -> dict[str, str]:
        """api.data.gov takes the key in a header, which keeps it out of logged URLs."""
        return {"X-Api-Key": self.api_key}

    def url(self, path: str, **params: Any) -> str:
        """An API address."""
        return f"{self.base_url}/v3/{path}?" + urlencode({"format": "json", **params})

    def from_datetime(self) -> str | None:
        """`since`, else the start of the last good run (with a margin), as the API wants it."""
        if self.since:
            return f"{self.since.isoformat()}T00:00:00Z"
        run = self.last_good_run()
        if run is None:
            return None
        return (run.started_at - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def first_requests(self) -> Iterable[scrapy.Request]:
        """The listing of bills updated since the last run, per Congress."""
        self.stored = self.stored_bill_extras("US", "congress")
        self.roll_calls: set[tuple[str, str, str]] = set()  # asked for in this run
        since = self.from_datetime()
        self.filtered_listing = since is not None
        congresses = self.sessions or [str(congress_for_year(dt.date.today().year))]
        for congress in congresses:
            params = {"limit": PAGE, "offset": 0, "sort": "updateDate asc"}
            if since:
                params["fromDateTime"] = since
            yield self.api_request(
                self.url(f"bill/{congress}", **params), self.parse_list, headers=self.headers
            )

    @guarded
    def parse_list(self, response: Response) -> Iterator[scrapy.Request]:
        """A detail request for each bill whose update date moved, then the next page."""
        payload = load_json(response)
        for item in payload["bills"]:
            self.listed()
            key = f"{item['congress']}-{item['type'].lower()}-{item['number']}"
            stamp = item.get("updateDateIncludingText") or item.get("updateDate")
            if stamp and self.stored.get(key, {}).get("updateDateIncludingText") == stamp:
                self.skipped()
                continue
            path = f"bill/{item['congress']}/{item['type'].lower()}/{item['number']}"
            yield self.api_request(
                self.url(path),
                self.parse_detail,
                headers=self.headers,
                cb_kwargs={"path": path, "stamp": stamp},
            )
        next_page = (payload.get("pagination") or {}).get("next")
        if next_page:
            yield self.api_request(next_page, self.parse_list, headers=self.headers)

    def _part(self, path: str, part: str, bill: dict, parts: dict[str, list]) -> scrapy.Request:
        size = self.crawler.settings.getint("CONGRESS_PAGE_SIZE", PAGE)
        return self.api_request(
            self.url(f"{path}/{part}", limit=size),
            self.parse_part,
            headers=self.headers,
            cb_kwargs={"path": path, "bill": bill, "parts": parts, "part": part},
        )

    @guarded
    def parse_detail(
        self, response: Response, path: str, stamp: str | None
    ) -> Iterator[scrapy.Request]:
        """Then the actions, cosponsors and text versions, one after the other."""
        bill = load_json(response)["bill"]
        bill["updateDateIncludingText"] = stamp or bill.get("updateDate")
        yield self._part(path, PARTS[0], bill, {})

    @guarded
    def parse_part(
        self, response: Response, path: str, bill: dict, parts: dict[str, list], part: str
    ) -> Iterator[Any]:
        """One page of a part; when all are in, the whole bill as one record and its texts."""
        payload = load_json(response)
        parts[part] = parts.get(part, []) + payload[PART_KEYS[part]]
        next_page = (payload.get("pagination") or {}).get("next")
        if next_page:  # a bill with more than PAGE actions or cosponsors
            yield self.api_request(
                next_page,
                self.parse_part,
                headers=self.headers,
                cb_kwargs={"path": path, "bill": bill, "parts": parts, "part": part},
            )
            return
        following = PARTS.index(part) + 1
        if following < len(PARTS):
            yield self._part(path, PARTS[following], bill, parts)
            return
        record = parse_api_bill(bill, parts["actions"], parts["cosponsors"], parts["text"])
        yield record
        yield from self._house_votes(parts["actions"])

    def _house_votes(self, actions: list[dict]) -> Iterator[scrapy.Request]:
        """A request for each House roll call the actions record, once per run."""
        for action in actions:
            for recorded in action.get("recordedVotes") or []:
                if str(recorded.get("chamber", "")).lower() != "house":
                    continue
                key = tuple(
                    str(recorded.get(k) or "") for k in ("congress", "sessionNumber", "rollNumber")
                )
                if not all(key) or key in self.roll_calls:
                    continue
                self.roll_calls.add(key)  # type: ignore[arg-type]
                path = "house-vote/{}/{}/{}".format(*key)
                yield self.api_request(
                    self.url(path),
                    self.parse_house_vote,
                    headers=self.headers,
                    cb_kwargs={"path": path},
                )

    @guarded
    def parse_house_vote(self, response: Response, path: str) -> Iterator[scrapy.Request]:
        """Then the members' votes of the roll call."""
        vote = load_json(response)["houseRollCallVote"]
        yield self.api_request(
            self.url(f"{path}/members", limit=PAGE),
            self.parse_house_vote_members,
            headers=self.headers,
            cb_kwargs={"vote": vote, "members": []},
        )

    @guarded
    def parse_house_vote_members(
        self, response: Response, vote: dict, members: list[dict]
    ) -> Iterator[Any]:
        """One page of members' votes; when all are in, the roll call as one vote record."""
        payload = load_json(response)
        page = payload["houseRollCallVoteMemberVotes"]
        members = members + list(page.get("results") or [])
        next_page = (payload.get("pagination") or {}).get("next")
        if next_page:
            yield self.api_request(
                next_page,
                self.parse_house_vote_members,
                headers=self.headers,
                cb_kwargs={"vote": vote, "members": members},
            )
            return
        yield parse_congress_house_vote(
            {"houseRollCallVote": vote, "houseRollCallVoteMemberVotes": {"results": members}}
        )
