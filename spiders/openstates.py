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

from billwatch.ingest.common import clean, parse_date, parse_datetime
from billwatch.ingest.identifiers import normalise_identifier
from billwatch.ingest.sessions import normalise_session
from billwatch.records import (
    ActionRecord,
    AgendaItemRecord,
    BillRecord,
    EventRecord,
    SponsorRecord,
    VersionRecord,
)
from spiders.base import BadResponse, BillwatchSpider, describe, guarded, load_json
from spiders.documents import DocumentMixin

INCLUDES = ("versions", "actions", "sponsorships", "documents", "sources")
CHAMBERS = {"upper", "lower", "legislature", "executive"}
# Best first: HTML keeps a state's insert/strike markup, PDF loses it.
MEDIA_PREFERENCE = ("text/html", "application/xhtml+xml", "application/pdf", "text/plain")


def ocd_jurisdiction(state: str) -> str:
    """The Open Civic Data id the API filters on ("NY" -> ocd-jurisdiction/.../state:ny/...)."""
    kind = "district" if state.upper() == "DC" else "state"
    return f"ocd-jurisdiction/country:us/{kind}:{state.lower()}/government"


def _parse_state(jurisdiction: dict[str, Any]) -> str:
    """ "NY" from "ocd-jurisdiction/country:us/state:ny/government" (DC is district:dc)."""
    ocd = jurisdiction["id"]
    for part in ocd.split("/"):
        if part.startswith(("state:", "district:")):
            return part.split(":", 1)[1].upper()
    raise BadResponse(f"jurisdiction {ocd!r} is not a US state")


def _parse_organization(org: dict[str, Any] | None) -> str | None:
    """The chamber classification of an organisation, else its name."""
    if not org:
        return None
    return org["classification"] if org.get("classification") in CHAMBERS else org.get("name")


def _parse_actions(bill: dict[str, Any]) -> list[ActionRecord]:
    actions = []
    for action in bill.get("actions") or []:
        date = parse_date(action["date"])
        if date is None:
            raise BadResponse(f"action {action.get('description')!r} has no valid date")
        actions.append(
            ActionRecord(
                date=date,
                description=clean(action["description"]),
                organization=_parse_organization(action.get("organization")),
                classification=list(action.get("classification") or []),
                order=action["order"],
            )
        )
    return actions


def _parse_sponsors(bill: dict[str, Any]) -> list[SponsorRecord]:
    return [
        SponsorRecord(
            name=clean(s["name"]),
            classification="primary" if s.get("primary") else "cosponsor",
            entity_type="organization" if s.get("entity_type") == "organization" else "person",
            person_ref=(s.get("person") or {}).get("id"),
        )
        for s in bill.get("sponsorships") or []
    ]


def _best_link(links: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The link whose media type reads best, HTML before PDF."""

    def rank(link: dict[str, Any]) -> int:
        media = (link.get("media_type") or "").lower()
        return MEDIA_PREFERENCE.index(media) if media in MEDIA_PREFERENCE else 99

    return min(links, key=rank) if links else None


def _parse_versions(bill: dict[str, Any]) -> list[VersionRecord]:
    versions = []
    for version in bill.get("versions") or []:
        link = _best_link(version.get("links") or [])
        if link is None:
            continue
        versions.append(
            VersionRecord(
                note=clean(version["note"]) or "Version",
                date=parse_date(version.get("date")),
                url=link["url"],
                media_type=link.get("media_type") or None,
            )
        )
    return versions


def _parse_sources(bill: dict[str, Any]) -> list[str]:
    urls = [s["url"] for s in bill.get("sources") or [] if s.get("url")]
    return list(dict.fromkeys([*urls, bill["openstates_url"]]))


def parse_bill(bill: dict[str, Any]) -> BillRecord:
    """A BillRecord from one Open States v3 Bill object."""
    state = _parse_state(bill["jurisdiction"])
    return BillRecord(
        jurisdiction=state,
        session=normalise_session(state, bill["session"]),
        identifier=normalise_identifier(bill["identifier"]),
        title=clean(bill["title"]),
        classification=list(bill.get("classification") or ["bill"]),
        subjects=list(bill.get("subject") or []),
        source_urls=_parse_sources(bill),
        versions=_parse_versions(bill),
        actions=_parse_actions(bill),
        sponsors=_parse_sponsors(bill),
        extras={"openstates": {"id": bill["id"], "updated_at": bill["updated_at"]}},
    )


def _parse_agenda(event: dict[str, Any], state: str) -> list[AgendaItemRecord]:
    items = []
    for item in sorted(event.get("agenda") or [], key=lambda i: i.get("order") or 0):
        bills = [e for e in item.get("related_entities") or [] if e.get("entity_type") == "bill"]
        for entity in bills or [{}]:
            compact = entity.get("bill") or {}
            raw = compact.get("identifier") or entity.get("name")
            session = compact.get("session")
            items.append(
                AgendaItemRecord(
                    bill_identifier=normalise_identifier(raw) if raw else None,
                    description=clean(item.get("description")),
                    session=normalise_session(state, session) if session else None,
                )
            )
    return items


def _parse_committee(event: dict[str, Any]) -> str | None:
    for participant in event.get("participants") or []:
        if participant.get("entity_type") == "organization":
            return clean(participant["name"])
    return None


def parse_event(event: dict[str, Any]) -> EventRecord:
    """An EventRecord (hearing) from one Open States v3 Event object."""
    state = _parse_state(event["jurisdiction"])
    start = parse_datetime(event["start_date"])
    if start is None:
        raise BadResponse(f"event {event['id']} has no valid start_date")
    return EventRecord(
        jurisdiction=state,
        source_key=event["id"],
        name=clean(event["name"]),
        start_time=start,
        committee=_parse_committee(event),
        location=clean((event.get("location") or {}).get("name")) or None,
        status=event.get("status") or "confirmed",
        description=clean(event.get("description")),
        source_urls=[s["url"] for s in event.get("sources") or [] if s.get("url")],
        agenda=_parse_agenda(event, state),
    )


class OpenstatesSpider(DocumentMixin, BillwatchSpider):
    """Bills, text versions and hearings of any states from Open States."""

    name = "openstates"
    default_base_url = "https://v3.openstates.org"
    key_setting = "OPENSTATES_API_KEY"

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
