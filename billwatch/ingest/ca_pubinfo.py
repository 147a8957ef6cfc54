"""California pubinfo bulk tables (`.dat`) and CAML version files (`.lob`) as records.

pubinfo rows are tab-separated, strings quoted in backticks, nulls written `NULL`. Columns follow
the Legislative Counsel's pubinfo schema (`capublic`): BILL_TBL, BILL_HISTORY_TBL,
BILL_VERSION_TBL (whose `bill_xml` names the `.lob` CAML file of each version) and
BILL_VERSION_AUTHORS_TBL. CAML carries clean text, so the inserted and struck spans of an amended
version are computed by diffing it with the version before it. A daily archive carries only the
`.lob` files that changed; a version whose file is absent is left out until a full load has it.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from billwatch.actions import rules
from billwatch.db.models import BillVersion
from billwatch.ingest.bulk import Total
from billwatch.ingest.common import (
    ParseError,
    chamber_from_text,
    classify,
    clean,
    describe,
    parse_date,
    version_note,
    with_text,
)
from billwatch.ingest.runner import Ingester
from billwatch.ingest.sessions import normalise_session
from billwatch.records import ActionRecord, BillRecord, SponsorRecord, VersionRecord

SOURCE = "ca_pubinfo"  # the name `crawl`, `ingest` and the settings use

COLUMNS = {
    "BILL_TBL": [
        "bill_id",
        "session_year",
        "session_num",
        "measure_type",
        "measure_num",
        "measure_state",
        "chapter_year",
        "chapter_type",
        "chapter_session_num",
        "chapter_num",
        "latest_bill_version_id",
        "active_flg",
        "trans_uid",
        "trans_update",
        "current_location",
        "current_secondary_loc",
        "current_house",
        "current_status",
        "days_31st_in_print",
    ],
    "BILL_HISTORY_TBL": [
        "bill_id",
        "bill_history_id",
        "action_date",
        "action",
        "trans_uid",
        "trans_update_dt",
        "action_sequence",
        "action_code",
        "action_status",
        "primary_location",
        "secondary_location",
        "ternary_location",
        "end_status",
    ],
    "BILL_VERSION_TBL": [
        "bill_version_id",
        "bill_id",
        "version_num",
        "bill_version_action_date",
        "bill_version_action",
        "request_num",
        "subject",
        "vote_required",
        "appropriation",
        "fiscal_committee",
        "local_program",
        "substantive_changes",
        "urgency",
        "taxlevy",
        "bill_xml",
        "active_flg",
        "trans_uid",
        "trans_update",
    ],
    "BILL_VERSION_AUTHORS_TBL": [
        "bill_version_id",
        "type",
        "house",
        "name",
        "contribution",
        "committee_members",
        "active_flg",
        "trans_uid",
        "trans_update",
        "primary_author_flg",
    ],
}

LEGINFO_URL = "https://leginfo.legislature.ca.gov/faces/billNavClient.xhtml?bill_id={bill_id}"
STATUS = {"chaptered": "enacted", "vetoed": "vetoed"}

# CA history text (pubinfo BILL_HISTORY_TBL of AB 831, SB 275 in 2025-26).
RULES = rules(
    (
        r"withdrawn from committee|^from printer|inactive file|^ordered to|consent calendar\.?$"
        r"|^coauthors|^joint rule|pending\.$",
        [],
    ),
    (r"consideration of governor's veto|vetoed by (the )?governor", ["executive-veto"]),
    (r"chaptered by secretary of state", ["became-law"]),
    (r"approved by (the )?governor", ["executive-signature"]),
    (r"enrolled and presented to the governor", ["executive-receipt"]),
    (r"amendments concurred in", ["concurrence"]),
    (r"read third time\.? passed", ["reading-3", "passage"]),
    (r"read third time and amended", ["reading-3", "amendment-passage"]),
    (r"from committee:.*do pass", ["committee-passage"]),
    (r"read second time and amended", ["reading-2", "amendment-passage"]),
    (r"read second time", ["reading-2"]),
    (r"(introduced|in (senate|assembly))\.\s+read first time", ["introduction", "reading-1"]),
    (r"^read first time", ["introduction", "reading-1"]),
    (r"hearing|suspense file", ["hearing"]),
    (r"re-?referred to com|referred to com|to com\. on .* for assignment", ["referral-committee"]),
)


def _dialect() -> type[csv.Dialect]:
    class Pubinfo(csv.Dialect):
        """pubinfo rows: tab-separated, strings in backticks (which may hold newlines)."""

        delimiter = "\t"
        quotechar = "`"
        doublequote = False
        escapechar = None
        skipinitialspace = False
        lineterminator = "\n"
        quoting = csv.QUOTE_MINIMAL
        strict = False

    return Pubinfo


PUBINFO = _dialect()


def read_table(path: Path) -> list[dict[str, str | None]]:
    """Rows of one pubinfo `.dat` table as dicts keyed by the documented column names."""
    name = path.stem.upper()
    columns = COLUMNS.get(name)
    if columns is None:
        raise ParseError(f"unknown pubinfo table {path.name}")
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        content = path.read_text(encoding="latin-1")
    rows: list[dict[str, str | None]] = []
    try:
        for number, row in enumerate(csv.reader(io.StringIO(content, newline=""), PUBINFO), 1):
            if not row or row == [""]:
                continue  # a blank line
            _add_row(rows, [None if v == "NULL" else v for v in row], columns, path, number)
    except csv.Error as exc:
        raise ParseError(f"{path.name}: unreadable row: {exc}") from exc
    return rows


def _add_row(rows: list, row: list, columns: list[str], path: Path, number: int) -> None:
    if len(row) < len(columns):
        raise ParseError(
            f"{path.name} row {number}: {len(row)} fields, the table has {len(columns)}"
        )
    # Columns a newer pubinfo schema appends are not ours to read.
    rows.append(dict(zip(columns, row[: len(columns)], strict=True)))


@dataclass
class Tables:
    """The pubinfo tables of one folder, grouped by bill."""

    bills: list[dict]
    history: dict[str, list[dict]]
    versions: dict[str, list[dict]]
    authors: dict[str, list[dict]]
    lobs: dict[str, Path]


def load_tables(folder: Path) -> Tables:
    """Read the bill tables of a pubinfo folder (any depth) and index the `.lob` files."""
    found = {p.stem.upper(): p for p in folder.rglob("*") if p.suffix.lower() == ".dat"}
    if "BILL_TBL" not in found:
        raise ParseError(f"{folder}: no BILL_TBL.dat")

    def grouped(table: str, key: str) -> dict[str, list[dict]]:
        groups: dict[str, list[dict]] = defaultdict(list)
        if table in found:
            for row in read_table(found[table]):
                groups[row[key] or ""].append(row)
        return groups

    return Tables(
        bills=read_table(found["BILL_TBL"]),
        history=grouped("BILL_HISTORY_TBL", "bill_id"),
        versions=grouped("BILL_VERSION_TBL", "bill_id"),
        authors=grouped("BILL_VERSION_AUTHORS_TBL", "bill_version_id"),
        lobs={p.name: p for p in folder.rglob("*.lob")},
    )


def _int(value: str | None) -> int:
    return int(value) if value and value.lstrip("-").isdigit() else 0


def _actions(rows: list[dict]) -> list[ActionRecord]:
    actions: list[ActionRecord] = []
    ordered = sorted(
        rows,
        key=lambda r: (
            r["action_date"] or "",
            _int(r["action_sequence"]),
            _int(r["bill_history_id"]),
        ),
    )
    for row in ordered:
        date, text = parse_date(row["action_date"]), clean(row["action"])
        if date is None or not text:
            continue  # nothing to store; the bill's other actions still count
        actions.append(
            ActionRecord(
                date=date,
                description=text,
                organization=chamber_from_text(row["primary_location"]),
                classification=classify(text, RULES),
                order=len(actions),
            )
        )
    return actions


def _sponsors(rows: list[dict]) -> list[SponsorRecord]:
    sponsors = []
    for row in rows:
        contribution = (row["contribution"] or "").upper()
        sponsors.append(
            SponsorRecord(
                name=clean(row["name"]),
                classification="primary" if contribution == "LEAD_AUTHOR" else "cosponsor",
                entity_type="organization"
                if (row["type"] or "").lower() == "committee"
                else "person",
            )
        )
    return [s for s in sponsors if s.name]


def _ordered_versions(rows: list[dict]) -> list[dict]:
    # pubinfo numbers versions downwards from 99 (Introduced): the oldest has the highest number.
    return sorted(
        rows, key=lambda r: (r["bill_version_action_date"] or "", -_int(r["version_num"]))
    )


def _versions(
    rows: list[dict],
    lobs: dict[str, Path],
    bill_id: str,
    known_text: Callable[[str], str | None] | None,
) -> list[VersionRecord]:
    from billwatch.text import caml_to_text, diff_versions

    versions: list[VersionRecord] = []
    previous: str | None = None
    for row in _ordered_versions(rows):
        lob = lobs.get(row["bill_xml"] or "")
        if lob is None:
            previous = known_text(row["bill_version_id"]) if known_text else None
            continue
        try:
            clean_text = caml_to_text(lob.read_bytes()).text
        except Exception as exc:  # the extractor's DocumentError or a broken file
            raise ParseError(f"{lob.name}: {exc}") from exc
        record = VersionRecord(
            note=version_note(row["bill_version_action"]),
            date=parse_date(row["bill_version_action_date"]),
            url=LEGINFO_URL.format(bill_id=bill_id) + f"#{row['bill_version_id']}",
            media_type="application/xml",
            text=clean_text,
            source_key=row["bill_version_id"],
        )
        if previous:
            with_text(record, diff_versions(previous, clean_text))
        versions.append(record)
        previous = clean_text
    return versions


def bill_record(
    bill: dict, tables: Tables, known_text: Callable[[str], str | None] | None = None
) -> BillRecord:
    """One BillRecord from a BILL_TBL row and its rows in the other tables."""
    bill_id = bill["bill_id"] or ""
    if not (bill_id and bill["measure_type"] and bill["measure_num"] and bill["session_year"]):
        raise ParseError(f"BILL_TBL row {bill_id or '?'} lacks its bill id, type or number")
    session = normalise_session("CA", bill["session_year"])
    if _int(bill["session_num"]):
        session = f"{session[:4]}-S{_int(bill['session_num'])}"
    versions = _ordered_versions(tables.versions.get(bill_id, []))
    latest = versions[-1] if versions else {}
    return BillRecord(
        jurisdiction="CA",
        session=session,
        identifier=f"{bill['measure_type'].upper()} {_int(bill['measure_num'])}",
        title=clean(latest.get("subject")),
        status=STATUS.get((bill["current_status"] or "").lower()),
        source_urls=[LEGINFO_URL.format(bill_id=bill_id)],
        versions=_versions(versions, tables.lobs, bill_id, known_text),
        actions=_actions(tables.history.get(bill_id, [])),
        sponsors=_sponsors(tables.authors.get(latest.get("bill_version_id") or "", [])),
        extras={
            "ca_pubinfo": {
                "bill_id": bill_id,
                "measure_state": bill["measure_state"],
                "current_status": bill["current_status"],
                "chapter_num": bill["chapter_num"],
            }
        },
    )


def iter_bills(
    folder: Path, known_text: Callable[[str], str | None] | None = None
) -> Iterator[BillRecord]:
    """Every bill of a pubinfo folder as a BillRecord, one at a time."""
    tables = load_tables(Path(folder))
    for bill in tables.bills:
        yield bill_record(bill, tables, known_text)


# --- archives ----------------------------------------------------------------------------

MAX_UNZIPPED = 4 * 1024 * 1024 * 1024  # a zip bomb is refused, not unpacked


def unpack(data: bytes, folder: Path) -> None:
    """Extract an archive's .dat and .lob files flat into `folder`, refusing zip bombs."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [
            m
            for m in archive.infolist()
            if m.filename.lower().endswith((".dat", ".lob")) and not m.is_dir()
        ]
        if sum(m.file_size for m in members) > MAX_UNZIPPED:
            raise ValueError("archive unpacks to more than 4 GB")
        for member in members:
            # Flat names only: a path in the archive must not escape the folder.
            (folder / Path(member.filename).name).write_bytes(archive.read(member))


def parse_archive(data: bytes, url: str) -> tuple[list[BillRecord], list[tuple[str, str]]]:
    """The bills of an archive and the (where, reason) of each bill that failed."""
    with tempfile.TemporaryDirectory(prefix="pubinfo-") as tmp:
        unpack(data, Path(tmp))
        tables = load_tables(Path(tmp))
        records, errors = [], []
        for row in tables.bills:
            try:
                records.append(bill_record(row, tables))
            except Exception as exc:  # one bad bill row is reported; the others load
                errors.append((f"{url}#bill_id={row.get('bill_id')}", describe(exc)))
    return records, errors


# --- bulk ingest ---------------------------------------------------------------------------


def _clean_text(version: BillVersion) -> str:
    """A stored version's own text: its text without the words it struck."""
    pieces, position = [], 0
    for start, end in sorted(tuple(s) for s in version.struck or []):
        pieces.append(version.text[position:start])
        position = end
    pieces.append(version.text[position:])
    return "".join(pieces)


def ingest(ing: Ingester, paths: Sequence[Path], total: Total) -> None:
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
    tables = load_tables(folder)
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
            ing.bill(bill_record(bill, tables, known_text), where)
        ing.advance()
