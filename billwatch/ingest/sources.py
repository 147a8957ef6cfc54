"""One bulk ingest per source: find the inputs, parse them, hand records to the Ingester."""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from billwatch.db.models import Bill, BillVersion
from billwatch.db.store import find_bill
from billwatch.ingest import ca_pubinfo, congress, legiscan, ny_openleg, people
from billwatch.ingest.common import ParseError
from billwatch.ingest.inputs import Input, collect, load_json, load_yaml
from billwatch.ingest.runner import Ingester, IngestStats, today
from billwatch.records import BillRecord, VersionRecord

# LegiScan dataset folders in the order that lets each file find what it refers to.
_LEGISCAN_ORDER = {"people": 0, "bill": 1, "text": 2, "vote": 3}
_LEGISCAN_KIND = re.compile(
    rb'"(bill|text|person|roll_call)"\s*:\s*\{|<(bill|text|person|roll_call)>'
)


def attach_version(ing: Ingester, bill_id: int, version: VersionRecord, path: str) -> None:
    """Add a version's text to a stored bill, filling the placeholder its link left."""
    ing.text(bill_id, version, path)


# --- LegiScan ---------------------------------------------------------------------------------


def _legiscan_kind(item: Input) -> str:
    parts = item.relpath.lower().split("/")
    folder = parts[-2] if len(parts) > 1 else ""
    if folder in _LEGISCAN_ORDER:
        return folder
    match = _LEGISCAN_KIND.search(item.head())
    kind = (match.group(1) or match.group(2)).decode() if match else "unknown"
    return {"person": "people", "roll_call": "vote"}.get(kind, kind)


def _legiscan_bill_id(ing: Ingester, seen: dict[int, int], legiscan_id: int) -> int:
    if legiscan_id in seen:
        return seen[legiscan_id]
    with ing.factory() as session:
        found = session.scalars(
            select(Bill.id).where(Bill.extras["legiscan"]["bill_id"].as_integer() == legiscan_id)
        ).first()
    if found is None:
        raise ParseError(
            f"text for LegiScan bill_id {legiscan_id}, which is not stored:"
            " ingest its bill file first"
        )
    seen[legiscan_id] = found
    return found


def collect_all(ing: Ingester, paths: Sequence[Path], suffixes: list[str]) -> list[Input]:
    """The inputs of every path; a path that cannot be read at all is reported and skipped."""
    inputs: list[Input] = []
    for path in paths:
        with ing.guard(str(path)):
            inputs.extend(collect(Path(path), suffixes, ing.resources))
    return inputs


def ingest_legiscan(ing: Ingester, paths: Sequence[Path], total: Callable[[int], None]) -> None:
    """LegiScan dataset folders or zips, or single bill/text/people JSON files."""
    inputs = collect_all(ing, paths, [".json", ".xml"])  # JSON datasets, older XML ones
    kinds = [(_legiscan_kind(item), item) for item in inputs]
    kinds.sort(key=lambda pair: (_LEGISCAN_ORDER.get(pair[0], 1), pair[1].relpath))
    total(len(kinds))
    seen: dict[int, int] = {}  # LegiScan bill_id -> our bill id, for texts of this run
    for kind, item in kinds:
        ing.stats.files += 1
        with ing.guard(item.name):
            _legiscan_file(ing, kind, item, seen)
        ing.advance()


def _legiscan_file(ing: Ingester, kind: str, item: Input, seen: dict[int, int]) -> None:
    data = item.read()
    if item.relpath.lower().endswith(".xml"):
        payload = legiscan.xml_to_payload(data)
    else:
        payload = load_json(data)
    if not isinstance(payload, dict):
        raise ParseError("not a JSON object")
    if "bill" in payload:
        record = legiscan.parse_bill(payload)
        events = legiscan.parse_calendar(payload)
        change = ing.bill(record, item.name)
        if change is not None:
            seen[int(record.extras["legiscan"]["bill_id"])] = change.bill_id
            for event in events:
                ing.event(event, item.name)
    elif "text" in payload:
        if not legiscan.is_bill_version(payload):
            return  # a fiscal note or veto message, not bill text
        version = legiscan.parse_text(payload)
        bill_id = _legiscan_bill_id(ing, seen, legiscan.text_bill_id(payload))
        attach_version(ing, bill_id, version, item.name)
    elif "person" in payload:
        _state_from_path(payload["person"], item)
        committee = legiscan.parse_committee_person(payload)
        if committee is not None:
            ing.committee(committee, item.name)
        else:
            ing.person(legiscan.parse_person(payload), item.name)
    elif "roll_call" in payload:
        return  # roll calls are not stored
    else:
        raise ParseError(
            "unknown format: not a LegiScan bill, text or person file"
            f" (top-level keys: {', '.join(list(payload)[:5]) or 'none'})"
        )


def _state_from_path(person: dict, item: Input) -> None:
    """Older person files name no state; a dataset's path starts with it ("MS/2011.../")."""
    if not isinstance(person, dict) or person.get("state") or person.get("state_id"):
        return
    for part in Path(item.name.replace(":", "/")).parts[::-1]:
        if re.fullmatch(r"[A-Z]{2}", part):
            person["state"] = part
            return


# --- California pubinfo -------------------------------------------------------------------------


def _clean_text(version: BillVersion) -> str:
    """A stored version's own text: its text without the words it struck."""
    pieces, position = [], 0
    for start, end in sorted(tuple(s) for s in version.struck or []):
        pieces.append(version.text[position:start])
        position = end
    pieces.append(version.text[position:])
    return "".join(pieces)


