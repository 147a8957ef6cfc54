"""Open States people data: legislators and committees of the configured states, as YAML.

The openstates/people repository keeps one YAML file per legislator (`data/<st>/legislature/`)
and per committee (`data/<st>/committees/`). The GitHub contents API lists each folder with
every file's blob hash, so a later run downloads only files whose hash changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
import yaml
from scrapy.http import Response

from billwatch.ingest.people import parse_committee_yaml, parse_person_yaml
from spiders.base import BadResponse, BillwatchSpider, guarded, load_json

REPOSITORY = "repos/openstates/people/contents/data"
KINDS = ("legislature", "committees")  # people first, so memberships link on first sight


class PeopleSpider(BillwatchSpider):
    """Legislators (offices, contacts) and committees (members) from openstates/people."""

    name = "people"
    default_base_url = "https://api.github.com"
    custom_settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2, "DOWNLOAD_DELAY": 0.5}

    def first_requests(self) -> Iterable[scrapy.Request]:
        """The folder listing of each state's legislators and committees."""
        for state in self.states:
            for priority, kind in enumerate(reversed(KINDS)):
                url = f"{self.base_url}/{REPOSITORY}/{state.lower()}/{kind}"
                # An API listing: robots.txt covers GitHub's web pages, not its API.
                yield self.api_request(
                    url,
                    self.parse_listing,
                    priority=priority,
                    headers={"Accept": "application/vnd.github+json"},
                    cb_kwargs={"state": state, "kind": kind},
                )

    @guarded
    def parse_listing(self, response: Response, state: str, kind: str) -> Iterator[Any]:
        """A download for each YAML file whose blob hash is new."""
        listing = load_json(response)
        if not isinstance(listing, list):
            raise BadResponse("expected a list of files")
        seen: dict[str, str] = self.memory.get("sha", {})
        for entry in listing:
            if entry.get("type") != "file" or not entry["name"].endswith((".yml", ".yaml")):
                continue
            self.listed()
            if seen.get(entry["path"]) == entry["sha"]:
                self.skipped()
                continue
            priority = 1 if kind == "legislature" else 0
            # download_url comes from the API (raw.githubusercontent.com), not a state site.
            yield self.api_request(
                entry["download_url"],
                self.parse_file,
                priority=priority,
                cb_kwargs={
                    "state": state,
                    "kind": kind,
                    "path": entry["path"],
                    "sha": entry["sha"],
                },
            )

    @guarded
    def parse_file(
        self, response: Response, state: str, kind: str, path: str, sha: str
    ) -> Iterator[Any]:
        """One legislator or committee; its hash is remembered once it is stored."""
        try:
            data = yaml.safe_load(response.text)
        except yaml.YAMLError as exc:
            raise BadResponse(f"invalid YAML: {exc}") from exc
        parse = parse_person_yaml if kind == "legislature" else parse_committee_yaml
        record = parse(data, state)
        self.remember_when_stored(record, "sha", path, sha)
        yield record
