"""A source is one unit: its spider and parser agree, and every registry derives from them."""

from __future__ import annotations

import importlib

import pytest
from scrapy.crawler import Crawler
from typer.testing import CliRunner

from billwatch.cli import app
from billwatch.demo.replay import ReplayServer
from billwatch.ingest.sources import UnknownSource, ingest_sources, run_ingest, source_name
from billwatch.settings import Settings
from spiders.registry import UnknownSpider, source_names, spider_class, spider_classes
from spiders.run import CrawlError, check_source, default_states, settings_field
from spiders.settings import build_settings
from tests.conftest import FILES

EXPECTED = ("ca_pubinfo", "congress", "legiscan", "ny_openleg", "openstates", "people")


def test_the_registry_finds_every_spider_by_its_name():
    assert source_names() == EXPECTED
    assert all(cls.name == name for name, cls in spider_classes().items())


@pytest.mark.parametrize("name", EXPECTED)
def test_each_spider_has_a_parser_module_of_the_same_name(name):
    parser = importlib.import_module(f"billwatch.ingest.{name}")
    assert parser.SOURCE == name


def test_every_bulk_ingest_is_a_source_that_can_also_be_crawled():
    assert set(ingest_sources()) == {"ca_pubinfo", "congress", "legiscan", "ny_openleg", "people"}
    assert set(ingest_sources()) <= set(source_names())
    assert ingest_sources()["legiscan"].module == "billwatch.ingest.legiscan"


@pytest.mark.parametrize("name", EXPECTED)
def test_each_key_variable_is_a_setting(name):
    spider = spider_class(name)
    if spider.api_key_env is None:
        assert spider.api_key_url == ""
        return
    field = settings_field(spider.api_key_env)
    assert Settings.model_fields[field].alias == spider.api_key_env
    assert spider.api_key_url.startswith("https://")


def test_fixed_states_come_from_the_spider():
    assert default_states("ny_openleg") == ["NY"]
    assert default_states("congress") == ["US"]
    assert len(default_states("legiscan")) == 51  # every state and DC


def test_custom_settings_sit_between_ours_and_the_overrides():
    crawler = Crawler(spider_class("ca_pubinfo"), build_settings({"DOWNLOAD_DELAY": 0}))
    assert crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1  # the spider's
    assert crawler.settings.getint("DOWNLOAD_MAXSIZE") == 1024**3  # the spider's, over ours
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 0  # the override, over the spider's
    assert crawler.settings.getbool("ROBOTSTXT_OBEY")  # ours


def test_the_replay_server_emulates_every_source():
    with ReplayServer() as server:
        assert set(server.base_urls) == set(source_names())


def test_unknown_names_are_refused_with_the_choices():
    with pytest.raises(CrawlError, match="unknown source 'ohio'; choose one of ca_pubinfo"):
        check_source("ohio")
    with pytest.raises(UnknownSpider):
        spider_class("ny-openleg")
    with pytest.raises(UnknownSource, match="one of ca_pubinfo, congress"):
        source_name("ohio")


def test_old_hyphenated_ingest_names_still_work_with_a_note(Session):
    with pytest.warns(FutureWarning, match="'ny-openleg' is deprecated; use 'ny_openleg'"):
        assert source_name("ny-openleg") == "ny_openleg"
    result = CliRunner().invoke(app, ["ingest", "ny-openleg", str(FILES / "ingest" / "ny_openleg")])
    assert result.exit_code == 0, result.output
    assert "'ny-openleg' is now 'ny_openleg'" in result.stderr
    stats = run_ingest(Session, "ny_openleg", FILES / "ingest" / "ny_openleg")
    assert stats.errors == []
