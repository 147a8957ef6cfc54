"""Bulk ingest of the formats legislatures and aggregators publish, as `billwatch.records`.

One module per source (`legiscan`, `ny_openleg`, `ca_pubinfo`, `congress`, `people`) of pure
parsers that spiders reuse on API payloads; `runner` writes their records through the store.
"""
