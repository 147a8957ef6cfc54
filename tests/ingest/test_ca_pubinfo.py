"""California pubinfo tables and CAML: the real 2025-26 extract and our own AB 2290."""

from __future__ import annotations

import pytest

from billwatch.ingest import ca_pubinfo
from billwatch.ingest.common import ParseError
from tests.conftest import FILES, shared_path

OWN = FILES / "ingest" / "ca_pubinfo"


@pytest.fixture(scope="module")
def real_bills():
    folder = shared_path("fixtures", "ca_leginfo_pubinfo")
    return {b.identifier: b for b in ca_pubinfo.iter_bills(folder)}


def test_read_table_columns_and_nulls():
    rows = ca_pubinfo.read_table(
        shared_path("fixtures", "ca_leginfo_pubinfo", "tables", "BILL_TBL.dat")
    )
    assert len(rows) == 4
    ab831 = [r for r in rows if r["bill_id"] == "202520260AB831"][0]
    assert ab831["chapter_num"] == "623" and ab831["current_status"] == "Chaptered"
    sb275 = rows[0]
    assert sb275["chapter_year"] is None and sb275["measure_num"] == "275"


def test_real_bills_keys_titles_status(real_bills):
    assert set(real_bills) == {"SB 275", "AB 831", "AB 1656", "AB 2052"}
    ab831 = real_bills["AB 831"]
    assert (ab831.jurisdiction, ab831.session) == ("CA", "2025-2026")
    assert ab831.title == "Gambling: operation of a contest or sweepstakes."  # latest version
    assert ab831.status == "enacted" and real_bills["SB 275"].status == "vetoed"


def test_real_history_in_order_with_chambers(real_bills):
    actions = real_bills["AB 831"].actions
    assert len(actions) == 37
    assert actions[0].description == "Read first time. To print."
    assert actions[0].classification == ["introduction", "reading-1"]
    assert [a.date for a in actions] == sorted(a.date for a in actions)
    passed = [a for a in actions if a.description.startswith("Read third time. Passed.")]
    assert passed and all("passage" in a.classification for a in passed)
    assert {"lower", "upper"} <= {a.organization for a in actions}
    withdrawn = [a for a in actions if a.description == "Withdrawn from committee."][0]
    assert withdrawn.classification == []  # not a withdrawal of the bill


def test_real_versions_only_where_lob_present(real_bills):
    sb275 = real_bills["SB 275"]
    assert [(v.note, v.source_key) for v in sb275.versions] == [
        ("Introduced", "20250SB27599INT"),
        ("Amended", "20250SB27597AMD"),
        ("Enrolled", "20250SB27596ENR"),
    ]
    assert "training provider" in sb275.versions[0].text.lower()
    assert real_bills["AB 1656"].versions == []  # its .lob files are not in the extract


def test_real_authors_of_latest_version(real_bills):
    sponsors = [(s.name, s.classification) for s in real_bills["SB 275"].sponsors]
    assert sponsors == [("Smallwood-Cuevas", "primary"), ("Limón", "cosponsor")]


def test_own_amended_version_is_diffed_against_introduced():
    [bill] = list(ca_pubinfo.iter_bills(OWN))
    assert (bill.identifier, bill.status) == ("AB 2290", None)
    introduced, amended = bill.versions
    assert introduced.inserted == [] and introduced.struck == []
    inserted = " ".join(amended.text[s:e] for s, e in amended.inserted)
    struck = " ".join(amended.text[s:e] for s, e in amended.struck)
    assert "civil legal aid" in inserted and "without regard" in inserted
    assert "certified" in struck and "cooperating in an investigation" in struck
    assert [(s.name, s.classification) for s in bill.sponsors] == [
        ("Quintero-Blake", "primary"),
        ("Marlowe", "cosponsor"),
    ]
    assert bill.actions[3].classification == ["committee-passage"]


def test_known_text_hook_gives_the_previous_version(tmp_path):
    for path in OWN.iterdir():
        if path.name != "BILL_VERSION_TBL_90001.lob":
            (tmp_path / path.name).write_bytes(path.read_bytes())
    previous = "The department shall administer a program of rental assistance."
    asked = []

    def known_text(version_id):
        asked.append(version_id)
        return previous

    [bill] = list(ca_pubinfo.iter_bills(tmp_path, known_text=known_text))
    [amended] = bill.versions
    assert asked == ["20250AB229099INT"]
    assert any("civil legal aid" in amended.text[s:e] for s, e in amended.inserted)
    [alone] = list(ca_pubinfo.iter_bills(tmp_path))[0].versions
    assert alone.inserted == [] and alone.struck == []  # nothing to diff against


def test_row_with_wrong_field_count_is_a_parse_error(tmp_path):
    (tmp_path / "BILL_TBL.dat").write_text("`202520260AB1`\t`20252026`\n")
    with pytest.raises(ParseError, match="2 fields"):
        list(ca_pubinfo.iter_bills(tmp_path))


def test_quoted_fields_may_hold_tabs_and_newlines(tmp_path):
    rows = (OWN / "BILL_HISTORY_TBL.dat").read_text().splitlines()
    rows[0] = rows[0].replace("`Read first time. To print.`", "`Read first time.\tTo\r\nprint.`")
    (tmp_path / "BILL_HISTORY_TBL.dat").write_text("\r\n".join(rows) + "\r\n", newline="")
    table = ca_pubinfo.read_table(tmp_path / "BILL_HISTORY_TBL.dat")
    assert len(table) == 5 and table[0]["action"] == "Read first time.\tTo\nprint."
    assert table[0]["ternary_location"] is None and table[4]["end_status"] == (
        "In Committee Process"
    )


def test_columns_appended_by_a_newer_schema_are_ignored(tmp_path):
    line = (OWN / "BILL_TBL.dat").read_text().rstrip("\n")
    (tmp_path / "BILL_TBL.dat").write_text(line + "\t`extra`\n")
    [row] = ca_pubinfo.read_table(tmp_path / "BILL_TBL.dat")
    assert row["days_31st_in_print"] == "2026-03-21 00:00:00" and "extra" not in row.values()


def test_folder_without_bill_table_is_a_parse_error(tmp_path):
    with pytest.raises(ParseError, match="no BILL_TBL"):
        list(ca_pubinfo.iter_bills(tmp_path))
