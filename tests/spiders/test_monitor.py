"""Crawl-run health: no items, far fewer than before, field coverage, error ratio."""

from __future__ import annotations

import pytest

from billwatch.demo.replay import ReplayServer
from spiders.monitor import Thresholds, health
from tests.spiders.conftest import crawl, legiscan_data, openstates_data

BASE = {
    "listed": 100,
    "items": 100,
    "errors": 0,
    "requests": 110,
    "field_coverage": {"title": 1.0, "actions": 1.0},
    "previous_listed": 100,
    "thresholds": Thresholds(),
}


@pytest.mark.parametrize(
    "change,reason",
    [
        ({}, None),
        ({"listed": 0, "items": 0}, "no items: the listings returned nothing"),
        ({"listed": 40}, "far fewer entries than the previous run (40 vs 100)"),
        ({"listed": 60}, None),
        (
            {"field_coverage": {"title": 0.5, "actions": 1.0}},
            "field coverage: title in 50% of bills (< 80%)",
        ),
        ({"errors": 30}, "error ratio 30/110 requests (> 20%)"),
        ({"listed": 0, "items": 0, "filtered": True}, None),  # "updated since" may be empty
    ],
)
def test_health_rules(change: dict, reason: str | None) -> None:
    assert health(**{**BASE, **change}) == reason


def test_a_run_far_smaller_than_the_last_is_unhealthy(
    server: ReplayServer, sqlite_url: str
) -> None:
    server.data = legiscan_data()
    assert crawl(server, "legiscan", sqlite_url, states=["AK", "AR", "CA"])["status"] == "ok"
    for bill_id in (212624, 212667, 396373):  # the source suddenly lists one bill in four
        del server.data.legiscan_bills[bill_id]
    summary = crawl(server, "legiscan", sqlite_url, states=["AK", "AR", "CA"])
    assert summary["status"] == "unhealthy"
    assert summary["health_reason"] == "far fewer entries than the previous run (1 vs 4)"
    summary = crawl(server, "legiscan", sqlite_url, states=["WY"])
    assert summary["health_reason"] == "no items: the listings returned nothing"


def test_bills_missing_required_fields_make_a_run_unhealthy(
    server: ReplayServer, sqlite_url: str
) -> None:
    server.data = openstates_data()
    for bill in server.data.openstates_bills["ny"]:
        bill["actions"] = []  # a layout change upstream loses every action
    summary = crawl(server, "openstates", sqlite_url, states=["NY"])
    assert summary["items"]["bill"] == 3
    assert summary["status"] == "unhealthy"
    assert summary["health_reason"] == "field coverage: actions in 0% of bills (< 80%)"
