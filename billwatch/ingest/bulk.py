"""What every source's bulk ingest shares: reading its paths, attaching a text to a stored bill."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from billwatch.db.models import Bill
from billwatch.db.store import upsert_bill
from billwatch.ingest.common import ParseError
from billwatch.ingest.inputs import Input, collect
from billwatch.ingest.runner import Ingester
from billwatch.records import BillRecord, VersionRecord

Total = Callable[[int], None]  # told the number of inputs once a source has listed them


def attach_version(ing: Ingester, bill_id: int, version: VersionRecord, path: str) -> None:
    """Add a version to a stored bill, filling the placeholder its link left (same source key)."""
    with ing.guard(path):
        with ing.factory.begin() as session:
            bill = session.get(Bill, bill_id)
            if bill is None:
                raise ParseError(f"bill {bill_id} vanished")
            if version.text.strip() and any(
                v.content_hash == version.content_hash for v in bill.versions
            ):
                return  # the same text again: nothing to write (the common case on a rerun)
            placeholder = next(
                (
                    v
                    for v in bill.versions
                    if version.source_key and v.source_key == version.source_key
                ),
                None,
            )
            if placeholder is not None:
                version.url = placeholder.url or version.url
                version.note = placeholder.note
                version.date = version.date or placeholder.date
            record = BillRecord(
                jurisdiction=bill.jurisdiction.code,
                session=bill.session.identifier,
                identifier=bill.identifier,
                classification=list(bill.classification),
                status=bill.status,
                versions=[version],
            )
            change = upsert_bill(session, record)
        ing.count(change, whole_bill=False)


def collect_all(ing: Ingester, paths: Sequence[Path], suffixes: list[str]) -> list[Input]:
    """The inputs of every path; a path that cannot be read at all is reported and skipped."""
    inputs: list[Input] = []
    for path in paths:
        with ing.guard(str(path)):
            inputs.extend(collect(Path(path), suffixes, ing.resources))
    return inputs
