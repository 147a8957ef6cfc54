"""Property-based fuzz of every source parser and of `billwatch text` (#11 §8).

Each parser gets real records (our fixtures) with hostile values planted at random places,
and wholly random documents: it returns a record or raises a clear error (ParseError,
DocumentError, a named missing field), never anything else, within the deadline.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from billwatch.db.models import Bill, BillAction, BillVersion
from billwatch.ingest import ca_pubinfo, congress, legiscan, ny_openleg, openstates, people
from billwatch.ingest.common import ParseError
from billwatch.ingest.inputs import load_json, load_yaml
from billwatch.ingest.sources import run_ingest
from billwatch.text import DocumentError, extract_document
from tests.conftest import FILES

OWN = FILES / "ingest"
SPIDER = FILES / "spiders"
FUZZ = settings(
    max_examples=60,
    deadline=dt.timedelta(seconds=5),  # a hang fails the test
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CLEAR = (ParseError, DocumentError, KeyError)  # KeyError is reported as "missing field 'x'"

HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["abc", "", " ", "-1", "1e30", "0000-00-00", "javascript:alert(1)"]),
    st.sampled_from([1e30, 1e308, -1, 0, 2**64, float("inf"), float("nan"), -1e308]),
    st.sampled_from(["[/] x", "\x1b[2J", "é\udcff"[:1], "\u202e", "a\x00b"]),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=50),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (keys and indexes) to a value inside `value`."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            found += paths(item, (*prefix, index))
    return found


def plant(document: Any, path: tuple, value: Any) -> Any:
    """A copy of `document` with `value` at `path`."""
    result = copy.deepcopy(document)
    target = result
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return result


def mutations(document: Any) -> st.SearchStrategy[Any]:
    """`document` with one to three hostile values planted at random paths."""
    where = paths(document)

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        result = document
        for _ in range(draw(st.integers(1, 3))):
            spots = paths(result) or where
            result = plant(result, draw(st.sampled_from(spots)), draw(HOSTILE))
        return result

    return build()


def outcome(parse: Callable[[], Any]) -> Any:
    """What `parse` returns, or None for a clear error; anything else fails the test."""
    try:
        return parse()
    except CLEAR:
        return None


def load(path: Path) -> Any:
    return json.loads(path.read_bytes())


LEGISCAN_BILL = load(OWN / "legiscan_api" / "getBill_WA_SB5113.json")
LEGISCAN_PERSON = load(SPIDER / "legiscan" / "person_9101.json")
OPENSTATES_BILL = load(SPIDER / "openstates" / "bills_ny.json")["results"][0]
OPENSTATES_EVENT = load(SPIDER / "openstates" / "events_ny.json")["results"][0]
NY_BILL = load(OWN / "ny_openleg" / "A5521-2025.json")
PERSON_YAML = yaml.safe_load(
    next((OWN / "people" / "mn" / "legislature").glob("*.yml")).read_text()
)
CONGRESS_API = {
    "congress": 119,
    "type": "HR",
    "number": "4410",
    "title": "A bill",
    "policyArea": {"name": "Crime"},
    "sponsors": [{"fullName": "Rep. A", "bioguideId": "A000001"}],
    "latestAction": {"actionDate": "2025-07-15", "text": "Referred"},
    "updateDate": "2025-07-16T00:00:00Z",
}
CONGRESS_ACTIONS = [{"actionDate": "2025-07-15", "text": "Introduced", "type": "IntroReferral"}]
CONGRESS_TEXTS = [
    {
        "date": "2025-07-15",
        "type": "Introduced",
        "formats": [
            {
                "type": "Formatted XML",
                "url": "https://www.congress.gov/119/bills/hr4410/BILLS-119hr4410ih.xml",
            }
        ],
    }
]


@FUZZ
@given(mutations(LEGISCAN_BILL))
def test_legiscan_bill(document: Any) -> None:
    record = outcome(lambda: legiscan.parse_bill(document))
    if record is not None:
        assert isinstance(record.extras["legiscan"]["bill_id"], int)
        assert 0 < record.extras["legiscan"]["bill_id"] < 2**31
        assert isinstance(record.title, str)
        assert all(u.startswith(("http://", "https://")) for u in record.source_urls)


@FUZZ
@given(JSON)
def test_legiscan_bill_of_random_json(document: Any) -> None:
    outcome(
        lambda: legiscan.parse_bill(document if isinstance(document, dict) else {"bill": document})
    )


@FUZZ
@given(mutations(LEGISCAN_PERSON))
def test_legiscan_person(document: Any) -> None:
    outcome(lambda: legiscan.parse_person(document))


@FUZZ
@given(mutations(OPENSTATES_BILL))
def test_openstates_bill(document: Any) -> None:
    record = outcome(lambda: openstates.parse_bill(document))
    if record is not None:
        assert isinstance(record.title, str)
        assert all(u.startswith(("http://", "https://")) for u in record.source_urls)


@FUZZ
@given(mutations(OPENSTATES_EVENT))
def test_openstates_event(document: Any) -> None:
    outcome(lambda: openstates.parse_event(document))


@FUZZ
@given(mutations(NY_BILL))
def test_new_york_bill(document: Any) -> None:
    record = outcome(lambda: ny_openleg.parse_bill(document))
    if record is not None:
        assert record.session[:4].isdigit() and 1789 <= int(record.session[:4]) <= 2200


@FUZZ
@given(mutations(CONGRESS_API), mutations(CONGRESS_ACTIONS), mutations(CONGRESS_TEXTS))
def test_congress_api_bill(bill: Any, actions: Any, texts: Any) -> None:
    outcome(lambda: congress.parse_api_bill(bill, actions, [], texts))


@FUZZ
@given(st.binary(max_size=2000))
def test_congress_billstatus_of_random_bytes(data: bytes) -> None:
    outcome(lambda: congress.parse_billstatus(data))


@FUZZ
@given(st.binary(max_size=2000) | st.sampled_from([b"<bill><bill_id>abc</bill_id></bill>"]))
def test_legiscan_xml_and_uslm_of_random_bytes(data: bytes) -> None:
    outcome(lambda: legiscan.parse_bill(legiscan.xml_to_payload(data)))
    outcome(lambda: congress.parse_uslm(data))


@FUZZ
@given(mutations(PERSON_YAML))
def test_people_yaml(document: Any) -> None:
    outcome(lambda: people.parse_person_yaml(document, "mn", dt.date(2026, 1, 1)))


@FUZZ
@given(st.binary(max_size=500) | st.text(max_size=500).map(str.encode))
def test_yaml_and_json_loading(data: bytes) -> None:
    outcome(lambda: load_yaml(data))
    outcome(lambda: load_json(data))


@FUZZ
@given(st.lists(st.lists(st.text(max_size=12) | st.just("NULL"), max_size=16), max_size=6))
def test_pubinfo_tables(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]]) -> None:
    folder = tmp_path_factory.mktemp("pubinfo")
    for table in ("BILL_TBL", "BILL_HISTORY_TBL", "BILL_VERSION_TBL"):
        text = "\n".join("\t".join(f"`{v}`" if v != "NULL" else v for v in row) for row in rows)
        (folder / f"{table}.dat").write_text(text, encoding="utf-8", errors="surrogateescape")
    outcome(lambda: list(ca_pubinfo.iter_bills(folder)))


@FUZZ
@given(
    st.binary(max_size=3000),
    st.sampled_from([None, "text/html", "application/pdf", "text/plain", "application/json"]),
)
def test_billwatch_text(data: bytes, media_type: str | None) -> None:
    outcome(lambda: extract_document(data, media_type=media_type))


@FUZZ
@given(JSON)
def test_billwatch_text_of_random_json(document: Any) -> None:
    data = json.dumps({"text": document}).encode()
    outcome(lambda: extract_document(data, filename="doc.json"))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutations(LEGISCAN_BILL))
def test_a_failed_bill_writes_nothing(Session, tmp_path_factory, document: Any) -> None:
    """Through the real ingest: a bill that fails leaves the database as it was."""
    tables = (Bill, BillAction, BillVersion)

    def counts() -> list[int]:
        with Session() as session:
            return [session.scalar(select(func.count()).select_from(t)) for t in tables]

    before = counts()
    path = tmp_path_factory.mktemp("fuzz") / "bill.json"
    path.write_text(json.dumps(document))
    stats = run_ingest(Session, "legiscan", [path])
    if stats.errors:
        assert counts() == before, stats.errors
