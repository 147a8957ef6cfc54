"""Roll-call votes from LegiScan, Open States v3, New York Open Legislation and congress.gov.

Each source's own vote words become Open Civic Data options (`yes`, `no`, `absent`, `abstain`,
`not voting`, `excused`, `other`). The parsers live together here, apart from each source's bill
parser, because a vote record is one shape whatever the source; each source's bulk ingest calls
`write_votes` for the roll calls it reads.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lxml import etree

from billwatch.db.votes import upsert_vote
from billwatch.ingest.common import ParseError, chamber_from_text, clean, parse_date, require
from billwatch.ingest.identifiers import normalise_identifier
from billwatch.ingest.sessions import session_for_year
from billwatch.records import PersonVoteRecord, VoteRecord

if TYPE_CHECKING:  # the runner imports the parsers, which import this module
    from billwatch.ingest.runner import Ingester

# Each source's vote word (lower-cased) -> OCD option.
OPTIONS = {
    "yea": "yes",
    "yes": "yes",
    "aye": "yes",
    "ayewr": "yes",  # NY: aye with reservations
    "nay": "no",
    "no": "no",
    "absent": "absent",
    "abs": "absent",
    "nv": "not voting",
    "not voting": "not voting",
    "present": "abstain",
    "abstain": "abstain",
    "abd": "abstain",  # NY: abstained
    "excused": "excused",
    "exc": "excused",
}
# LegiScan vote_id (static table: 1 Yea, 2 Nay, 3 Not Voting, 4 Absent).
LEGISCAN_VOTE_IDS = {1: "yes", 2: "no", 3: "not voting", 4: "absent"}
MOTION_RULES = [  # (pattern, OCD motion classification), first match wins
    (re.compile(r"\bveto\b.*\boverrid|\boverrid\w*\b.*\bveto", re.I), "veto-override"),
    (re.compile(r"\bamend", re.I), "amendment-passage"),
    (re.compile(r"\bconcur", re.I), "passage"),
    (re.compile(r"\b(third reading|final passage|passage|passed|pass)\b", re.I), "passage"),
    (re.compile(r"\b(do pass|committee|referred|reported)\b", re.I), "committee-passage"),
]


def option(word: Any) -> str:
    """The OCD option for a source's vote word ("Yea", "Aye", "NV", "Exc" ...); else "other"."""
    return OPTIONS.get(str(word or "").strip().lower(), "other")


def motion_classification(text: str) -> list[str]:
    """OCD motion classification of a motion's text, by ordered rules; [] when none fits."""
    for pattern, name in MOTION_RULES:
        if pattern.search(text):
            return [name]
    return []


def count_options(votes: list[PersonVoteRecord]) -> dict[str, int]:
    """Counts per option from the individual votes."""
    counts: dict[str, int] = {}
    for vote in votes:
        counts[vote.option] = counts.get(vote.option, 0) + 1
    return counts


def parse_legiscan_roll_call(payload: dict[str, Any], jurisdiction: str) -> VoteRecord:
    """A getRollCall response or dataset `vote/*.json` (`{"roll_call": {...}}`)."""
    roll = payload.get("roll_call", payload)
    if not isinstance(roll, dict):
        raise ParseError("roll_call is not an object")
    roll_id = require(roll, "roll_call_id", "roll call")
    votes = [
        PersonVoteRecord(
            option=LEGISCAN_VOTE_IDS.get(int(v.get("vote_id") or 0)) or option(v.get("vote_text")),
            voter_name="",  # named from the stored LegiScan person when it is written
            voter_ref=f"legiscan:{v['people_id']}",
        )
        for v in roll.get("votes") or []
        if isinstance(v, dict) and v.get("people_id")
    ]
    date = parse_date(require(roll, "date", "roll call"))
    if date is None:
        raise ParseError(f"roll call {roll_id} has no valid date")
    counts = {
        "yes": int(roll.get("yea") or 0),
        "no": int(roll.get("nay") or 0),
        "not voting": int(roll.get("nv") or 0),
        "absent": int(roll.get("absent") or 0),
    }
    motion = clean(roll.get("desc"))
    return VoteRecord(
        jurisdiction=jurisdiction,
        source_key=f"legiscan:{roll_id}",
        start_date=date,
        motion_text=motion,
        motion_classification=motion_classification(motion),
        result="pass" if int(roll.get("passed") or 0) else "fail",
        chamber=chamber_from_text(str(roll.get("chamber") or "")),
        bill_extras_key=("legiscan", "bill_id", int(roll["bill_id"]))
        if roll.get("bill_id")
        else None,
        counts={k: v for k, v in counts.items() if v or k in ("yes", "no")},
        votes=votes,
    )


