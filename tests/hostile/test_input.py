"""Hostile and broken input files are refused clearly, whole, and within memory (#11 §4).

Every bomb is generated here at test time; nothing large is stored in the repository.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from billwatch.cli import app
from billwatch.db.models import Bill, BillAction, BillVersion, Person
from billwatch.ingest import inputs
from billwatch.ingest.common import ParseError
from tests.conftest import FILES, ROOT

OWN = FILES / "ingest"
WA_BILL = OWN / "legiscan_api" / "getBill_WA_SB5113.json"
PUBINFO = OWN / "ca_pubinfo"
NY_BILL = OWN / "ny_openleg" / "A5521-2025.json"
MIB = 1024 * 1024


def ingest(*args: object):
    result = CliRunner().invoke(app, ["ingest", *map(str, args)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def count(factory, model) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def legiscan_bill(tmp_path: Path, name: str = "bill.json", **changes: object) -> Path:
    """The WA bill fixture with `changes` made to its bill object, written to tmp_path."""
    payload = json.loads(WA_BILL.read_bytes())
    payload["bill"].update(changes)
    path = tmp_path / name
    path.write_text(json.dumps(payload))
    return path


# -- LegiScan: every field checked before anything is written ----------------------------


@pytest.mark.parametrize("bad", ["abc", 1e30, 1e308, -1, 0, True, [1], 2**40])
def test_a_legiscan_bill_with_a_bad_id_is_refused_and_not_stored(Session, tmp_path, bad) -> None:
    result = ingest("legiscan", legiscan_bill(tmp_path, bill_id=bad))
    assert result.exit_code == 1
    assert "bill_id" in result.output and "is not an id" in result.output
    assert count(Session, Bill) == 0


def test_a_list_title_is_refused_not_stored_as_its_repr(Session, tmp_path) -> None:
    result = ingest("legiscan", legiscan_bill(tmp_path, title=["a", "b"]))
    assert result.exit_code == 1 and "title is a list, not text" in result.output
    assert count(Session, Bill) == 0


def test_a_bill_with_a_million_actions_is_refused_by_count(Session, tmp_path) -> None:
    history = [{"date": "2025-01-01", "action": "x", "chamber": "S"}] * 1_000_000
    result = ingest("legiscan", legiscan_bill(tmp_path, history=history))
    assert result.exit_code == 1 and "history has 1000000 entries (at most 20000)" in result.output
    assert count(Session, Bill) == 0


def test_javascript_source_urls_never_become_links(Session, tmp_path) -> None:
    payload = json.loads(WA_BILL.read_bytes())
    bill = payload["bill"]
    bill["url"], bill["state_link"] = "javascript:alert(1)", "https://app.leg.wa.gov/b?n=5113"
    text = {"doc_id": 9001, "date": "2025-01-10", "type": "Introduced", "type_id": 1}
    bill["texts"] = [
        {**text, "url": " JavaScript:alert(document.cookie)", "state_link": "data:,x"},
        {**text, "doc_id": 9002, "url": "https://legiscan.com/WA/text/SB5113/id/9002"},
    ]
    (tmp_path / "bill.json").write_text(json.dumps(payload))
    assert ingest("legiscan", tmp_path / "bill.json").exit_code == 0
    with Session() as session:
        stored = session.scalars(select(Bill)).one()
        assert stored.source_urls == ["https://app.leg.wa.gov/b?n=5113"]
        urls = {v.source_key: v.url for v in stored.versions}
        assert urls == {"9001": None, "9002": "https://legiscan.com/WA/text/SB5113/id/9002"}


def test_random_bytes_said_to_be_html_do_not_become_a_version(Session, tmp_path) -> None:
    listed = {"doc_id": 9001, "date": "2025-01-10", "type": "Introduced", "type_id": 1}
    assert ingest("legiscan", legiscan_bill(tmp_path, texts=[listed])).exit_code == 0
    before = count(Session, BillVersion)
    text = {
        "doc_id": 9001,
        "bill_id": json.loads(WA_BILL.read_bytes())["bill"]["bill_id"],
        "date": "2025-01-10",
        "type": "Introduced",
        "type_id": 1,
        "mime": "text/html",
        "mime_id": 1,
        "doc": base64.b64encode(os.urandom(4096)).decode(),
    }
    (tmp_path / "text.json").write_text(json.dumps({"status": "OK", "text": text}))
    result = ingest("legiscan", tmp_path / "text.json")
    assert result.exit_code == 1 and "said to be text/html, but the bytes are not text" in (
        result.output
    )
    with Session() as session:
        assert session.scalar(select(func.count()).where(BillVersion.text != "")) == 0
    assert count(Session, BillVersion) == before


def test_an_empty_folder_is_an_error(Session, tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    result = ingest("legiscan", tmp_path / "empty")
    assert result.exit_code == 1 and "no .json or .xml files in it" in result.output


def test_deeply_nested_json_is_a_clear_error(Session, tmp_path) -> None:
    (tmp_path / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    result = ingest("legiscan", tmp_path / "deep.json")
    assert result.exit_code == 1 and "nested too deeply" in result.output


def test_billwatch_text_on_deep_json_is_a_clear_error(tmp_path) -> None:
    (tmp_path / "deep.json").write_text('{"text": ' + "[" * 200_000 + "]" * 200_000 + "}")
    result = CliRunner().invoke(app, ["text", str(tmp_path / "deep.json")])
    assert result.exit_code == 2 and "nested too deeply" in result.output
    assert "RecursionError" not in result.output and "Traceback" not in result.output


# -- zip bombs and big files --------------------------------------------------------------


def spaces_zip(path: Path, member: str, size: int) -> Path:
    """A small zip holding `size` bytes of spaces in `member` (a zip bomb, made here)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open(member, "w", force_zip64=True) as handle:
            block = b" " * MIB
            for _ in range(size // MIB):
                handle.write(block)
    return path


def test_a_legiscan_zip_bomb_is_refused_naming_the_member_and_the_cap(Session, tmp_path) -> None:
    bomb = spaces_zip(tmp_path / "bomb.zip", "TX/2025/bill/HB1.json", inputs.MAX_FILE_BYTES + MIB)
    assert bomb.stat().st_size < 2 * MIB
    result = ingest("legiscan", bomb)
    assert result.exit_code == 1
    assert "bomb.zip:TX/2025/bill/HB1.json: 65 MiB is over the 64 MiB limit" in result.output
    assert count(Session, Bill) == 0


def test_a_big_file_is_refused_before_it_is_read(Session, tmp_path) -> None:
    big = tmp_path / "HB1.json"
    with big.open("wb") as handle:  # sparse: costs no disk
        handle.truncate(inputs.MAX_FILE_BYTES + 1)
    result = ingest("legiscan", big)
    assert result.exit_code == 1 and "HB1.json: 64 MiB is over the 64 MiB limit" in result.output


# Runs argv[1:] and writes the child's peak memory (KiB) to argv[0]'s file. The child must be
# forked from a small process: a forked child's peak counts the parent's pages at fork time, and
# the test process holds models of its own.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[2:]).returncode\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(str(peak))\n"
    "sys.exit(code)\n"
)


