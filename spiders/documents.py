"""Fetching bill documents from legislatures' sites and extracting their text off the reactor."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from billwatch.ingest.validate import check_document, web_url
from billwatch.records import BillRecord, VersionRecord, VersionText
from billwatch.text import ExtractedText, extract_document, pdf_to_extracted
from spiders.base import BillwatchSpider, describe


def is_pdf(data: bytes, media_type: str | None) -> bool:
    """Whether a document is a PDF, by its header or declared type."""
    return b"%PDF-" in data[:1024] or "pdf" in (media_type or "").lower()


def extract(
    data: bytes, media_type: str | None, filename: str | None, *, timeout: float, memory_mb: int
) -> ExtractedText:
    """Text and spans of a document; PDFs are read with their layout under the crawl's limits."""
    if is_pdf(data, media_type):
        return pdf_to_extracted(data, timeout=timeout, memory_mb=memory_mb)
    # Random bytes served as text/html must not become a version (#11).
    check_document(data, media_type, filename or "document")
    return extract_document(data, media_type=media_type, filename=filename)


class DocumentMixin(BillwatchSpider):
    """Requests for the versions of a bill whose text is not stored yet, and their parsing."""

    def text_requests(
        self, record: BillRecord, versions: list[VersionRecord]
    ) -> Iterator[scrapy.Request]:
        """A request per version the store lacks the text of, from the state's site (robots)."""
        key = {
            "jurisdiction": record.jurisdiction,
            "session": record.session,
            "identifier": record.identifier,
        }
        for version in versions:
            url = web_url(version.url)
            if url and not version.text:
                yield self.site_request(
                    url, self.parse_document, cb_kwargs={"key": key, "version": version}
                )

    async def parse_document(
        self, response: Response, key: dict[str, str], version: VersionRecord
    ) -> AsyncIterator[Any]:
        """The text of one version; extraction runs in a thread, PDFs in a limited child."""
        settings = self.crawler.settings
        media_type = (response.headers.get("Content-Type") or b"").decode("latin-1") or None
        try:
            extracted = await asyncio.to_thread(
                extract,
                response.body,
                media_type or version.media_type,
                response.url.rsplit("/", 1)[-1],
                timeout=settings.getfloat("PDF_TIMEOUT"),
                memory_mb=settings.getint("PDF_MEMORY_MB"),
            )
        except Exception as exc:  # one bad document is reported; its bill stays as it was
            self.report_error(response.url, describe(exc))
            return
        text = VersionRecord(
            note=version.note,
            date=version.date,
            url=version.url,
            media_type=version.media_type or media_type,
            text=extracted.text,
            inserted=[(s[0], s[1]) for s in extracted.inserted],
            struck=[(s[0], s[1]) for s in extracted.struck],
            source_key=version.source_key,
        )
        yield VersionText(version=text, **key)