def ingest_ca_pubinfo(ing: Ingester, paths: Sequence[Path], total: Callable[[int], None]) -> None:
    """Pubinfo folders of `.dat` tables and `.lob` files, or pubinfo zips, one after another."""
    bills = [0]

    def add_total(count: int) -> None:
        bills[0] += count
        total(bills[0])

    for path in paths:
        with ing.guard(str(path)):
            _ingest_pubinfo(ing, Path(path), add_total)


def _ingest_pubinfo(ing: Ingester, path: Path, total: Callable[[int], None]) -> None:
    if path.is_file() and path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory(prefix="pubinfo-") as tmp:
            try:
                with zipfile.ZipFile(path) as archive:
                    archive.extractall(tmp)
            except (zipfile.BadZipFile, OSError) as exc:
                raise ParseError(f"not a readable zip archive: {exc}") from exc
            _ingest_pubinfo_folder(ing, Path(tmp), str(path), total)
    elif path.is_dir():
        _ingest_pubinfo_folder(ing, path, str(path), total)
    else:
        raise ParseError("expected a pubinfo folder or zip")


def _ingest_pubinfo_folder(
    ing: Ingester, folder: Path, name: str, total: Callable[[int], None]
) -> None:
    tables = ca_pubinfo.load_tables(folder)
    ing.stats.files += len(list(folder.rglob("*.dat"))) + len(tables.lobs)
    total(len(tables.bills))

    def known_text(version_id: str) -> str | None:
        with ing.factory() as session:
            row = session.scalars(
                select(BillVersion).where(BillVersion.source_key == version_id)
            ).first()
            return _clean_text(row) if row is not None and row.text else None

    for bill in tables.bills:
        where = f"{name}:BILL_TBL:{bill.get('bill_id') or '?'}"
        with ing.guard(where):
            ing.bill(ca_pubinfo.bill_record(bill, tables, known_text), where)
        ing.advance()


# --- New York Open Legislation ---------------------------------------------------------------


def ingest_ny_openleg(ing: Ingester, paths: Sequence[Path], total: Callable[[int], None]) -> None:
    """Open Legislation API v3 bill responses (files or folders of them)."""
    inputs = collect_all(ing, paths, [".json"])
    total(len(inputs))
    for item in inputs:
        ing.stats.files += 1
        with ing.guard(item.name):
            payload = load_json(item.read())
            record = ny_openleg.parse_bill(payload)
            events = ny_openleg.parse_agendas(payload)
            if ing.bill(record, item.name) is not None:
                for event in events:
                    ing.event(event, item.name)
        ing.advance()


# --- US Congress ------------------------------------------------------------------------------


def ingest_congress(ing: Ingester, paths: Sequence[Path], total: Callable[[int], None]) -> None:
    """govinfo BILLSTATUS and bill text XML (files or folders of them)."""
    inputs = collect_all(ing, paths, [".xml"])
    total(len(inputs))
    # BILLSTATUS first, so that each USLM text fills the version its bill already lists.
    inputs.sort(key=lambda item: (not congress.is_billstatus(item.head()), item.relpath))
    for item in inputs:
        ing.stats.files += 1
        with ing.guard(item.name):
            _congress_file(ing, item.read(), item.name)
        ing.advance()


def _congress_file(ing: Ingester, xml: bytes, name: str) -> None:
    if congress.is_billstatus(xml):
        ing.bill(congress.parse_billstatus(xml), name)
        return
    version = congress.parse_uslm(xml)
    session_id, identifier, title = congress.uslm_bill_key(xml)
    with ing.factory() as session:
        bill = find_bill(session, "US", session_id, identifier)
        bill_id = bill.id if bill is not None else None
    if bill_id is None:
        ing.bill(
            BillRecord(
                jurisdiction="US",
                session=session_id,
                identifier=identifier,
                title=title,
                versions=[version],
            ),
            name,
        )
    else:
        attach_version(ing, bill_id, version, name)


# --- openstates/people ------------------------------------------------------------------------


def _people_jurisdiction(item: Input) -> tuple[str, str] | None:
    parts = Path(item.name.replace(":", "/")).parts  # zip members are "archive.zip:member"
    if len(parts) < 3 or parts[-2] not in ("legislature", "committees"):
        return None
    return parts[-3].upper(), parts[-2]


def ingest_people(ing: Ingester, paths: Sequence[Path], total: Callable[[int], None]) -> None:
    """openstates/people data: `<st>/legislature/*.yml`, `<st>/committees/*.yml` (or files)."""
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
                ing.committee(people.parse_committee_yaml(data, jurisdiction), item.name)
            else:
                ing.person(people.parse_person_yaml(data, jurisdiction, today()), item.name)
        ing.advance()


SOURCES = {
    "legiscan": ingest_legiscan,
    "ca-pubinfo": ingest_ca_pubinfo,
    "ny-openleg": ingest_ny_openleg,
    "congress": ingest_congress,
    "people": ingest_people,
}


def ingest_path(
    ing: Ingester, source: str, path: Path | Sequence[Path], total: Callable[[int], None]
) -> None:
    """Run one source's ingest on one path or several; unreadable paths are reported errors."""
    paths = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
    with ing.guard(", ".join(map(str, paths))):
        SOURCES[source](ing, paths, total)


def run_ingest(
    factory: sessionmaker[Session],
    source: str,
    path: Path | Sequence[Path],
    total: Callable[[int], None] | None = None,
    advance: Callable[[], None] | None = None,
) -> IngestStats:
    """Ingest one path or several as `source` ("legiscan", "ca-pubinfo", ...); record the run."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; one of {', '.join(SOURCES)}")
    ingester = Ingester(factory, f"ingest:{source}", advance=advance)
    ingester.start()
    ingest_path(ingester, source, path, total or (lambda _: None))
    return ingester.finish()