def peak_rss_mib(argv: list[str], env: dict[str, str], tmp_path: Path) -> tuple[int, str, int]:
    """Run `argv`; its exit code, output and its own peak memory (MiB)."""
    report = tmp_path / "peak-kib"
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(report), *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    return done.returncode, done.stdout + done.stderr, int(report.read_text()) // 1024


def test_a_pubinfo_zip_bomb_is_refused_in_well_under_1_gb(sqlite_url, tmp_path) -> None:
    from billwatch.ingest import ca_pubinfo

    bomb = spaces_zip(tmp_path / "pubinfo.zip", "BILL_TBL.dat", ca_pubinfo.MAX_TABLE_BYTES + MIB)
    env = {**os.environ, "BILLWATCH_DATABASE_URL": sqlite_url, "COLUMNS": "300"}
    code, output, peak = peak_rss_mib(
        [sys.executable, "-m", "billwatch.cli", "ingest", "ca_pubinfo", str(bomb)], env, tmp_path
    )
    assert code == 1, output
    assert "pubinfo.zip:BILL_TBL.dat: 257 MiB is over the 256 MiB limit" in output
    assert peak < 1024, f"peak {peak} MiB"
    assert not list(Path("/tmp").glob("pubinfo-*/BILL_TBL.dat"))


