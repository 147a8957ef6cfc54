"""congress.gov API v3: bills updated since the last run, their actions, cosponsors and texts.

A bill is four responses (`/v3/bill/{congress}/{type}/{number}` and its `/actions`,
`/cosponsors`, `/text`, each maybe paged), chained so that one bill is one record and one
transaction. The text
versions' documents (XML, HTML, PDF on congress.gov/govinfo) are fetched under robots.txt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from billwatch.ingest.common import clean, parse_date, version_note
from billwatch.ingest.identifiers import normalise_identifier
from billwatch.ingest.sessions import congress_for_year
from billwatch.records import ActionRecord, BillRecord, SponsorRecord, VersionRecord
from spiders.base import BillwatchSpider, guarded, load_json
from spiders.documents import DocumentMixin

PAGE = 250
PARTS = ("actions", "cosponsors", "text")  # fetched in this order after the bill's detail
PART_KEYS = {"actions": "actions", "cosponsors": "cosponsors", "text": "textVersions"}
# Best first; "Formatted XML" is the bill XML, "Formatted Text" an HTML <pre> rendering.
FORMATS = {
    "Formatted XML": "application/xml",
    "Formatted Text": "text/html",
    "Generated HTML": "text/html",
    "PDF": "application/pdf",
}


def _parse_chamber(action: dict[str, Any]) -> str | None:
    name = ((action.get("sourceSystem") or {}).get("name") or "").lower()
    return "lower" if "house" in name else "upper" if "senate" in name else None


def _parse_actions(actions: list[dict[str, Any]]) -> list[ActionRecord]:
    """Actions oldest first (the API lists the newest first)."""
    records = []
    for order, action in enumerate(reversed(actions)):
        date = parse_date(action["actionDate"])
        if date is None:
            raise ValueError(f"action {action.get('text')!r} has no valid actionDate")
        records.append(
            ActionRecord(
                date=date,
                description=clean(action["text"]),
                organization=_parse_chamber(action),
                order=order,
            )
        )
    return records


def _parse_sponsors(bill: dict[str, Any], cosponsors: list[dict[str, Any]]) -> list[SponsorRecord]:
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


def _parse_versions(text_versions: list[dict[str, Any]]) -> list[VersionRecord]:
    versions = []
    for version in text_versions:
        formats = {f["type"]: f["url"] for f in version.get("formats") or []}
        kind = next((k for k in FORMATS if k in formats), None)
        if kind is None:
            continue
        versions.append(
            VersionRecord(
                note=version_note(version.get("type")),
                date=parse_date(version.get("date")),
                url=formats[kind],
                media_type=FORMATS[kind],
            )
        )
    return versions


def parse_bill(
    bill: dict[str, Any], actions: list[dict], cosponsors: list[dict], text_versions: list[dict]
) -> BillRecord:
    """A BillRecord from a bill's detail, actions, cosponsors and text responses."""
    identifier = normalise_identifier(f"{bill['type']} {bill['number']}")
    return BillRecord(
        jurisdiction="US",
        session=str(bill["congress"]),
        identifier=identifier,
        title=clean(bill["title"]),
        classification=["resolution" if "RES" in bill["type"].upper() else "bill"],
        subjects=[bill["policyArea"]["name"]] if (bill.get("policyArea") or {}).get("name") else [],
        source_urls=[
            f"https://www.congress.gov/bill/{bill['congress']}th-congress/"
            f"{'house' if bill['type'].upper().startswith('H') else 'senate'}-bill/"
            f"{bill['number']}"
        ],
        versions=_parse_versions(text_versions),
        actions=_parse_actions(actions),
        sponsors=_parse_sponsors(bill, cosponsors),
        extras={
            "congress": {
                "id": f"{bill['congress']}-{bill['type'].lower()}-{bill['number']}",
                "updateDate": bill.get("updateDate"),
                "updateDateIncludingText": bill.get("updateDateIncludingText"),
            }
        },
    )


class CongressSpider(DocumentMixin, BillwatchSpider):
    """US Congress bills from the congress.gov API."""

    name = "congress"
    default_base_url = "https://api.congress.gov"
    key_setting = "CONGRESS_API_KEY"

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
        record = parse_bill(bill, parts["actions"], parts["cosponsors"], parts["text"])
        yield record
