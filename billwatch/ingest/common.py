"""Small helpers every parser shares: dates, version notes, chambers, required fields."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from billwatch.actions import Rule, classify_action
from billwatch.records import VersionRecord

if TYPE_CHECKING:
    from billwatch.text import ExtractedText


class ParseError(ValueError):
    """Input that is not the documented format, or lacks a required field."""


def describe(exc: BaseException) -> str:
    """A one-line reason for an exception, naming a missing field plainly."""
    from billwatch.text import DocumentError  # billwatch.text is heavy; only errors need it

    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r} (has the API changed?)"
    if isinstance(exc, ParseError | DocumentError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def require(data: Mapping[str, Any], key: str, where: str) -> Any:
    """data[key], or a ParseError naming the missing field."""
    if not isinstance(data, Mapping):
        raise ParseError(f"{where} is not an object")
    value = data.get(key)
    if value in (None, ""):
        raise ParseError(f"{where} has no {key!r}")
    return value


def parse_date(value: Any) -> dt.date | None:
    """A date from "2025-02-19", "2025-02-19 00:00:00", "2021-01-22T05:00:00Z" or "20260115"."""
    if value in (None, "", "0000-00-00"):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = re.match(r"(\d{4})-?(\d{2})-?(\d{2})", str(value).strip())
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def local_time(moment: dt.datetime, jurisdiction: str) -> dt.datetime:
    """A naive local time made aware in the jurisdiction's capital's timezone."""
    if moment.tzinfo is not None:
        return moment
    import us

    state = us.states.lookup(jurisdiction)
    zone = (state.capital_tz if state is not None else None) or "America/New_York"
    return moment.replace(tzinfo=ZoneInfo(zone))


def parse_datetime(value: Any) -> dt.datetime | None:
    """A datetime from ISO text ("2026-12-08T10:00", "2026-12-08 10:00:00")."""
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        day = parse_date(text)
        return dt.datetime.combine(day, dt.time()) if day else None


# Raw version labels to Open Civic Data notes; labels no rule knows pass through unchanged.
_NOTES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(pattern, re.I), note)
    for pattern, note in (
        (r"^(introduced|prefiled|pre-filed|draft)\b|^introduced in", "Introduced"),
        (r"chaptered|public law|became law", "Chaptered"),
        (r"enrolled", "Enrolled"),
        (r"engrossed", "Engrossed"),
        (r"amended|comm(ittee)? sub|substitute|conference sub", "Amended"),
    )
]


def version_note(raw: str | None) -> str:
    """OCD version note for a source's label ("Comm Sub" -> "Amended", "ENR" -> "Enrolled")."""
    label = " ".join((raw or "").split())
    short = {
        "INT": "Introduced",
        "AMD": "Amended",
        "ENR": "Enrolled",
        "CHP": "Chaptered",
        "ENG": "Engrossed",
        "IH": "Introduced",
        "IS": "Introduced",
        "ENR.": "Enrolled",
    }
    if label.upper() in short:
        return short[label.upper()]
    for pattern, note in _NOTES:
        if pattern.search(label):
            return note
    return label or "Version"


def chamber_from_text(text: Any) -> str | None:
    """ "upper"/"lower"/"legislature" from a chamber name or code ("Senate", "H", "ASSEMBLY")."""
    value = text.strip().upper() if isinstance(text, str) else ""
    if value in {"S", "SENATE", "UPPER", "SEN"}:
        return "upper"
    if value in {
        "H",
        "A",
        "HOUSE",
        "ASSEMBLY",
        "LOWER",
        "REP",
        "ASM",
        "HOUSE OF REPRESENTATIVES",
        "HOUSE OF DELEGATES",
        "GENERAL ASSEMBLY",
        "STATE ASSEMBLY",
    }:
        return "lower"
    if value in {"J", "JOINT", "JNT", "L", "LEGISLATURE"}:
        return "legislature"
    if value in {"GOVERNOR", "EXECUTIVE", "PRESIDENT"}:
        return "executive"
    return None


def classify(text: str, source_rules: list[Rule]) -> list[str]:
    """Classify an action with the source's rules before the generic ones."""
    return classify_action(text, source_rules)


def clean(text: Any) -> str:
    """Whitespace folded to single spaces; a list or object is a ParseError, never its repr."""
    if isinstance(text, list | dict | tuple | set):
        raise ParseError(f"expected text, got a {type(text).__name__}: {str(text)[:60]}")
    return " ".join(str(text or "").split())


def with_text(version: VersionRecord, extracted: ExtractedText) -> VersionRecord:
    """The version with the extracted text and its inserted and struck spans."""
    version.text = extracted.text
    version.inserted = [(int(start), int(end)) for start, end in extracted.inserted]
    version.struck = [(int(start), int(end)) for start, end in extracted.struck]
    return version
