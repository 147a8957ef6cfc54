"""Parsers, one module per source, shared by the spiders and by bulk ingest.

A module `billwatch/ingest/<source>.py` turns the source's documents (API payloads, dataset
files) into `billwatch.records`; it sets `SOURCE`, the name its spider, `billwatch crawl`,
`billwatch ingest` and the settings share, and may define `ingest(ing, paths, total)`, its bulk
ingest, which `sources` discovers. `bulk` holds what those share; `runner` writes the records.
"""
