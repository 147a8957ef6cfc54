"""Bill identifiers and session identifiers come out the same whatever the source wrote."""

from __future__ import annotations

import pytest

from billwatch.ingest.identifiers import normalise_identifier
from billwatch.ingest.sessions import (
    congress_for_year,
    normalise_session,
    session_for_year,
    session_identifier,
    special_ordinal,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AB50", "AB 50"),
        ("AB 50", "AB 50"),
        ("A.B. 50", "AB 50"),
        ("S609", "S 609"),
        ("H.R. 21", "HR 21"),
        ("hr21", "HR 21"),
        ("HB0001", "HB 1"),
        ("SB  1184", "SB 1184"),
        ("S.J.Res. 5", "SJRES 5"),
        ("HB1044", "HB 1044"),
    ],
)
def test_normalise_identifier(raw, expected):
    assert normalise_identifier(raw) == expected


def test_unrecognised_identifier_is_only_tidied():
    assert normalise_identifier("  Prop.  12 (2026) ") == "PROP. 12 (2026)"


@pytest.mark.parametrize(
    ("jurisdiction", "raw", "expected"),
    [
        ("CA", "20252026", "2025-2026"),
        ("CA", "2025-2026", "2025-2026"),
        ("GA", "2025_26", "2025-2026"),
        ("NY", "2017", "2017-2018"),
        ("NY", 2018, "2017-2018"),
        ("NJ", "2027", "2026-2027"),
        ("TX", "2027", "2027"),
        ("US", "117", "117"),
        ("MS", "2011-S1", "2011-S1"),
        ("FL", "2025s1", "2025-S1"),
        ("LA", "2024S2", "2024-S2"),
        ("MS", "2011E", "2011-S1"),
        ("MS", "2011 First Extraordinary Session", "2011-S1"),
        ("CA", "2025 2nd Special", "2025-S2"),
    ],
)
def test_normalise_session(jurisdiction, raw, expected):
    assert normalise_session(jurisdiction, raw) == expected


def test_session_identifier_rule():
    assert session_identifier("OH", 2025, 2026) == "2025-2026"
    assert session_identifier("TX", 2027, 2027) == "2027"
    assert session_identifier("MS", 2011, 2011, special=1) == "2011-S1"
    assert session_identifier("US", 2021, 2022) == "117"


def test_congress_and_biennium_from_a_year():
    assert congress_for_year(2021) == 117 and congress_for_year(2026) == 119
    assert session_for_year("CA", 2026) == "2025-2026"
    assert session_for_year("OH", 2026) == "2025-2026"
    assert session_for_year("TX", 2025) == "2025"  # annual numbering: the year itself


@pytest.mark.parametrize(
    ("name", "ordinal"),
    [
        ("1st Special Session", 1),
        ("2nd Extraordinary Session", 2),
        ("First Extraordinary Session", 1),
        ("Third Special Session", 3),
        ("Special Session", 1),
    ],
)
def test_special_ordinal(name, ordinal):
    assert special_ordinal(name) == ordinal
