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
from billwatch.ingest.inputs import MIB, TooLarge, check_size
from billwatch.ingest.runner import Ingester
from billwatch.ingest.sessions import normalise_session
from billwatch.ingest.validate import checked, web_url
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


# Caps on what one archive or folder may hold (a 3 MB zip of 3 GB of spaces took 6.4 GB):
# a whole session's largest table is about 100 MB, its largest CAML file a few MB.
MAX_TABLE_BYTES = 256 * MIB
MAX_TABLE_ROWS = 1_000_000
MAX_LINE_CHARS = 1 * MIB  # one physical line; a quoted field may span several
MAX_LOB_BYTES = 64 * MIB
MAX_UNZIPPED = 4 * 1024 * MIB  # all members of an archive together, on disk
BAD = "__not_utf8__"  # key of a row whose bytes were not UTF-8: where and which column


def _lines(handle: io.TextIOBase, path: Path) -> Iterator[str]:
    """The physical lines of a table, each read at most MAX_LINE_CHARS long."""
    while True:
        line = handle.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        if len(line) > MAX_LINE_CHARS:
            raise TooLarge(f"{path}: a line over {MAX_LINE_CHARS} characters")
        yield line


def read_table(path: Path) -> list[dict[str, str | None]]:
    """Rows of one pubinfo `.dat` table as dicts keyed by the documented column names."""
    name = path.stem.upper()
    columns = COLUMNS.get(name)
    if columns is None:
        raise ParseError(f"unknown pubinfo table {path.name}")
    check_size(path.stat().st_size, str(path), MAX_TABLE_BYTES)
    rows: list[dict[str, str | None]] = []
    # Streamed; bytes that are not UTF-8 mark their row, which fails its bill alone: decoding
    # the whole file as Latin-1 instead changed other rows' text and duplicated their actions.
    with path.open(encoding="utf-8", errors="surrogateescape") as handle:
        try:
            for number, row in enumerate(csv.reader(_lines(handle, path), PUBINFO), 1):
                if not row or row == [""]:
                    continue  # a blank line
                if len(rows) >= MAX_TABLE_ROWS:
                    raise TooLarge(f"{path}: more than {MAX_TABLE_ROWS} rows")
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
    record: dict[str, str | None] = dict(zip(columns, row[: len(columns)], strict=True))
    for column, value in list(record.items()):
        if value and not value.isascii() and _undecodable(value):
            record[column] = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            record.setdefault(BAD, f"{path.name} row {number}, column {column}")
    rows.append(record)


def _undecodable(value: str) -> bool:
    """Whether `value` holds bytes that were not UTF-8 (kept as surrogates when read)."""
    return any("\udc80" <= char <= "\udcff" for char in value)


def _check_utf8(rows: list[dict]) -> None:
    """ParseError naming the first row whose bytes were not UTF-8."""
    for row in rows:
        if BAD in row:
            raise ParseError(f"{row[BAD]}: not UTF-8 text")


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

    bills = read_table(found["BILL_TBL"])
    if not bills:  # nothing to load is a broken export, not a successful run
        raise ParseError(f"{found['BILL_TBL']}: BILL_TBL.dat has no rows")
    return Tables(
        bills=bills,
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
            check_size(lob.stat().st_size, str(lob), MAX_LOB_BYTES)
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


@checked("pubinfo bill")
def bill_record(
    bill: dict, tables: Tables, known_text: Callable[[str], str | None] | None = None
) -> BillRecord:
    """One BillRecord from a BILL_TBL row and its rows in the other tables."""
    bill_id = bill["bill_id"] or ""
    if not (bill_id and bill["measure_type"] and bill["measure_num"] and bill["session_year"]):
        raise ParseError(f"BILL_TBL row {bill_id or '?'} lacks its bill id, type or number")
    # Every row of the bill is checked before its record exists: refused whole, never in part.
    version_rows = tables.versions.get(bill_id, [])
    for rows in (
        [bill],
        tables.history.get(bill_id, []),
        version_rows,
        *(tables.authors.get(v["bill_version_id"] or "", []) for v in version_rows),
    ):
        _check_utf8(rows)
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
        source_urls=[u for u in [web_url(LEGINFO_URL.format(bill_id=bill_id))] if u],
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
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            extract(archive, folder, "archive")
    except zipfile.BadZipFile as exc:
        raise ParseError(f"not a readable zip archive: {exc}") from exc


def extract(archive: zipfile.ZipFile, folder: Path, where: str) -> None:
    """Copy the .dat and .lob members flat into `folder`, each and all of them capped."""
    members = [
        m
        for m in archive.infolist()
        if m.filename.lower().endswith((".dat", ".lob")) and not m.is_dir()
    ]
    check_size(sum(m.file_size for m in members), where, MAX_UNZIPPED)
    for member in members:
        limit = MAX_TABLE_BYTES if member.filename.lower().endswith(".dat") else MAX_LOB_BYTES
        name = f"{where}:{member.filename}"
        check_size(member.file_size, name, limit)
        # Flat names only: a path in the archive must not escape the folder.
        target = folder / Path(member.filename).name
        with archive.open(member) as source, target.open("wb") as sink:
            copied = 0
            while chunk := source.read(MIB):  # a header that lies is caught by counting
                copied += len(chunk)
                check_size(copied, name, limit)
                sink.write(chunk)


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
    """California pubinfo: folders of `.dat` tables and `.lob` CAML files, or pubinfo zips."""
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
                    extract(archive, Path(tmp), str(path))
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
