"""California pubinfo downloads (no key): the session archive once, then daily archives by date.

The download site lists `pubinfo_<year>.zip` (the whole session's tables and CAML versions,
refreshed weekly) and `pubinfo_<Day>.zip` (one per weekday, each a day's changes). A first run
loads the newest session archive and the daily ones dated after it; later runs load only the
daily archives whose date differs from the one remembered. Archives are parsed by
billwatch.ingest.ca_pubinfo, one bill at a time, so a bad row never costs the others.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response

from billwatch.ingest.ca_pubinfo import parse_archive
from spiders.base import BillwatchSpider, describe, guarded

ARCHIVE = re.compile(r"pubinfo_(\d{4}|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\.zip$", re.I)
# Listing dates as Apache ("24-Nov-2026 04:12"), ISO ("2026-11-24 04:12") or IIS
# ("11/24/2026  4:12 AM") write them.
DATE_FORMATS = [
    (re.compile(r"\d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}"), "%d-%b-%Y %H:%M"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}"), None),
    (re.compile(r"\d{1,2}/\d{1,2}/\d{4}\s+\d{1,2}:\d{2}\s*[AP]M", re.I), "%m/%d/%Y %I:%M %p"),
]


def parse_listing(html: str, base: str) -> dict[str, tuple[str, dt.datetime]]:
    """{archive name: (url, modified)} from a directory listing page."""
    found: dict[str, tuple[str, dt.datetime]] = {}
    for line in re.split(r"\n|<br\s*/?>|<tr", html, flags=re.I):
        link = re.search(r'href="([^"]+\.zip)"', line, re.I)
        if not link or not ARCHIVE.search(link.group(1)):
            continue
        # Apache writes the date after the link, IIS before it.
        rest = re.sub(r"<[^>]+>", " ", line)
        for pattern, fmt in DATE_FORMATS:
            match = pattern.search(rest)
            if match:
                text = " ".join(match.group(0).split())
                when = (
                    dt.datetime.strptime(text, fmt)
                    if fmt
                    else dt.datetime.fromisoformat(text.replace(" ", "T"))
                )
                name = link.group(1).rsplit("/", 1)[-1]
                found[name] = (urljoin(base + "/", link.group(1)), when)
                break
    return found


class CaPubinfoSpider(BillwatchSpider):
    """California bills, actions, authors and CAML versions from the pubinfo archives."""

    name = "ca_pubinfo"
    default_base_url = "https://downloads.leginfo.legislature.ca.gov"
    fixed_states = ("CA",)
    # A state's shared public server: gently, and session archives are large.
    custom_settings = {
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": 2.0,
        "DOWNLOAD_MAXSIZE": 1024 * 1024 * 1024,
    }

    def first_requests(self) -> Iterable[scrapy.Request]:
        """The download listing (a state site: robots.txt applies)."""
        yield self.site_request(self.base_url + "/", self.parse_listing)

    def choose(self, files: dict[str, tuple[str, dt.datetime]]) -> list[tuple[str, str, str]]:
        """(name, url, modified) of the archives to load, oldest first."""
        seen: dict[str, str] = self.memory.get("files", {})
        daily = {n: v for n, v in files.items() if not n[8:12].isdigit()}
        full = {n: v for n, v in files.items() if n[8:12].isdigit()}
        wanted_years = {s[:4] for s in self.sessions}
        if wanted_years:
            full = {n: v for n, v in full.items() if n[8:12] in wanted_years}
        chosen: dict[str, tuple[str, dt.datetime]] = {}
        if full and (wanted_years or not any(n in seen for n in full)):
            name = max(full, key=lambda n: (n[8:12], full[n][1]))
            chosen[name] = full[name]
        after = min((v[1] for v in chosen.values()), default=None)
        for name, (url, when) in daily.items():
            if self.since and when.date() >= self.since:
                chosen[name] = (url, when)
            elif after is not None and when > after:
                chosen[name] = (url, when)
            elif after is None and not self.since and seen.get(name) != when.isoformat():
                chosen[name] = (url, when)
        return sorted(((n, u, w.isoformat()) for n, (u, w) in chosen.items()), key=lambda t: t[2])

    @guarded
    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """Load the archives chosen, one after the other (the session one first)."""
        files = parse_listing(response.text, self.base_url)
        self.listed(len(files))
        queue = self.choose(files)
        self.skipped(len(files) - len(queue))
        # Archives passed over now (older than the session archive) are not wanted later.
        chosen = {name for name, _, _ in queue}
        self.remember(
            "files",
            {
                **self.memory.get("files", {}),
                **{
                    name: when.isoformat()
                    for name, (_, when) in files.items()
                    if name not in chosen
                },
            },
        )
        if queue:
            yield self.archive_request(queue)

    def archive_request(self, queue: list[tuple[str, str, str]]) -> scrapy.Request:
        """The first archive of `queue`; its callback requests the rest."""
        name, url, _ = queue[0]
        return self.site_request(url, self.parse_archive, cb_kwargs={"queue": queue})

    async def parse_archive(
        self, response: Response, queue: list[tuple[str, str, str]]
    ) -> AsyncIterator[Any]:
        """Every bill of one archive, then the next archive."""
        name, _, modified = queue[0]
        try:
            records, errors = await asyncio.to_thread(parse_archive, response.body, response.url)
        except Exception as exc:
            self.report_error(response.url, describe(exc))
        else:
            for where, reason in errors:
                self.report_error(where, reason)
            for record in records:
                yield record
            self.remember("files", {**self.memory.get("files", {}), name: modified})
        if len(queue) > 1:
            yield self.archive_request(queue[1:])