def test_a_pubinfo_table_of_one_huge_line_is_refused(Session, tmp_path) -> None:
    folder = tmp_path / "pubinfo"
    shutil.copytree(PUBINFO, folder)
    with (folder / "BILL_HISTORY_TBL.dat").open("a") as handle:
        handle.write(" " * (2 * MIB))
    result = ingest("ca_pubinfo", folder)
    assert result.exit_code == 1 and "a line over 1048576 characters" in result.output
    assert count(Session, Bill) == 0


# -- pubinfo ------------------------------------------------------------------------------


def test_an_empty_bill_table_is_an_error(Session, tmp_path) -> None:
    (tmp_path / "BILL_TBL.dat").write_text("")
    result = ingest("ca_pubinfo", tmp_path)
    assert result.exit_code == 1 and "BILL_TBL.dat has no rows" in result.output


def test_a_non_utf8_chamber_fails_its_bill_and_duplicates_nothing(Session, tmp_path) -> None:
    folder = tmp_path / "pubinfo"
    shutil.copytree(PUBINFO, folder)
    assert ingest("ca_pubinfo", folder).exit_code == 0
    actions = count(Session, BillAction)
    table = folder / "BILL_HISTORY_TBL.dat"
    table.write_bytes(table.read_bytes().replace(b"`Assembly`", b"`Assem\xffbly`", 1))
    result = ingest("ca_pubinfo", folder)
    assert result.exit_code == 1
    assert "BILL_HISTORY_TBL.dat row 1, column primary_location: not UTF-8 text" in result.output
    assert count(Session, BillAction) == actions


# -- New York, people ---------------------------------------------------------------------


@pytest.mark.parametrize("session", [1e30, "1e30", -2025, [2025], 99999])
def test_a_new_york_session_that_is_no_year_makes_no_second_bill(Session, tmp_path, session):
    assert ingest("ny_openleg", NY_BILL).exit_code == 0
    payload = json.loads(NY_BILL.read_bytes())
    bad = copy.deepcopy(payload)
    (bad["result"] if "result" in bad else bad)["session"] = session
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    result = ingest("ny_openleg", tmp_path / "bad.json")
    assert result.exit_code == 1 and "is not a year" in result.output
    assert count(Session, Bill) == 1


LAUGHS = "a: &a ['x','x','x','x','x','x','x','x','x']\n" + "".join(
    f"{n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
    for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_people_yaml_with_aliases_is_refused(Session, tmp_path) -> None:
    folder = tmp_path / "mn" / "legislature"
    folder.mkdir(parents=True)
    (folder / "Evil-Laughs.yml").write_text(LAUGHS)
    assert len(LAUGHS) < 700
    result = ingest("people", tmp_path / "mn")
    assert result.exit_code == 1 and "aliases (*name) are not allowed" in result.output
    assert count(Session, Person) == 0


def test_real_people_files_still_load(Session) -> None:
    result = ingest("people", OWN / "people" / "mn")
    assert result.exit_code == 0, result.output
    assert count(Session, Person) > 0


def test_no_stored_fixture_is_large() -> None:
    big = [p for p in (ROOT / "tests").rglob("*") if p.is_file() and p.stat().st_size > MIB]
    assert big == []


def test_a_crawled_document_of_random_bytes_said_to_be_html_is_refused() -> None:
    from spiders.documents import extract

    with pytest.raises(ParseError, match="S1.html: said to be text/html; charset=utf-8, but"):
        extract(os.urandom(4096), "text/html; charset=utf-8", "S1.html", timeout=5, memory_mb=256)
    page = b"<html><body><p>Section 1. Caf\xe9 owners shall</p></body></html>"  # Latin-1 HTML
    assert "Section 1." in extract(page, "text/html", "S1.html", timeout=5, memory_mb=256).text
