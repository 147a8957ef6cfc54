"""Labelled examples for training and evaluation: the shared corpus, our own, reviewed tags."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from classifier.sections import Section, split_sections
from classifier.taxonomy import TAGS

if TYPE_CHECKING:
    from billwatch.db.models import Tag

EXAMPLES_DIR = Path(__file__).parent / "examples"
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "passages.jsonl"
# The corpus that `billwatch corpus build` rebuilds from labels with provenance (git-ignored).
DEFAULT_CACHE = Path(
    os.environ.get(
        "BILLWATCH_CORPUS_CACHE",
        Path(__file__).resolve().parents[1] / ".cache" / "corpus" / "passages.jsonl",
    )
)


# A whole bill of the "test" split is held out from all training, the bill gate included.
BILL_SPLITS = ("train", "test")


class DataError(ValueError):
    """A labelled-data file that cannot be read."""


@dataclass
class Example:
    """A text with its tags; `known` limits which tags the labels speak for (None: all)."""

    id: str
    text: str
    labels: set[str]
    known: set[str] | None = None
    weight: float = 1.0
    inserted: list[tuple[int, int]] = field(default_factory=list)
    struck: list[tuple[int, int]] = field(default_factory=list)
    source: str = "corpus"
    jurisdiction: str | None = None
    bill: str | None = None

    def group(self, by: str | None) -> str:
        """The group this example belongs to for grouped folds ("jurisdiction" or "bill");
        an example without one is its own group."""
        if by == "jurisdiction" and self.jurisdiction:
            return self.jurisdiction.upper()
        if by == "bill" and self.jurisdiction and self.bill:
            return f"{self.jurisdiction.upper()}|{_bill_key(self.bill)}"
        return f"id:{self.id}"


GROUP_BY = ("jurisdiction", "bill")
# Letters, then the number with any "-digits" parts: "D.C. Law 21-261" and "K.S.A. 38-2231" are
# one law or section each, not every one of council period 21 or chapter 38; a version letter
# ("A 2454-A") or a session ("SB 146 (2012)") after the number stays out, so versions of a bill and
# the same number in other sessions group together (too much grouping is safe, too little leaks).
_BILL_PREFIX = re.compile(r"^([A-Z]+)\s*0*(\d+(?:-\d+)*)")


def _bill_key(bill: str) -> str:
    """A bill number without spaces, dots and leading zeros ("H.B. 0042" -> "HB42")."""
    compact = re.sub(r"[\s.]+", "", bill.upper())
    m = _BILL_PREFIX.match(compact)
    return f"{m.group(1)}{m.group(2)}" if m else compact


def read_jsonl(path: Path, source: str, weight: float = 1.0) -> list[Example]:
    """Examples from a JSONL file of objects with `text` and `labels` (and maybe `id`)."""
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, labels = row["text"], set(row.get("labels", []))
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{path}:{n}: not an object with text and labels ({exc})") from exc
        unknown = labels - set(TAGS)
        if unknown:
            raise DataError(f"{path}:{n}: unknown tags {sorted(unknown)}")
        jurisdiction = row.get("state") or row.get("jurisdiction")
        bill = row.get("bill")
        out.append(
            Example(
                str(row.get("id", f"{path.stem}:{n}")),
                text,
                labels,
                weight=weight,
                source=source,
                jurisdiction=str(jurisdiction) if jurisdiction else None,
                bill=str(bill) if bill else None,
            )
        )
    return out


@dataclass
class BillRow:
    """One labelled whole bill."""

    id: str
    text: str
    labels: set[str]
    support: dict[str, list[str]]
    inserted: list[tuple[int, int]] = field(default_factory=list)
    struck: list[tuple[int, int]] = field(default_factory=list)
    jurisdiction: str | None = None
    bill: str | None = None
    split: str = "train"  # "test": held out from everything trained, the bill gate included

    def group(self, by: str | None) -> str:
        """The group of the bill, as `Example.group` gives it for passages."""
        return Example(self.id, "", set(), jurisdiction=self.jurisdiction, bill=self.bill).group(by)


def read_bills(path: Path) -> list[BillRow]:
    """Bills of a JSONL file: text, bill-level labels, support offsets into the text, and
    optionally `read`: the text with inserted and struck spans that is tagged instead."""
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, labels = row["text"], set(row.get("labels", []))
            support = {
                tag: [text[int(s) : int(e)] for s, e in spans]
                for tag, spans in (row.get("support") or {}).items()
            }
            # A bill the corpus build read as `billwatch text` does is tagged in that reading;
            # its support offsets stay those of the normalised `text`.
            read = row.get("read") or row
            spans = {
                k: [(int(s), int(e)) for s, e in read.get(k) or []] for k in ("inserted", "struck")
            }
            tagged = str(read["text"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(
                f"{path}:{n}: not a bill with text, labels and support ({exc})"
            ) from exc
        if labels - set(TAGS):
            raise DataError(f"{path}:{n}: unknown tags {sorted(labels - set(TAGS))}")
        split = row.get("split", "train")
        if split not in BILL_SPLITS:
            raise DataError(f"{path}:{n}: split must be one of {', '.join(BILL_SPLITS)}")
        jurisdiction, bill = row.get("state") or row.get("jurisdiction"), row.get("bill")
        out.append(
            BillRow(
                str(row.get("id", n)),
                tagged,
                labels,
                support,
                **spans,
                jurisdiction=str(jurisdiction) if jurisdiction else None,
                bill=str(bill) if bill else None,
                split=split,
            )
        )
    return out


def load_own_examples(weight: float = 1.0) -> list[Example]:
    """The examples we wrote ourselves (classifier/examples/*.jsonl)."""
    return [
        ex
        for path in sorted(EXAMPLES_DIR.glob("*.jsonl"))
        for ex in read_jsonl(path, "own", weight)
    ]


def load_feedback(session_factory: sessionmaker[Session], weight: float = 2.0) -> list[Example]:
    """Sections whose tags people confirmed or rejected, labelled only for the reviewed tags."""
    from billwatch.db.models import BillVersion, Tag

    by_section: dict[tuple[int, int], Example] = {}
    with session_factory() as session:
        rows = session.execute(
            select(Tag, BillVersion)
            .join(BillVersion, Tag.version_id == BillVersion.id)
            .where(Tag.review_state.in_(["confirmed", "rejected"]))
            .order_by(Tag.version_id, Tag.section_index, Tag.tag)
        ).all()
        sections: dict[int, list[Section]] = {}  # each version split once, not once per tag
        for tag, version in rows:
            if version.id not in sections:
                sections[version.id] = split_sections(version.text)
            sec = reviewed_section(sections[version.id], tag)
            if sec is None:
                continue
            key = (version.id, sec.index)
            if key not in by_section:
                by_section[key] = Example(
                    f"version{version.id}:{sec.index}",
                    version.text[sec.start : sec.end],
                    set(),
                    known=set(),
                    weight=weight,
                    source="feedback",
                    inserted=_shift(version.inserted, sec.start, sec.end),
                    struck=_shift(version.struck, sec.start, sec.end),
                )
            example = by_section[key]
            assert example.known is not None
            example.known.add(tag.tag)
            if tag.review_state == "confirmed":
                example.labels.add(tag.tag)
    return list(by_section.values())


def reviewed_section(sections: list[Section], tag: Tag) -> Section | None:
    """The section a reviewed tag was given on: the one holding its evidence, since section
    numbers move when the splitting changes; without evidence offsets, the section of its
    number if it still bears the same label (else none: the review would go to other words)."""
    start = tag.evidence_start
    if start is not None:
        return next((s for s in sections if s.start <= start < s.end), None)
    if tag.section_index >= len(sections):
        return None
    sec = sections[tag.section_index]
    return sec if tag.section_label in (None, sec.label) else None


def _shift(spans: list, start: int, end: int) -> list[tuple[int, int]]:
    return [(max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start]
