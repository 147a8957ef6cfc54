"""The read API: keys and their limits, filters, cursor pages, Open States field names, schema."""

from __future__ import annotations

import pytest
from starlette.routing import Route

from billwatch.web import api
from billwatch.web.security import create_api_key


@pytest.fixture
def keyed(shared_db, ro_client_for):
    """An anonymous client and a fresh key with a limit of 1000 a minute."""
    with shared_db[0].begin() as session:
        _, key = create_api_key(session, "tests", 1000)
    client = ro_client_for(None)
    client.headers["X-API-Key"] = key
    return client


def test_a_key_or_a_session_is_needed(ro_client_for, keyed):
    anonymous = ro_client_for(None)
    assert anonymous.get("/api/v1/bills").json() == {
        "detail": "an API key (X-API-Key) or a session is required"
    }
    assert anonymous.get("/api/v1/bills", headers={"X-API-Key": "bw_nope"}).status_code == 401
    assert keyed.get("/api/v1/bills").status_code == 200
    assert ro_client_for("viewer").get("/api/v1/bills").status_code == 200


def test_each_key_has_its_own_rate_limit(shared_db, ro_client_for):
    with shared_db[0].begin() as session:
        _, slow = create_api_key(session, "slow", 2)
        _, other = create_api_key(session, "other", 2)
    client = ro_client_for(None)
    codes = [client.get(f"/api/v1/tags?apikey={slow}").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = client.get(f"/api/v1/tags?apikey={slow}")
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert client.get(f"/api/v1/tags?apikey={other}").status_code == 200


def test_revoked_keys_are_refused(shared_db, ro_client_for):
    from billwatch.db.models import ApiKey, utcnow

    with shared_db[0].begin() as session:
        row, key = create_api_key(session, "gone", 10)
        session.get(ApiKey, row.id).revoked_at = utcnow()
    assert ro_client_for(None).get("/api/v1/bills", headers={"X-API-Key": key}).status_code == 401


def test_bills_filter_and_page_by_cursor(keyed, ro):
    first = keyed.get("/api/v1/bills?per_page=1").json()
    assert [b["identifier"] for b in first["results"]] == ["S 2"]
    cursor = first["pagination"]["next_cursor"]
    second = keyed.get(f"/api/v1/bills?per_page=1&cursor={cursor}").json()
    assert [b["identifier"] for b in second["results"]] == ["AB 1"]
    assert second["pagination"]["next_cursor"] is None
    tagged = keyed.get("/api/v1/bills?tag=penalty_increase&state=CA").json()["results"]
    assert [b["id"] for b in tagged] == [f"billwatch-bill/{ro.ca_bill}"]
    assert keyed.get("/api/v1/bills?q=shelters").json()["results"][0]["identifier"] == "AB 1"
    assert keyed.get("/api/v1/bills?cursor=!!").status_code == 400
    assert keyed.get("/api/v1/bills?per_page=0").status_code == 400
    assert keyed.get("/api/v1/bills?stance=maybe").json()["detail"].startswith("stance:")


def test_bill_detail_uses_open_states_names(keyed, ro):
    bill = keyed.get(f"/api/v1/bills/{ro.ca_bill}").json()
    assert bill["jurisdiction"]["id"] == "ocd-jurisdiction/country:us/state:ca/government"
    assert bill["sources"] == [{"url": "https://leginfo.example/AB1", "note": ""}]
    assert [a["classification"] for a in bill["actions"]] == [
        ["introduction"],
        ["referral-committee"],
    ]
    sponsor = bill["sponsorships"][0]
    assert sponsor["primary"] is True and sponsor["classification"] == "primary"
    assert sponsor["person"]["id"].startswith("ocd-person/")
    assert [v["note"] for v in bill["versions"]] == ["Introduced", "Amended"]
    alert = next(t for t in bill["tags"] if t["tag"] == "penalty_increase")
    assert alert["group"] == "ALERT" and alert["evidence"]["text"].startswith("A person")
    assert bill["related_events"][0]["name"] == "Public Safety hearing"
    assert keyed.get("/api/v1/bills/999999").status_code == 404


def test_people_committees_events_tags(keyed, ro):
    person = keyed.get("/api/v1/people?jurisdiction=CA&name=roe").json()["results"][0]
    assert person["current_role"] == {"org_classification": "lower", "district": "12"}
    assert person["offices"][0]["voice"] == "916-555-0100"
    assert keyed.get(f"/api/v1/people/{ro.person}").json()["name"] == "Jane Roe"
    committee = keyed.get("/api/v1/committees?jurisdiction=CA").json()["results"][0]
    assert committee["memberships"][0]["role"] == "chair"
    event = keyed.get("/api/v1/events?jurisdiction=CA").json()["results"][0]
    assert event["agenda"][0]["related_entities"][0]["name"] == "AB 1"
    tags = keyed.get("/api/v1/tags?tag=survivor_services").json()["results"]
    assert {t["bill"]["identifier"] for t in tags} == {"AB 1", "S 2"}
    assert keyed.get("/api/v1/tags?tag=bogus").status_code == 400


def test_the_schema_describes_every_route(ro_client_for):
    doc = ro_client_for(None).get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    paths = {r.path.replace(":int", "") for r in api.routes if isinstance(r, Route)}
    assert paths - {"/openapi.json"} == set(doc["paths"])
    for item in doc["paths"].values():
        assert {"200", "400", "401", "429"} <= set(item["get"]["responses"])