def state_in_path(name: str) -> str:
    """The state folder in a LegiScan dataset path ("CA/2025-2026_Regular_Session/vote/1.json")."""
    for part in reversed(re.split(r"[/\\:]", name)):
        if re.fullmatch(r"[A-Z]{2}", part):
            return part
    return ""


def parse_openstates_votes(bill: dict[str, Any], jurisdiction: str) -> list[VoteRecord]:
    """The `votes` of an Open States v3 bill (`include=votes`), as they are."""
    records = []
    session = str(bill.get("session") or "") or None
    identifier = normalise_identifier(str(bill.get("identifier") or "")) or None
    for vote in bill.get("votes") or []:
        if not isinstance(vote, dict):
            raise ParseError("a vote is not an object")
        date = parse_date(str(require(vote, "start_date", "vote"))[:10])
        if date is None:
            raise ParseError(f"vote {vote.get('id')} has no valid start_date")
        organization = vote.get("organization") or {}
        people = [
            PersonVoteRecord(
                option=pv.get("option") or "other",
                voter_name=clean(pv.get("voter_name")),
                voter_ref=(pv.get("voter") or {}).get("id"),
            )
            for pv in vote.get("votes") or []
        ]
        records.append(
            VoteRecord(
                jurisdiction=jurisdiction,
                source_key=str(require(vote, "id", "vote")),
                start_date=date,
                motion_text=clean(vote.get("motion_text")),
                motion_classification=list(vote.get("motion_classification") or []),
                result=vote.get("result") or "fail",
                chamber=organization.get("classification"),
                organization=organization.get("name"),
                session=session,
                bill_identifier=identifier,
                counts={c["option"]: int(c["value"]) for c in vote.get("counts") or []},
                votes=people,
                source_urls=[s["url"] for s in vote.get("sources") or [] if s.get("url")],
            )
        )
    return records


def parse_ny_votes(result: dict[str, Any]) -> list[VoteRecord]:
    """The `votes` of an Open Legislation v3 bill: floor and committee roll calls by member."""
    records = []
    print_no = str(result.get("basePrintNo") or result.get("printNo") or "")
    year = int(require(result, "session", "bill result"))
    for vote in (result.get("votes") or {}).get("items") or []:
        date = parse_date(vote.get("voteDate"))
        if date is None:
            raise ParseError(f"{print_no}: a vote has no voteDate")
        committee = vote.get("committee") or {}
        kind = str(vote.get("voteType") or "FLOOR").upper()
        people = []
        for word, group in ((vote.get("memberVotes") or {}).get("items") or {}).items():
            for member in (group or {}).get("items") or []:
                people.append(
                    PersonVoteRecord(
                        option=option(word),
                        voter_name=clean(member.get("fullName") or member.get("shortName")),
                        voter_ref=f"nysenate:{member['memberId']}"
                        if member.get("memberId")
                        else None,
                    )
                )
        counts = count_options(people)
        motion = "Committee vote" if kind == "COMMITTEE" else "Floor vote"
        if committee.get("name"):
            motion += f": {committee['name']}"
        records.append(
            VoteRecord(
                jurisdiction="NY",
                source_key=f"nysenate:{year}:{print_no}{vote.get('version') or ''}:{kind}:"
                f"{committee.get('name') or ''}:{date.isoformat()}",
                start_date=date,
                motion_text=motion,
                motion_classification=["committee-passage" if kind == "COMMITTEE" else "passage"],
                result="pass" if counts.get("yes", 0) > counts.get("no", 0) else "fail",
                chamber=chamber_from_text(committee.get("chamber") or "SENATE"),
                organization=committee.get("name"),
                session=session_for_year("NY", year),
                bill_identifier=normalise_identifier(print_no),
                counts=counts,
                votes=people,
            )
        )
    return records


