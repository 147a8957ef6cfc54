"""Replay servers, data builders and a crawl helper for the spider tests."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import signals
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from billwatch.demo.replay import ReplayServer, zip_folder
from billwatch.demo.replay_data import ReplayData
from spiders.run import run_crawl
from tests.conftest import FILES, shared_path

SPIDER_FILES = FILES / "spiders"
# Fast but still real: AutoThrottle on with tiny delays, short timeouts and backoff.
FAST = {
    "AUTOTHROTTLE_START_DELAY": 0.01,
    "AUTOTHROTTLE_MAX_DELAY": 0.2,
    "DOWNLOAD_DELAY": 0,
    "RETRY_BACKOFF_BASE": 0.05,
    "DOWNLOAD_TIMEOUT": 2,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "PDF_TIMEOUT": 20,
    "OPENSTATES_PER_PAGE": 2,
}


def load(path: Path) -> Any:
    """A JSON file."""
    return json.loads(path.read_bytes())


def file_response(
    path: Path | bytes, url: str = "http://127.0.0.1/replay", content_type: str = "application/json"
) -> TextResponse:
    """A Scrapy response whose body is a file (or bytes), for calling callbacks directly."""
    body = path if isinstance(path, bytes) else path.read_bytes()
    return TextResponse(url, body=body, headers={"Content-Type": content_type}, encoding="utf-8")


def make_spider(cls: type, **kwargs: Any) -> Any:
    """A spider bound to a test crawler (stats, settings), without running a crawl."""
    return cls.from_crawler(get_crawler(cls, {"LOG_LEVEL": "ERROR"}), **kwargs)


def make_pdf(text: str) -> bytes:
    """A small valid one-page PDF showing `text` (one line per text line)."""
    lines = [
        line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        for line in text.splitlines()
    ]
    stream = "BT /F1 11 Tf 50 750 Td 14 TL " + " ".join(f"({t}) '" for t in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return out


def pdf_text_payload(doc_id: int, bill_id: int, date: str, kind: str, text: str) -> dict:
    """A getBillText object (LegiScan format) carrying a PDF of `text`."""
    return {
        "doc_id": doc_id,
        "bill_id": bill_id,
        "date": date,
        "type": kind,
        "type_id": 1 if kind == "Introduced" else 2,
        "mime": "application/pdf",
        "mime_id": 2,
        "text_size": len(text),
        "doc": base64.b64encode(make_pdf(text)).decode(),
    }


AK_TEXTS = {
    153588: (
        "2011-01-18",
        "Introduced",
        "HOUSE BILL NO. 1\nAn Act stating a public policy"
        " on health care services.\nSection 1. Short title.",
    ),
    224009: (
        "2011-03-16",
        "Comm Sub",
        "CS FOR HOUSE BILL NO. 1(HSS)\nAn Act stating a public"
        " policy.\nSection 1. Legislative findings.",
    ),
    234834: (
        "2011-04-07",
        "Comm Sub",
        "CS FOR HOUSE BILL NO. 1(JUD)\nAn Act stating a public"
        " policy.\nSection 1. Findings and purpose.",
    ),
}


def legiscan_data() -> ReplayData:
    """AK HB1 and AR HB1044 (recorded), two CA bills (hand-written) with recorded texts."""
    fixtures = shared_path("fixtures", "legiscan", "dataset_json")
    data = ReplayData()
    for name in (
        "bill/HB1.json",
        "bill/HB1044.json",
        "text/101038.json",
        "text/105736.json",
        "people/8630.json",
        "people/8631.json",
    ):
        data.add_legiscan(load(fixtures / name))
    for name in ("bill_CA_SB7.json", "bill_CA_AB50.json", "person_9101.json"):
        data.add_legiscan(load(SPIDER_FILES / "legiscan" / name))
    for doc_id, (date, kind, text) in AK_TEXTS.items():
        data.add_legiscan({"text": pdf_text_payload(doc_id, 230084, date, kind, text)})
    for bill in list(data.legiscan_bills.values()):  # other unrecorded texts: a small PDF each
        for text in bill.get("texts") or []:
            if text["doc_id"] not in data.legiscan_texts:
                html = (
                    f"<html><body><p>{bill['bill_number']} {text['type']} {text['doc_id']}"
                    "</p><p>An Act relating to appropriations.</p></body></html>"
                )
                data.add_legiscan(
                    {
                        "text": {
                            "doc_id": text["doc_id"],
                            "bill_id": bill["bill_id"],
                            "date": text["date"],
                            "type": text["type"],
                            "type_id": text["type_id"],
                            "mime": "text/html",
                            "mime_id": 1,
                            "text_size": len(html),
                            "doc": base64.b64encode(html.encode()).decode(),
                        }
                    }
                )
    for bill in data.legiscan_bills.values():  # sponsors not recorded get a plain record
        for sponsor in bill.get("sponsors") or []:
            person = {k: v for k, v in sponsor.items() if not k.startswith("sponsor_")}
            person["state_id"] = bill["state_id"]
            data.legiscan_people.setdefault(int(sponsor["people_id"]), person)
    return data


def openstates_data() -> ReplayData:
    """Open States v3 pages (hand-written from openapi.json) and the documents they link."""
    data = ReplayData()
    data.openstates_bills["ny"] = copy.deepcopy(
        load(SPIDER_FILES / "openstates" / "bills_ny.json")["results"]
    )
    data.openstates_events["ny"] = load(SPIDER_FILES / "openstates" / "events_ny.json")["results"]
    data.rewrites["https://www.nysenate.gov/"] = "/files/www.nysenate.gov/"
    for name in ("S1234.html", "A567.html"):
        data.add_document(
            f"www.nysenate.gov/texts/2025/{name}",
            (SPIDER_FILES / "openstates" / name).read_bytes(),
            "text/html",
        )
    data.add_document(
        "www.nysenate.gov/texts/2025/S1234A.pdf",
        make_pdf(
            "S. 1234--A\nAN ACT to amend the social services law\nSection 1."
            " Victims of human trafficking shall receive services."
        ),
        "application/pdf",
    )
    return data


def ny_data() -> ReplayData:
    """The recorded S609-2017 bill response and a hand-written agenda."""
    data = ReplayData()
    data.add_ny_bill(
        load(shared_path("fixtures", "ny_openleg", "api_v3", "S609-2017_bill_response.json"))
    )
    data.add_ny_agenda(
        load(SPIDER_FILES / "ny_openleg" / "agenda_2017_5.json")["result"], "2017-02-06T12:23:39"
    )
    return data


def congress_data() -> ReplayData:
    """The recorded H.R. 21 (117th) responses and a USLM document for one of its texts."""
    folder = shared_path("fixtures", "us_congress", "congress_gov_api")
    data = ReplayData()
    data.add_congress_bill(
        {
            "bill": load(folder / "bill_117_hr_21.json"),
            "actions": load(folder / "bill_117_hr_21_actions.json"),
            "cosponsors": load(folder / "bill_117_hr_21_cosponsors.json"),
            "text": load(folder / "bill_117_hr_21_text.json"),
        }
    )
    data.rewrites["https://www.congress.gov/"] = "/files/www.congress.gov/"
    data.rewrites["https://api.congress.gov/"] = "/congress/"
    uslm = shared_path("fixtures", "us_congress", "govinfo_uslm_bills", "H3945_IH.XML")
    for version in ("ih", "eh", "rfs"):
        data.add_document(
            f"www.congress.gov/117/bills/hr21/BILLS-117hr21{version}.xml",
            uslm.read_bytes(),
            "application/xml",
        )
    return data


def pubinfo_data() -> ReplayData:
    """A session archive zipped from the recorded pubinfo tables and CAML files."""
    data = ReplayData()
    folder = shared_path("fixtures", "ca_leginfo_pubinfo")
    data.pubinfo_files["pubinfo_2025.zip"] = (zip_folder(folder), dt.datetime(2026, 11, 22, 4, 5))
    return data


def people_data() -> ReplayData:
    """The recorded openstates/people YAML files."""
    data = ReplayData()
    folder = shared_path("fixtures", "openstates_people")
    for path in sorted(folder.rglob("*.yml")):
        state, kind = path.relative_to(folder).parts[:2]
        data.add_people_file(state, kind, path.name, path.read_bytes())
    return data


class DieAfterOpening:
    """A Scrapy extension that kills the crawl child once its run row exists (a hard crash)."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> DieAfterOpening:
        """Connect after the monitor, so the row is written first."""
        extension = cls()
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        return extension

    def opened(self, spider: Any) -> None:
        """Exit at once, as a segfault or the OOM killer would."""
        os._exit(3)


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    """A replay server with no data yet (tests fill `server.data`)."""
    with ReplayServer() as replay:
        yield replay


def crawl(server: ReplayServer, source: str, database_url: str, **kwargs: Any) -> dict:
    """One crawl of `source` against the replay server, with fast settings."""
    settings = {**FAST, **kwargs.pop("settings", {})}
    return run_crawl(
        source,
        base_url=server.base_urls[source],
        database_url=database_url,
        settings=settings,
        **kwargs,
    )
