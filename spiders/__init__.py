"""Scrapy spiders: one module per source, run one crawl at a time through `spiders.run`."""

SOURCES = ("legiscan", "openstates", "ny_openleg", "ca_pubinfo", "congress", "people")
