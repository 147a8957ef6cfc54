"""Scrapy spiders: one module per source, found by `spiders.registry`, run by `spiders.run`."""
