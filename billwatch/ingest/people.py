"""openstates/people YAML (`data/<st>/legislature/*.yml`, `<st>/committees/*.yml`) as records.

The schema is the repository's `schema.md`: a person has `roles` (type upper/lower/legislature,
district, start_date, end_date), `party` (each with optional dates), `offices` (classification
capitol/district/primary with address, voice, fax) and `email`; a committee has `chamber` and
`members` (name, role, person_id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from billwatch.ingest.bulk import Total, collect_all
from billwatch.ingest.common import ParseError, clean, parse_date, require
from billwatch.ingest.inputs import Input, load_yaml
from billwatch.ingest.runner import Ingester, today
from billwatch.ingest.validate import checked
from billwatch.records import CommitteeRecord, MembershipRecord, OfficeRecord, PersonRecord

SOURCE = "people"  # the name `crawl`, `ingest` and the settings use

_FAR_PAST = dt.date(1, 1, 1)


def _valid(entry: dict[str, Any]) -> bool:
    """False for a term that ends before it starts (a data error: WA's Jeff Holy, 2019)."""
    start, end = parse_date(entry.get("start_date")), parse_date(entry.get("end_date"))
    return not (start and end and end < start)


def current_entry(entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The entry with no end date (latest start first), else the one that ended last."""
    valid = [e for e in entries if isinstance(e, dict) and _valid(e)]
    if not valid:
        return None
    open_ended = [e for e in valid if not e.get("end_date")]
    if open_ended:
        return max(open_ended, key=lambda e: parse_date(e.get("start_date")) or _FAR_PAST)
    return max(valid, key=lambda e: parse_date(e.get("end_date")) or _FAR_PAST)


def _offices(data: dict[str, Any]) -> list[OfficeRecord]:
    offices = []
    for office in data.get("offices") or []:
        offices.append(
            OfficeRecord(
                classification=office.get("classification") or "primary",
                address=clean(office.get("address")) or None,
                voice=office.get("voice"),
                fax=office.get("fax"),
                name=office.get("name"),
            )
        )
    return offices


@checked("person file")
def parse_person_yaml(
    data: dict[str, Any], jurisdiction: str, today: dt.date | None = None
) -> PersonRecord:
    """A PersonRecord with the current role (no end date, or the latest) and contacts."""
    if not isinstance(data, dict):
        raise ParseError("person file is not a mapping")
    person_id = require(data, "id", "person")
    name = clean(require(data, "name", "person"))
    roles = data.get("roles") or []
    role = current_entry(roles)
    if role is None:
        raise ParseError(f"person {person_id} has no valid role")
    party = current_entry(data.get("party") or [])
    today = today or dt.date.today()
    end = parse_date(role.get("end_date"))
    return PersonRecord(
        jurisdiction=jurisdiction.upper(),
        name=name,
        source_key=person_id,
        party=party.get("name") if party else None,
        chamber=role.get("type"),
        district=str(role["district"]) if role.get("district") is not None else None,
        email=data.get("email"),
        image=data.get("image"),
        active=end is None or end >= today,
        offices=_offices(data),
        extras={
            key: data[key]
            for key in ("given_name", "family_name", "ids", "links", "sources", "other_identifiers")
            if data.get(key)
        },
    )


@checked("committee file")
def parse_committee_yaml(data: dict[str, Any], jurisdiction: str) -> CommitteeRecord:
    """A CommitteeRecord with its members, joined to people through `person_id`."""
    if not isinstance(data, dict):
        raise ParseError("committee file is not a mapping")
    members = []
    for member in data.get("members") or []:
        if not isinstance(member, dict) or not member.get("name"):
            raise ParseError(f"committee {data.get('name')!r} has a member without a name")
        members.append(
            MembershipRecord(
                name=clean(member["name"]),
                role=member.get("role") or "member",
                person_ref=member.get("person_id"),
            )
        )
    return CommitteeRecord(
        jurisdiction=jurisdiction.upper(),
        name=clean(require(data, "name", "committee")),
        chamber=data.get("chamber"),
        source_key=data.get("id"),
        members=members,
    )


# --- bulk ingest ---------------------------------------------------------------------------


def _people_jurisdiction(item: Input) -> tuple[str, str] | None:
    parts = Path(item.name.replace(":", "/")).parts  # zip members are "archive.zip:member"
    if len(parts) < 3 or parts[-2] not in ("legislature", "committees"):
        return None
    return parts[-3].upper(), parts[-2]


def ingest(ing: Ingester, paths: Sequence[Path], total: Total) -> None:
    """openstates/people YAML: `<st>/legislature/*.yml`, `<st>/committees/*.yml` (or files)."""
    # A file named on the command line is read even where its path names no jurisdiction (and
    # is then reported); files found in a folder are read only from those two layouts.
    inputs = [
        item
        for item in collect_all(ing, paths, [".yml", ".yaml"])
        if item.path in paths or _people_jurisdiction(item)
    ]
    # People first, so committee memberships link to them.
    inputs.sort(
        key=lambda item: ((_people_jurisdiction(item) or ("", ""))[1] == "committees", item.relpath)
    )
    total(len(inputs))
    for item in inputs:
        ing.stats.files += 1
        with ing.guard(item.name):
            where = _people_jurisdiction(item)
            if where is None:
                raise ParseError(
                    "cannot tell the jurisdiction: expected"
                    " <state>/legislature/ or <state>/committees/ in the path"
                )
            jurisdiction, kind = where
            data = load_yaml(item.read())
            if kind == "committees":
                ing.committee(parse_committee_yaml(data, jurisdiction), item.name)
            else:
                ing.person(parse_person_yaml(data, jurisdiction, today()), item.name)
        ing.advance()