def parse_ny_floor_vote_xml(xml: bytes) -> VoteRecord:
    """An LBDC Senate floor roll call (`SENFLVOT_*.XML`: `<senfloorvote no= sessyr= ...>`)."""
    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not XML: {exc}") from exc
    if root.tag != "senfloorvote":
        raise ParseError(f"not a Senate floor vote (root <{root.tag}>)")
    print_no, year = root.get("no") or "", root.get("sessyr") or ""
    try:
        date = dt.datetime.strptime(root.get("dateofvote") or "", "%m/%d/%Y").date()
    except ValueError as exc:
        raise ParseError(f"{print_no}: bad dateofvote {root.get('dateofvote')!r}") from exc
    people = [
        PersonVoteRecord(
            option=option(member.findtext("vote")), voter_name=clean(member.findtext("name"))
        )
        for member in root.iter("member")
    ]
    counts = count_options(people)
    return VoteRecord(
        jurisdiction="NY",
        source_key=f"nysenate:{year}:{print_no}:FLOOR::{date.isoformat()}:{root.get('date_seqno')}",
        start_date=date,
        motion_text="Floor vote",
        motion_classification=["passage"],
        result="pass" if counts.get("yes", 0) > counts.get("no", 0) else "fail",
        chamber="upper",
        session=session_for_year("NY", int(year)) if year.isdigit() else None,
        bill_identifier=normalise_identifier(print_no),
        counts=counts,
        votes=people,
    )


def parse_congress_house_vote(payload: dict[str, Any]) -> VoteRecord:
    """A congress.gov `house-vote/{congress}/{session}/{roll}` with its `members` list."""
    vote = payload.get("houseRollCallVote") or payload
    members = payload.get("houseRollCallVoteMemberVotes") or vote
    congress = int(require(vote, "congress", "house vote"))
    roll = require(vote, "rollCallNumber", "house vote")
    date = parse_date(str(require(vote, "startDate", "house vote"))[:10])
    if date is None:
        raise ParseError(f"house roll call {roll} has no valid startDate")
    people = [
        PersonVoteRecord(
            option=option(m.get("voteCast")),
            voter_name=clean(f"{m.get('firstName', '')} {m.get('lastName', '')}"),
            voter_ref=f"bioguide:{m['bioguideID']}" if m.get("bioguideID") else None,
        )
        for m in members.get("results") or []
    ]
    bill_type, number = vote.get("legislationType"), vote.get("legislationNumber")
    motion = clean(vote.get("voteQuestion") or vote.get("voteType"))
    result = str(vote.get("result") or "").lower()
    return VoteRecord(
        jurisdiction="US",
        source_key=f"house-vote:{congress}:{vote.get('sessionNumber')}:{roll}",
        start_date=date,
        motion_text=motion,
        motion_classification=motion_classification(motion),
        result="pass" if result.startswith(("passed", "agreed")) else "fail",
        chamber="lower",
        session=str(congress),
        bill_identifier=normalise_identifier(f"{bill_type}{number}") if bill_type else None,
        counts=count_options(people),
        votes=people,
        source_urls=[vote["sourceDataURL"]] if vote.get("sourceDataURL") else [],
    )


def write_votes(ing: Ingester, records: Sequence[VoteRecord], path: str) -> None:
    """Upsert each roll call in its own transaction; a bad one is reported for `path`."""
    for record in records:
        with ing.guard(path):
            with ing.factory.begin() as session:
                upsert_vote(session, record)
