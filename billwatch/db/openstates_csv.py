"""Open States' bulk CSV layout, one set of files per session, with OCD-style ids.

Files per session (`<state>/<session>/<STATE>_<session>_<table>.csv`, as Open States names them):
bills, bill_actions, bill_sponsorships, bill_versions, votes, vote_people, vote_counts, events,
plus billwatch's own tags (with their evidence). Bills carry a stable `ocd-bill/<uuid>` made
from the natural key (uuid5), since billwatch does not receive Open States' own ids.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from billwatch.db.exports import ExportFilter, iter_export, stances
from billwatch.db.queries import bill_to_dict

_NAMESPACE = uuid.UUID("6f1c1b1e-6b1e-4c8a-9a43-2c1f0e7d9b10")  # billwatch's, fixed forever

TABLES: dict[str, list[str]] = {
    "bills": ["id", "identifier", "title", "classification", "subject", "session_identifier",
              "jurisdiction", "status", "stage", "stance", "last_action_date"],
    "bill_actions": ["bill_id", "order", "organization", "description", "date", "classification"],
    "bill_sponsorships": ["bill_id", "name", "entity_type", "person_id", "primary",
                          "classification"],
    "bill_versions": ["bill_id", "note", "date", "url", "media_type", "hash"],
    "votes": ["id", "bill_id", "identifier", "motion_text", "motion_classification",
              "start_date", "result", "organization_classification"],
    "vote_people": ["vote_event_id", "option", "voter_name", "voter_id"],
    "vote_counts": ["vote_event_id", "option", "value"],
    "events": ["bill_id", "name", "committee", "start_time", "location", "status"],
    "tags": ["bill_id", "tag", "score", "version", "section", "evidence", "start", "end",
             "classifier_version", "review_state"],
}  # fmt: skip


def ocd_bill_id(jurisdiction: str, session: str, identifier: str) -> str:
    """A stable `ocd-bill/...` id from the bill's natural key."""
    return f"ocd-bill/{uuid.uuid5(_NAMESPACE, f'{jurisdiction}|{session}|{identifier}')}"


def _cell(value: Any) -> Any:
    return "; ".join(map(str, value)) if isinstance(value, list) else value


def _rows(bill: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    bid = ocd_bill_id(bill["jurisdiction"], bill["session"], bill["identifier"])
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    rows["bills"].append(
        {
            "id": bid,
            "identifier": bill["identifier"],
            "title": bill["title"],
            "classification": bill["classification"],
            "subject": bill["subjects"],
            "session_identifier": bill["session"],
            "jurisdiction": bill["jurisdiction_id"],
            "status": bill["status"],
            "stage": bill["stage"],
            "stance": bill.get("stance"),
            "last_action_date": bill["last_action_date"],
        }
    )
    for order, action in enumerate(bill["actions"]):
        rows["bill_actions"].append({"bill_id": bid, "order": order, **action})
    for sponsor in bill["sponsors"]:
        rows["bill_sponsorships"].append({"bill_id": bid, **sponsor})
    for version in bill["versions"]:
        rows["bill_versions"].append({"bill_id": bid, **version})
    for event in bill["events"]:
        rows["events"].append({"bill_id": bid, **event})
    for tag in bill["tags"]:
        rows["tags"].append({"bill_id": bid, **tag})
    for vote in bill["votes"]:
        vid = vote["identifier"]
        rows["votes"].append(
            {
                "id": vid,
                "bill_id": bid,
                "identifier": vid,
                "motion_text": vote["motion_text"],
                "motion_classification": vote["motion_classification"],
                "start_date": vote["start_date"],
                "result": vote["result"],
                "organization_classification": vote["organization"]["classification"],
            }
        )
        rows["vote_people"] += [{"vote_event_id": vid, **v} for v in vote["votes"]]
        rows["vote_counts"] += [{"vote_event_id": vid, **c} for c in vote["counts"]]
    return rows


def write_openstates_csv(
    session: Session, wanted: ExportFilter, directory: Path, bom: bool = False
) -> list[Path]:
    """Write the bulk CSV files for every session the filter covers; returns the files."""
    writers: dict[tuple[str, str, str], Any] = {}
    handles = []
    written: list[Path] = []
    try:
        for bill in _dicts(session, iter_export(session, wanted)):
            for table, rows in _rows(bill).items():
                key = (bill["jurisdiction"], bill["session"], table)
                if key not in writers:
                    folder = directory / bill["jurisdiction"].lower() / bill["session"]
                    folder.mkdir(parents=True, exist_ok=True)
                    path = folder / f"{bill['jurisdiction']}_{bill['session']}_{table}.csv"
                    handle = path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="")
                    handles.append(handle)
                    written.append(path)
                    writers[key] = csv.DictWriter(
                        handle, fieldnames=TABLES[table], extrasaction="ignore"
                    )
                    writers[key].writeheader()
                for row in rows:
                    writers[key].writerow({k: _cell(v) for k, v in row.items()})
    finally:
        for handle in handles:
            handle.close()
    return written


def _dicts(session: Session, bills: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for bill in bills:
        row = bill_to_dict(session, bill, with_text=False)
        row["stance"] = stances(session, [bill.id]).get(bill.id)
        yield row
