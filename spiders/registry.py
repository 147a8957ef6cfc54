"""The crawl registry, discovered from the spider classes as Scrapy's SpiderLoader does.

Every `BillwatchSpider` subclass with a `name` in a module of this package is a source; its class
attributes say the rest (API key variable, fixed states, Scrapy `custom_settings`).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache

import spiders
from spiders.base import BillwatchSpider


class UnknownSpider(KeyError):
    """A source name no spider class declares."""

    def __str__(self) -> str:
        return str(self.args[0])


@cache
def spider_classes() -> dict[str, type[BillwatchSpider]]:
    """{name: spider class} of every spider in the package, by name."""
    found: dict[str, type[BillwatchSpider]] = {}
    for info in pkgutil.iter_modules(spiders.__path__):
        module = importlib.import_module(f"spiders.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, BillwatchSpider):
                continue
            name = getattr(cls, "name", None)
            if not name:
                continue  # a base or mixin
            if name in found:
                raise RuntimeError(f"two spiders are named {name!r}")
            found[name] = cls
    return dict(sorted(found.items()))


def source_names() -> tuple[str, ...]:
    """The names of every source that can be crawled."""
    return tuple(spider_classes())


def spider_class(name: str) -> type[BillwatchSpider]:
    """The spider of source `name`, or UnknownSpider naming the choices."""
    try:
        return spider_classes()[name]
    except KeyError:
        choices = ", ".join(source_names())
        raise UnknownSpider(f"unknown source {name!r}; choose one of {choices}") from None
