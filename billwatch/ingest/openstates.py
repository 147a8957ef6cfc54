"""Open States API v3 Bill and Event objects as records (the `openstates` source's parser).

Objects follow https://v3.openstates.org/openapi.json: a bill with its `versions`, `actions`,
`sponsorships` and `sources` included; an event with `agenda`, `participants` and `sources`.
"""

from __future__ import annotations

from typing import Any

from billwatch.ingest.common import ParseError, clean, parse_date, parse_datetime
from billwatch.ingest.identifiers import normalise_identifier
from billwatch.ingest.sessions import normalise_session
from billwatch.ingest.validate import MAX_ITEMS, checked, items, web_url
from billwatch.ingest.validate import text as text_value
from billwatch.records import (
    ActionRecord,
    AgendaItemRecord,
    BillRecord,
    EventRecord,
    SponsorRecord,
    VersionRecord,
)

SOURCE = "openstates"  # the name `crawl`, `ingest` and the settings use

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
    raise ParseError(f"jurisdiction {ocd!r} is not a US state")


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
            raise ParseError(f"action {action.get('description')!r} has no valid date")
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
    for version in items(bill.get("versions"), "versions"):
        link = _best_link(items(version.get("links"), "version links"))
        url = web_url(link["url"]) if link is not None else None
        if link is None or url is None:
            continue  # no link we could follow (javascript:, data:, missing)
        versions.append(
            VersionRecord(
                note=clean(text_value(version["note"], "version note")) or "Version",
                date=parse_date(version.get("date")),
                url=url,
                media_type=text_value(link.get("media_type"), "media_type", limit=100) or None,
            )
        )
    return versions


def _parse_sources(bill: dict[str, Any]) -> list[str]:
    urls = [web_url(s.get("url")) for s in items(bill.get("sources"), "sources")]
    urls.append(web_url(bill["openstates_url"]))
    return list(dict.fromkeys(u for u in urls if u))


def _strings(obj: dict[str, Any], field: str) -> list[Any]:
    """A list field of plain values (None as []); ParseError for anything else."""
    value = obj.get(field)
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise ParseError(f"{field} is not a list of at most {MAX_ITEMS} values")
    return value


@checked("Open States bill")
def parse_bill(bill: dict[str, Any]) -> BillRecord:
    """A BillRecord from one Open States v3 Bill object."""
    state = _parse_state(bill["jurisdiction"])
    return BillRecord(
        jurisdiction=state,
        session=normalise_session(state, bill["session"]),
        identifier=normalise_identifier(bill["identifier"]),
        title=clean(text_value(bill["title"], "title")),
        classification=[
            text_value(c, "classification", limit=60) for c in _strings(bill, "classification")
        ]
        or ["bill"],
        subjects=[text_value(s, "subject", limit=200) for s in _strings(bill, "subject")],
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


_LIVE = ("live", "stream", "video", "watch", "webcast")


def _parse_livestream(event: dict[str, Any]) -> str | None:
    """The hearing's video link: a `media` entry's link, else a `links` entry said to be live."""
    for medium in items(event.get("media"), "media"):
        for link in items(medium.get("links"), "media links"):
            url = web_url(link.get("url"))
            if url:
                return url
    for link in items(event.get("links"), "links"):
        note = str(link.get("note") or "").lower()
        url = web_url(link.get("url"))
        if url and any(word in note for word in _LIVE):
            return url
    return None


@checked("Open States event")
def parse_event(event: dict[str, Any]) -> EventRecord:
    """An EventRecord (hearing) from one Open States v3 Event object."""
    state = _parse_state(event["jurisdiction"])
    start = parse_datetime(event["start_date"])
    if start is None:
        raise ParseError(f"event {event['id']} has no valid start_date")
    return EventRecord(
        jurisdiction=state,
        source_key=event["id"],
        name=clean(event["name"]),
        start_time=start,
        committee=_parse_committee(event),
        location=clean((event.get("location") or {}).get("name")) or None,
        status=event.get("status") or "confirmed",
        description=clean(event.get("description")),
        source_urls=[
            u for u in (web_url(s.get("url")) for s in items(event.get("sources"), "sources")) if u
        ],
        agenda=_parse_agenda(event, state),
        livestream_url=_parse_livestream(event),
    )
