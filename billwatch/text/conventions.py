"""How each legislature marks inserted and struck matter, from the table or the bill's own note.

`conventions.yaml` lists, for every state, DC and Congress, and each format they publish, the
typographic marks of new and deleted matter (docs/drafting-conventions.md explains it). Most
bills print a key to their marks ("EXPLANATION--Matter in italics (underscored) is new; matter
in brackets [ ] is old law to be omitted."); `read_note()` turns such a key into a
`Convention`, so that a document that carries one is read right whatever the table says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

# The marks a convention can name. "bold_italic" needs both; "brackets" covers [thus],
# ((thus)) and bold-faced brackets alike.
MARKS = frozenset(
    {"underline", "strike", "bold", "italic", "bold_italic", "capitals", "brackets", "instructions"}
)


@dataclass(frozen=True)
class Convention:
    """The marks of inserted and of struck matter in one document."""

    inserted: frozenset[str]
    struck: frozenset[str]

    def __or__(self, other: Convention) -> Convention:
        return Convention(self.inserted | other.inserted, self.struck | other.struck)

    def __bool__(self) -> bool:
        return bool(self.inserted or self.struck)


# When neither the table nor the document says anything: underline and strike-through mean
# what they mean in nearly every legislature.
DEFAULT = Convention(frozenset({"underline"}), frozenset({"strike"}))


@dataclass(frozen=True)
class Jurisdiction:
    """One row of the table."""

    code: str
    name: str
    formats: dict[str, Convention]
    source: str


def _convention(raw: dict[str, list[str]]) -> Convention:
    """A `Convention` from a table entry, refusing unknown mark names."""
    inserted, struck = frozenset(raw.get("inserted", [])), frozenset(raw.get("struck", []))
    unknown = (inserted | struck) - MARKS
    if unknown:
        raise ValueError(f"unknown marks in conventions.yaml: {sorted(unknown)}")
    return Convention(inserted, struck)


@cache
def table() -> dict[str, Jurisdiction]:
    """The shipped table, by postal code ("MO", "DC", "US")."""
    text = resources.files("billwatch.text").joinpath("conventions.yaml").read_text("utf-8")
    rows = yaml.safe_load(text)["jurisdictions"]
    return {
        code: Jurisdiction(
            code=code,
            name=row["name"],
            formats={fmt: _convention(marks) for fmt, marks in row["formats"].items()},
            source=row["source"],
        )
        for code, row in rows.items()
    }


def for_jurisdiction(code: str | None, fmt: str) -> Convention | None:
    """The table's convention for a jurisdiction and format ("pdf", "html", "xml", "text")."""
    row = table().get((code or "").upper())
    if row is None:
        return None
    return row.formats.get(fmt) or row.formats.get("pdf")


# --- explanation notes ---------------------------------------------------------------------

# A note names what it describes ("Matter", "Words", "material", "the part") and a direction.
_CUE = re.compile(
    r"\b(?:matter|words?|material|language|text|the part|letters|type|indicates?|denotes?"
    r"|shown|appears?)\b",
    re.I,
)
_DELETED = re.compile(
    r"\b(?:delet\w*|omit\w*|repeal\w*|remov\w*|not enacted|stricken from|old law)\b", re.I
)
_NEW = re.compile(r"\b(?:new|added|additions?|proposed|insert\w*|amendments?)\b", re.I)
# Style words, most specific first; each match is cut out before the next is looked for, so
# "bold-faced brackets" is brackets only and "bold italics" is not also bold and italic.
_STYLES: list[tuple[str, re.Pattern[str]]] = [
    (
        "brackets",
        re.compile(r"(?:bold[- ]?faced?\s+)?brackets?|bracketed|\[\s*(?:thus|\s)\s*\]", re.I),
    ),
    (
        "bold_italic",
        re.compile(r"bold(?:ed|face|-face|faced)?\s*(?:&|and)?\s*italics?", re.I),
    ),
    (
        "strike",
        re.compile(
            r"struck[- ]?through|strike[- ]?through|stricken|strike|dashes\s+through"
            r"|overstrike|line\s+through",
            re.I,
        ),
    ),
    ("underline", re.compile(r"underlin\w*|underscor\w*", re.I)),
    ("capitals", re.compile(r"capital\w*|upper[- ]?case|CAPITALS", re.I)),
    ("bold", re.compile(r"bold(?:ed|face|-face|faced|-faced)?(?:\s+type)?", re.I)),
    ("italic", re.compile(r"italics?|italicized", re.I)),
]
# A clause ends at "." or ";", or where a second direction starts ("... struck through and
# insert the part printed in italic").
_CLAUSE_END = re.compile(
    r"(?<!\[)[.;](?!\s*\])|,?\s+and\s+(?=(?:insert|omit|delet|new|matter|words)\w*)", re.I
)
_NOTE_START = re.compile(
    r"(?:EXPLANATION|CODING|NOTE|Note|Legend|KEY)\s*[:\-—–]+|\b(?:Matter|Words|Capital letters"
    r"|CAPITALS|Statutory material|New statutory|Dashes through|Omit the part)\b"
)


@dataclass(frozen=True)
class Note:
    """An explanation note found in a document: where it is and what it says."""

    start: int
    end: int
    convention: Convention


def _clause(text: str) -> Convention:
    """The convention one clause states, or an empty one."""
    deleted, new = _DELETED.search(text), _NEW.search(text)
    if not (deleted or new) or not _CUE.search(text):
        return Convention(frozenset(), frozenset())
    styles: set[str] = set()
    rest = text
    for name, pattern in _STYLES:
        if pattern.search(rest):
            styles.add(name)
            rest = pattern.sub(" ", rest)
    if deleted:
        return Convention(frozenset(), frozenset(styles))
    return Convention(frozenset(styles), frozenset())


def read_notes(text: str, *, limit: int = 400) -> list[Note]:
    """Every explanation note in `text` that states a convention, with its extent."""
    notes: list[Note] = []
    pos = 0
    while True:
        m = _NOTE_START.search(text, pos)
        if not m:
            return notes
        window = text[m.start() : m.start() + limit]
        convention = Convention(frozenset(), frozenset())
        end = m.start()
        clause_start = 0
        for stop in [*(c.start() for c in _CLAUSE_END.finditer(window)), len(window)]:
            found = _clause(window[clause_start:stop])
            if found:
                convention = convention | found
                end = m.start() + stop + 1
            elif convention or stop - clause_start > 40:
                break  # a note's clauses follow each other; anything else ends it
            clause_start = stop + 1
        if convention:
            notes.append(Note(m.start(), min(end, len(text)), convention))
            pos = end
        else:
            pos = m.end()


def read_note(text: str) -> Convention | None:
    """The convention stated by the notes in `text`, or None when it has none."""
    found = Convention(frozenset(), frozenset())
    for note in read_notes(text):
        found = found | note.convention
    return found or None
