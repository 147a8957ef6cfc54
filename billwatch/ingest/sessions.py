"""Canonical legislative session identifiers, so every source names a session the same way.

The rule:

- US Congress: the Congress number, "117".
- A regular session that spans two calendar years: "START-END", "2025-2026" (California,
  New York and the other states in `BIENNIAL`, whose sessions run two years).
- A regular session of one calendar year: the year, "2025".
- A special (extraordinary) session: the year it starts, "-S" and its ordinal, "2011-S1",
  whatever the session's length.

Sources that give only one year (New York Open Legislation's `session: 2017`) are mapped to the
two-year session that year belongs to, through `BIENNIAL` and the year the session starts in.
`normalise_session` also reads the usual spellings of other sources: "20252026" (CA pubinfo),
"2025_26", "2025s1" / "2024S2" / "2011E" (specials), "2011 First Extraordinary Session".
"""

from __future__ import annotations

import re

# Regular sessions run two years, starting in odd years, except where the value says "even".
BIENNIAL: dict[str, str] = {
    "AK": "odd",
    "CA": "odd",
    "DE": "odd",
    "GA": "odd",
    "IA": "odd",
    "IL": "odd",
    "KS": "odd",
    "ME": "odd",
    "MA": "odd",
    "MI": "odd",
    "MN": "odd",
    "NC": "odd",
    "NE": "odd",
    "NY": "odd",
    "OH": "odd",
    "PA": "odd",
    "SC": "odd",
    "TN": "odd",
    "VT": "odd",
    "WA": "odd",
    "WI": "odd",
    "NJ": "even",
    "DC": "odd",
}

_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)\b", re.I)
_WORD_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}


def congress_for_year(year: int) -> int:
    """The Congress sitting in `year` (the 117th sat in 2021 and 2022)."""
    return (year - 1789) // 2 + 1


def session_identifier(
    jurisdiction: str, start_year: int, end_year: int | None = None, special: int = 0
) -> str:
    """The canonical identifier from a session's years and special ordinal (0: regular)."""
    jurisdiction = jurisdiction.upper()
    if jurisdiction == "US":
        return str(congress_for_year(start_year))
    if special:
        return f"{start_year}-S{special}"
    if end_year and end_year > start_year:
        return f"{start_year}-{end_year}"
    return str(start_year)


def session_for_year(jurisdiction: str, year: int) -> str:
    """The regular session a year belongs to ("NY", 2018 -> "2017-2018")."""
    jurisdiction = jurisdiction.upper()
    parity = BIENNIAL.get(jurisdiction)
    if jurisdiction == "US":
        return str(congress_for_year(year))
    if parity is None:
        return str(year)
    starts_odd = parity == "odd"
    start = year if (year % 2 == 1) == starts_odd else year - 1
    return f"{start}-{start + 1}"


def special_ordinal(name: str) -> int:
    """The ordinal in "1st Special Session" / "First Extraordinary Session" (1 when absent)."""
    match = _ORDINAL.search(name or "")
    if match:
        return int(match.group(1))
    for word, number in _WORD_ORDINALS.items():
        if re.search(rf"\b{word}\b", name or "", re.I):
            return number
    return 1


def normalise_session(jurisdiction: str, raw: str | int) -> str:
    """A source's session string in canonical form: "20252026", "2025_26" -> "2025-2026"."""
    text = str(raw).strip()
    jurisdiction = jurisdiction.upper()
    if jurisdiction == "US" and re.fullmatch(r"\d{2,3}", text):
        return str(int(text))
    if re.fullmatch(r"\d{4}-S\d+", text):
        return text
    special = re.fullmatch(r"(\d{4})\s*[-_ ]?\s*(?:s|sp|ss|x|e)(\d*)", text, re.I)
    if special:  # Open States style "2025s1", "2024S2", "2023X"
        return f"{special.group(1)}-S{int(special.group(2) or 1)}"
    if re.match(r"\d{4}\b.*\b(special|extraordinary)\b", text, re.I):
        return f"{text[:4]}-S{special_ordinal(text)}"  # "2025 First Special Session"
    match = re.fullmatch(r"(\d{4})\s*[-_/ ]?\s*(\d{4}|\d{2})", text)
    if match:
        start, end = int(match.group(1)), match.group(2)
        end_year = int(end) if len(end) == 4 else start // 100 * 100 + int(end)
        return session_identifier(jurisdiction, start, end_year)
    if re.fullmatch(r"\d{4}", text):
        return session_for_year(jurisdiction, int(text))
    return text
